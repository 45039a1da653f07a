/**
 * Float32 storage resident in the WebAssembly kernel memory (host-pool.ts): the fast kernels' outputs and
 * the fast backend's uploads live there, so matmul, conv, attention and softmax read and write them in place;
 * kernels over resident strided views match the reference kernels; the views stay valid as the memory
 * grows; freed storages give their blocks back (or to the pool); turning it off gives ordinary arrays.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { KernelAttrs, OutputInfo, Storage, TensorView } from "../backend.js";
import { windowOutSize } from "../../shape.js";
import { createCpuBackend } from "./cpu-backend.js";
import { fastKernels } from "./fast.js";
import { allocOutput, recycleHost, setResidentStorage } from "./host-pool.js";
import { referenceKernels } from "./reference-kernels.js";
import { CpuStorage } from "./storage.js";
import { cpuKernelInfo } from "./wasm/index.js";
import { kernelRuntime } from "./wasm/runtime.js";
import { itWithSharedMemory, rng } from "../../../test/support/wasm-kernels.js";

const rt = kernelRuntime();
const itShared = itWithSharedMemory("resident-storage tests", "outputs stay ordinary arrays there");

const resident = (a: ArrayLike<number>): boolean => a instanceof Float32Array && rt?.addressOf(a) !== undefined;
const dataOf = (s: Storage): Float32Array => (s as CpuStorage).data as Float32Array;

afterEach(() => {
  setResidentStorage(true);
});

/** A resident float32 view of `shape` with dims stored in order `perm`, rows padded by `pad`, after `pad` elements. */
function residentView(shape: readonly number[], seed: number, perm: readonly number[], pad: number): TensorView {
  const r = shape.length;
  const strides = new Array<number>(r).fill(0);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    const d = perm[i]!;
    strides[d] = acc;
    acc *= shape[d]! + (i === r - 1 ? pad : 0);
  }
  // at least the pool's minimum, so the array is resident whatever its shape
  const n = Math.max(pad + acc + 1, 1 << 14);
  const data = allocOutput("float32", n, false) as Float32Array;
  const rand = rng(seed);
  for (let i = 0; i < n; i++) data[i] = rand() * 2 - 1;
  return { storage: new CpuStorage(data), dtype: "float32", shape, strides, offset: pad };
}

function expectClose(got: Float32Array, want: Float32Array, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol * (1 + scale))) throw new Error(`${what}: element ${i}: ${got[i]} vs ${want[i]}`);
  }
}

type AnyKernel = (i: readonly TensorView[], a: unknown, o: OutputInfo) => Storage;
const call = (table: typeof fastKernels, name: keyof typeof fastKernels, inputs: TensorView[], attrs: unknown, out: OutputInfo): Float32Array =>
  dataOf((table[name] as unknown as AnyKernel)(inputs, attrs, out));

describe("resident float32 storage", () => {
  itShared("fast kernels' outputs and the fast backend's uploads live in the kernel memory and chain without copies", () => {
    const backend = createCpuBackend(fastKernels, { recycle: true });
    const [m, k, n] = [130, 150, 170]; // every array above the 64 KiB minimum of resident storage
    const rand = rng(1);
    const a = backend.upload(Float32Array.from({ length: m * k }, rand), "float32");
    const b = backend.upload(Float32Array.from({ length: k * n }, rand), "float32");
    expect(resident(dataOf(a)) && resident(dataOf(b))).toBe(true);
    const before = cpuKernelInfo();
    const av: TensorView = { storage: a, dtype: "float32", shape: [m, k], strides: [k, 1], offset: 0 };
    const bv: TensorView = { storage: b, dtype: "float32", shape: [k, n], strides: [n, 1], offset: 0 };
    const c = backend.kernels.matmul([av, bv], {}, { shape: [m, n], dtype: "float32" });
    expect(resident(dataOf(c))).toBe(true);
    // the product of the output and a transposed view of it: every operand in place
    const cv: TensorView = { storage: c, dtype: "float32", shape: [m, n], strides: [n, 1], offset: 0 };
    const ct: TensorView = { storage: c, dtype: "float32", shape: [n, m], strides: [1, n], offset: 0 };
    const d = backend.kernels.matmul([cv, ct], {}, { shape: [m, m], dtype: "float32" });
    const after = cpuKernelInfo();
    expect(after.copiedInBytes - before.copiedInBytes).toBe(0);
    expect(after.copiedOutBytes - before.copiedOutBytes).toBe(0);
    expectClose(dataOf(d), call(referenceKernels, "matmul", [cv, ct], {}, { shape: [m, m], dtype: "float32" }), 1e-5, "c c^T");
    for (const s of [a, b, c, d]) backend.free(s);
  });

  itShared("matmul, conv2d, attention, softmax and elementwise kernels over resident strided views match the reference", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 33 }), fc.integer({ min: 1, max: 29 })),
        fc.constantFrom([0, 1, 2], [0, 2, 1], [2, 1, 0]),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        ([B, m, k, n], perm, pad, seed) => {
          const a = residentView([B, m, k], seed, perm, pad);
          const b = residentView([B, k, n], seed + 1, perm, pad);
          const mm = { shape: [B, m, n], dtype: "float32" as const };
          expectClose(call(fastKernels, "matmul", [a, b], {}, mm), call(referenceKernels, "matmul", [a, b], {}, mm), 1e-5, "matmul");
          // attention: q [B, m, k], keys and values [B, n, k] (values as wide as the keys)
          const kv = residentView([B, n, k], seed + 2, perm, pad);
          const att: KernelAttrs["attention"] = { scale: 0.4, causal: seed % 2 === 0, mask: "none" };
          const ao = { shape: [B, m, k], dtype: "float32" as const };
          expectClose(call(fastKernels, "attention", [a, kv, kv], att, ao), call(referenceKernels, "attention", [a, kv, kv], att, ao), 1e-5, "attention");
          const sm = { shape: [B, m, k], dtype: "float32" as const };
          expectClose(call(fastKernels, "softmax", [a], { axis: 2 }, sm), call(referenceKernels, "softmax", [a], { axis: 2 }, sm), 1e-6, "softmax");
          expectClose(call(fastKernels, "mul", [a, a], {}, sm), call(referenceKernels, "mul", [a, a], {}, sm), 0, "mul");
        },
      ),
      { numRuns: 25 },
    );
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 2 }), fc.constantFrom(3, 17), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 3, max: 13 }), fc.integer({ min: 3, max: 11 })),
        fc.constantFrom([0, 1, 2, 3], [0, 2, 3, 1], [3, 2, 1, 0]),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer(),
        ([N, C, O, H, W], perm, pad, padding, seed) => {
          // C = 17 takes the Winograd path, C = 3 im2col + GEMM
          const x = residentView([N, C, H, W], seed, perm, pad);
          const w = residentView([O, C, 3, 3], seed + 1, perm, pad);
          const attrs: KernelAttrs["conv2d"] = { kernel: [3, 3], stride: [1, 1], padding: [padding, padding], dilation: [1, 1], groups: 1 };
          const out = { shape: [N, O, windowOutSize(H, 3, 1, padding, 1), windowOutSize(W, 3, 1, padding, 1)], dtype: "float32" as const };
          expectClose(call(fastKernels, "conv2d", [x, w], attrs, out), call(referenceKernels, "conv2d", [x, w], attrs, out), 1e-5, `conv2d C=${C}`);
        },
      ),
      { numRuns: 20 },
    );
  });

  itShared("outputs stay valid, with their values, while the memory grows under them", () => {
    const backend = createCpuBackend(fastKernels);
    const x = residentView([3, 81, 77], 5, [0, 1, 2], 1);
    const out = { shape: [3, 81, 77], dtype: "float32" as const };
    const s = backend.kernels.exp([x], {}, out);
    const d = dataOf(s);
    expect(resident(d)).toBe(true);
    const copy = Float32Array.from(d);
    const bytesBefore = rt!.memory.buffer.byteLength;
    const big = rt!.tryAllocF32(bytesBefore / 4 + (16 << 20))!; // more than the whole memory held: it must grow
    expect(big).toBeDefined();
    expect(rt!.memory.buffer.byteLength).toBeGreaterThan(bytesBefore);
    big.fill(7);
    expect(d.length).toBe(copy.length);
    expect(Array.from(d)).toEqual(Array.from(copy));
    // and kernels still read the old view in place
    const v: TensorView = { storage: s, dtype: "float32", shape: out.shape, strides: [81 * 77, 77, 1], offset: 0 };
    expectClose(call(fastKernels, "softmax", [v], { axis: 2 }, out), call(referenceKernels, "softmax", [v], { axis: 2 }, out), 1e-6, "softmax after growth");
    rt!.freeF32(big);
    backend.free(s);
  });

  itShared("a freed storage gives its block back at once, or to the pool with recycling, and zeroed outputs are zero", () => {
    const plain = createCpuBackend(fastKernels);
    const n = 50_000;
    const live0 = rt!.residentBytes;
    const s = plain.upload(new Float32Array(n).fill(1), "float32");
    // uploads are resident only on a recycling backend (or with `resident: true`)
    expect(resident(dataOf(s))).toBe(false);
    const r = createCpuBackend(fastKernels, { resident: true }).upload(new Float32Array(n).fill(1), "float32");
    expect(resident(dataOf(r))).toBe(true);
    expect(rt!.residentBytes).toBeGreaterThanOrEqual(live0 + 4 * n);
    plain.free(r);
    expect(rt!.residentBytes).toBe(live0);
    // recycled: the same block comes back for the next output of that size, zeroed when asked
    const a = allocOutput("float32", n, false) as Float32Array;
    a.fill(3);
    const at = a.byteOffset;
    recycleHost(a);
    const b = allocOutput("float32", n, true) as Float32Array;
    expect(b.byteOffset).toBe(at);
    expect(b.every((v) => v === 0)).toBe(true);
    recycleHost(b);
  });

  itShared("turned off, outputs are ordinary arrays and the kernels give the same numbers", () => {
    const x = residentView([4, 90, 33], 9, [0, 2, 1], 2);
    const y = residentView([4, 33, 51], 10, [0, 1, 2], 0);
    const out = { shape: [4, 90, 51], dtype: "float32" as const };
    const on = call(fastKernels, "matmul", [x, y], {}, out);
    expect(resident(on)).toBe(true);
    setResidentStorage(false);
    const off = call(fastKernels, "matmul", [x, y], {}, out);
    expect(resident(off)).toBe(false);
    expect(off.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(off)).toEqual(Array.from(on));
  });
});
