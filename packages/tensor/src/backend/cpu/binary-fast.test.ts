/**
 * The WebAssembly SIMD binary kernel (wasm/binary-kernel.ts: add, sub, mul, div) against the reference
 * kernels, bit for bit, on resident operands broadcast in every way the kernel takes (same shape, scalar,
 * trailing vector, per-row value, a middle dim) and ways it leaves to the JavaScript loops, with odd sizes,
 * offsets, negative strides and small ordinary operands that are copied in.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OutputInfo, Storage, TensorView } from "../backend.js";
import { broadcastStrides, sizeOf } from "../../shape.js";
import { fastKernels } from "./fast.js";
import { allocOutput, recycleHost } from "./host-pool.js";
import { referenceKernels } from "./reference-kernels.js";
import { CpuStorage } from "./storage.js";
import { binaryF32, type BinaryKernelOp } from "./wasm/binary.js";
import { kernelRuntime } from "./wasm/runtime.js";
import { itWithSharedMemory, rng } from "../../../test/support/wasm-kernels.js";

const rt = kernelRuntime();
const itShared = itWithSharedMemory("SIMD binary tests", "the JavaScript loops run there");
const OPS: BinaryKernelOp[] = ["add", "sub", "mul", "div"];

/** A float32 view of `shape` (dims reversed when `flip`), resident or an ordinary array, after `offset` elements. */
function operand(shape: readonly number[], seed: number, residentData: boolean, flip: boolean, offset: number): TensorView {
  const n = sizeOf(shape);
  const len = offset + n + 1;
  const data = residentData ? (allocOutput("float32", Math.max(len, 1 << 14), false) as Float32Array) : new Float32Array(len);
  const rand = rng(seed);
  for (let i = 0; i < data.length; i++) data[i] = (rand() * 2 - 1) * 8;
  const strides = new Array<number>(shape.length).fill(0);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d]!;
  }
  let off = offset;
  if (flip && shape.length > 0) {
    const d = shape.length - 1;
    off += (shape[d]! - 1) * strides[d]!;
    strides[d] = -strides[d]!;
  }
  return { storage: new CpuStorage(data), dtype: "float32", shape, strides, offset: off };
}

type AnyKernel = (i: readonly TensorView[], a: unknown, o: OutputInfo) => Storage;
const run = (table: typeof fastKernels, name: string, inputs: TensorView[], out: OutputInfo): Float32Array =>
  (((table as unknown as Record<string, AnyKernel>)[name]!)(inputs, {}, out) as CpuStorage).data as Float32Array;
const dataOf = (v: TensorView): Float32Array => (v.storage as CpuStorage).data as Float32Array;

/** Shapes of y broadcast against x's [a, b, c, d]: how the kernel or the loops see them. */
const Y_FORMS = {
  same: (s: number[]) => s,
  scalar: () => [],
  trailing: (s: number[]) => [s[3]!],
  lastTwo: (s: number[]) => [s[2]!, s[3]!],
  perRow: (s: number[]) => [s[0]!, s[1]!, 1, 1],
  middle: (s: number[]) => [s[1]!, 1, 1],
  leading: (s: number[]) => [s[0]!, 1, 1, 1],
} as const;

describe("SIMD binary kernel", () => {
  itShared("matches the reference bit for bit on every broadcast form, odd sizes, offsets, flips and copied small operands", () => {
    let viaKernel = 0;
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 33 }), fc.integer({ min: 1, max: 70 })),
        fc.constantFrom(...(Object.keys(Y_FORMS) as (keyof typeof Y_FORMS)[])),
        fc.constantFrom(...OPS),
        fc.tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean()),
        fc.integer({ min: 0, max: 5 }),
        fc.integer(),
        (shape, form, op, [yResident, swap, flipX, flipY], offset, seed) => {
          const yShape = (Y_FORMS[form] as (s: number[]) => number[])(shape);
          const x = operand(shape, seed, true, flipX, offset);
          const y = operand(yShape, seed + 1, yResident, flipY, offset + 1);
          const [a, b] = swap ? [y, x] : [x, y];
          const out = { shape, dtype: "float32" as const };
          const want = run(referenceKernels, op, [a, b], out);
          const res = allocOutput("float32", Math.max(want.length, 1 << 14), false) as Float32Array;
          const took = binaryF32(
            op,
            { data: dataOf(a), offset: a.offset, strides: broadcastStrides(a.shape, a.strides, shape) },
            { data: dataOf(b), offset: b.offset, strides: broadcastStrides(b.shape, b.strides, shape) },
            res,
            shape,
          );
          if (took) {
            viaKernel++;
            const got = res.subarray(0, want.length);
            for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) throw new Error(`${op} ${form} at ${i}: ${got[i]} vs ${want[i]}`);
          }
          recycleHost(res);
          // the op itself (kernel or loops) gives the reference's numbers either way
          const viaOp = run(fastKernels, op, [a, b], out);
          for (let i = 0; i < want.length; i++) if (!Object.is(viaOp[i], want[i])) throw new Error(`${op} op ${form} at ${i}: ${viaOp[i]} vs ${want[i]}`);
        },
      ),
      { numRuns: 120 },
    );
    expect(viaKernel).toBeGreaterThan(30);
  });

  itShared("the fast ops use it for resident outputs (same shape, scalar, trailing and per-channel broadcast)", () => {
    const shape = [2, 8, 33, 40];
    for (const form of ["same", "scalar", "trailing", "perRow"] as const) {
      const x = operand(shape, 3, true, false, 0);
      // a full-size y is resident (as kernel outputs are); the small ones are ordinary arrays, copied in
      const y = operand((Y_FORMS[form] as (s: number[]) => number[])(shape), 4, form === "same", false, 0);
      for (const op of OPS) {
        const jobs = rt!.stats.jobs;
        const got = run(fastKernels, op, [x, y], { shape, dtype: "float32" });
        expect(rt!.stats.jobs, `${op} ${form} ran on the kernel`).toBeGreaterThan(jobs);
        expect(rt!.addressOf(got)).toBeDefined();
        const want = run(referenceKernels, op, [x, y], { shape, dtype: "float32" });
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    }
  });

  itShared("leaves ordinary large operands and non-unit inner strides to the loops", () => {
    const res = allocOutput("float32", 1 << 15, false) as Float32Array;
    const big = new Float32Array(1 << 15);
    expect(binaryF32("add", { data: big, offset: 0, strides: [1] }, { data: big, offset: 0, strides: [1] }, res, [1 << 15])).toBe(false);
    const r = allocOutput("float32", 1 << 15, false) as Float32Array;
    expect(binaryF32("add", { data: r, offset: 0, strides: [2] }, { data: r, offset: 0, strides: [1] }, res, [1 << 14])).toBe(false);
    recycleHost(res);
    recycleHost(r);
  });
});
