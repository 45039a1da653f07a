/**
 * The per-tensor size limit: a tensor too large fails before anything is allocated, with an error naming the
 * op, the shape and the bytes; the limit is raised with setMaxTensorBytes or DIVA_MAX_TENSOR_BYTES.
 * Every shape here that the limit should stop is also past the JS engine's typed-array limit, so a broken
 * check fails fast in the engine instead of allocating gigabytes.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  add,
  arange,
  eye,
  getMaxTensorBytes,
  matmul,
  memory,
  normal,
  ones,
  randomKey,
  setMaxTensorBytes,
  tensor,
  zeros,
  type WebGPUBackend,
  getBackend,
} from "../src/index.js";
import { testDevices } from "./helpers.js";

const TIB_SHAPE = [2 ** 20, 2 ** 20]; // 2^40 float32 elements: 4 TiB

afterEach(() => {
  delete process.env.DIVA_MAX_TENSOR_BYTES;
  setMaxTensorBytes(undefined);
});

/** Expects `fn` to throw `message` and leave no tensor or byte behind. */
function refused(fn: () => unknown, message: RegExp): void {
  const before = memory();
  expect(fn).toThrow(message);
  expect(memory().tensors).toBe(before.tensors);
  expect(memory().bytes).toEqual(before.bytes);
}

describe("tensors over the per-tensor limit fail before allocating", () => {
  it("the CPU default is 4 GiB; zeros names the op, shape, bytes and how to raise the limit", () => {
    expect(getMaxTensorBytes("cpu")).toBe(4 * 2 ** 30);
    refused(
      () => zeros(TIB_SHAPE),
      /^zeros: a float32 tensor of shape \[1048576,1048576\] needs 4398046511104 bytes \(4 TiB\), more than the limit of 4294967296 bytes \(4 GiB\) per tensor on cpu; raise it with setMaxTensorBytes\(bytes\) or DIVA_MAX_TENSOR_BYTES/,
    );
    // the case, safe to try only once the check above is known to work
    refused(() => zeros([2 ** 31]), /^zeros: a float32 tensor of shape \[2147483648\] needs 8589934592 bytes \(8 GiB\), more than the limit of 4294967296 bytes \(4 GiB\)/);
  });

  it("broadcasting names the op", () => {
    const a = zeros([2 ** 20, 1]);
    const b = zeros([1, 2 ** 20]);
    refused(() => add(a, b), /^add: a float32 tensor of shape \[1048576,1048576\] needs 4398046511104 bytes \(4 TiB\)/);
    a.dispose();
    b.dispose();
  });

  it("setMaxTensorBytes lowers and raises the limit for every creating op", () => {
    setMaxTensorBytes(1024);
    expect(getMaxTensorBytes("cpu")).toBe(1024);
    zeros([256]).dispose(); // exactly 1024 bytes
    refused(() => ones([257]), /^ones: a float32 tensor of shape \[257\] needs 1028 bytes \(1 KiB\), more than the limit of 1024 bytes \(1 KiB\)/);
    refused(() => normal(randomKey(0), [16, 17]), /^normal: a float32 tensor of shape \[16,17\] needs 1088 bytes/);
    refused(() => arange(300), /^arange: a int32 tensor of shape \[300\]/);
    refused(() => eye(17), /^eye: a float32 tensor of shape \[17,17\]/);
    refused(() => tensor(new Float32Array(300)), /^tensor: a float32 tensor of shape \[300\]/);
    const x = zeros([16, 8]);
    const y = zeros([8, 32]);
    refused(() => matmul(x, y), /^matmul: a float32 tensor of shape \[16,32\] needs 2048 bytes/);
    x.dispose();
    y.dispose();
    setMaxTensorBytes(undefined);
    zeros([257]).dispose();
    expect(() => setMaxTensorBytes(0)).toThrow(/positive number of bytes, got 0/);
  });

  it("DIVA_MAX_TENSOR_BYTES sets the default limit; a bad value names the variable", () => {
    process.env.DIVA_MAX_TENSOR_BYTES = "1KiB";
    setMaxTensorBytes(undefined); // re-reads the environment
    refused(() => zeros([300]), /^zeros: .* more than the limit of 1024 bytes \(1 KiB\)/);
    process.env.DIVA_MAX_TENSOR_BYTES = "lots";
    setMaxTensorBytes(undefined);
    expect(() => zeros([2])).toThrow(/DIVA_MAX_TENSOR_BYTES="lots" is not a size in bytes/);
  });

  it("with the limit off, the JS engine's allocation error still names the op and shape", () => {
    setMaxTensorBytes(Infinity);
    refused(() => zeros([2 ** 31, 2 ** 20]), /^fill: cannot allocate a float32 tensor of shape \[2147483648,1048576\] on cpu \(.*\)/);
  });

  it("on WebGPU the default is the largest buffer the adapter can bind", async () => {
    const devices = await testDevices();
    if (!devices.includes("webgpu")) {
      console.warn("skipping the WebGPU limit check: no WebGPU adapter (see the device suite's message)");
      return;
    }
    const limits = (getBackend("webgpu") as WebGPUBackend).ctx.limits;
    expect(getMaxTensorBytes("webgpu")).toBe(Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize));
    refused(() => zeros(TIB_SHAPE, { device: "webgpu" }), /^zeros: a float32 tensor of shape \[1048576,1048576\] needs 4398046511104 bytes \(4 TiB\), more than the \d+ bytes .* one webgpu buffer can hold on this adapter/);
  });
});
