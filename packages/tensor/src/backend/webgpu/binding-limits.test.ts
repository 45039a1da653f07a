/**
 * Buffers larger than one storage binding: with a backend whose binding limit is lowered to 16 KiB, conv2d
 * splits its im2col columns over chunks of images (same result as without a limit), and what cannot be split
 * fails before any dispatch with an error naming the op, the shapes, the bytes and the limit.
 */
import { describe, expect, it } from "vitest";
import { expectClose, gpuOrSkip, randoms, readAll, viewOf } from "../../../test/support/webgpu.js";
import { createWebGPUBackend, type WebGPUBackend } from "./webgpu-backend.js";

const big = await gpuOrSkip();
const LIMIT = 16 * 1024;
const small: WebGPUBackend | null = big ? await createWebGPUBackend({ maxStorageBufferBindingSize: LIMIT }) : null;

const conv = { kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } as const;

describe.skipIf(!small)("webgpu: tensors larger than one storage binding", () => {
  it("works within the lowered limit and reports it", () => {
    expect(small!.maxStorageBytes).toBe(LIMIT);
    expect(small!.adapter.maxStorageBufferBindingSize).toBe(LIMIT);
    expect(big!.maxStorageBytes).toBeGreaterThan(LIMIT);
  });

  it("conv2d splits the batch so each chunk's im2col columns fit, with the same result", async () => {
    // 6 images of [3, 8, 8], the view skips the first: columns [5, 27, 64] are 34560 bytes, 6912 per image,
    // so chunks of 2, 2 and 1 images; the output [5, 4, 8, 8] (5120 bytes) fits
    const xs = randoms(6 * 3 * 64, -1, 1, 3);
    const ws = randoms(4 * 3 * 9, -1, 1, 4);
    const layout = { shape: [5, 3, 8, 8], strides: [192, 64, 8, 1], offset: 192 };
    const out = { shape: [5, 4, 8, 8], dtype: "float32" } as const;
    const run = async (b: WebGPUBackend) => {
      const y = b.kernels.conv2d([viewOf(b, xs, "float32", layout), viewOf(b, ws, "float32", [4, 3, 3, 3])], conv, out);
      return readAll(b, y, "float32", 5 * 4 * 64);
    };
    const want = await run(big!);
    const got = await run(small!);
    expectClose(got, want, 1e-6, 1e-6, "chunked conv2d");
  });

  it("conv2d whose one image's columns exceed the limit fails before dispatch, naming shapes, bytes and limit", () => {
    const x = viewOf(small!, randoms(16 * 256, -1, 1, 5), "float32", [1, 16, 16, 16]);
    const w = viewOf(small!, randoms(4 * 16 * 9, -1, 1, 6), "float32", [4, 16, 3, 3]);
    expect(() => small!.kernels.conv2d([x, w], conv, { shape: [1, 4, 16, 16], dtype: "float32" })).toThrow(
      "conv2d: input [1,16,16,16] with weight [4,16,3,3]: the im2col columns of one image, a float32 tensor of shape [1,144,256], need 147456 bytes, " +
        "more than this WebGPU adapter's binding limit of 16384 bytes",
    );
  });

  it("any kernel output over the limit is refused with the op, shape, bytes and the limit's name", () => {
    const o = { shape: [4097], dtype: "float32" } as const;
    expect(() => small!.kernels.fill([], { value: 0, ...o }, o)).toThrow(
      "fill: a float32 tensor of shape [4097] needs 16388 bytes, more than this WebGPU adapter's maxStorageBufferBindingSize of 16384 bytes",
    );
    const a = viewOf(small!, randoms(64 * 8, -1, 1, 7), "float32", [64, 8]);
    const b = viewOf(small!, randoms(8 * 80, -1, 1, 8), "float32", [8, 80]);
    expect(() => small!.kernels.matmul([a, b], {}, { shape: [64, 80], dtype: "float32" })).toThrow(/^matmul: a float32 tensor of shape \[64,80\] needs 20480 bytes/);
  });
});
