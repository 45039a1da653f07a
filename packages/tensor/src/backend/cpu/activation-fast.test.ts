/**
 * The WebAssembly SIMD activations (wasm/activation-kernel.ts: sigmoid, SiLU, QuickGELU, erf GELU and their
 * derivatives; biasAct with none / gelu / quickGelu / silu) against the reference kernels (float64, rounded
 * once) on resident contiguous data of odd sizes, values across the whole useful range and a few special
 * values; strided views and ordinary arrays take the JavaScript loops and give the reference's numbers.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KernelAttrs, OutputInfo, Storage, TensorView } from "../backend.js";
import type { UnaryOpName } from "../../ops/elementwise-table.js";
import { fastKernels } from "./fast.js";
import { allocOutput, recycleHost } from "./host-pool.js";
import { referenceKernels } from "./reference-kernels.js";
import { CpuStorage } from "./storage.js";
import { activationF32 } from "./wasm/activation.js";
import { kernelRuntime } from "./wasm/runtime.js";
import { itWithSharedMemory, rng } from "../../../test/support/wasm-kernels.js";

const rt = kernelRuntime();
const itShared = itWithSharedMemory("SIMD activation tests", "the JavaScript loops run there");

const OPS = ["sigmoid", "silu", "siluDerivative", "quickGelu", "quickGeluDerivative", "gelu", "geluDerivative"] as const satisfies readonly UnaryOpName[];
const SPECIAL = [0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 0.5, -0.5, 3, -3, 9, -9, 12.5, -12.5, 40, -40, 100, -100, 1e30, -1e30];

/**
 * Allowed error: a relative bound (erfc's fit is good to 1.2e-7, float32 exp to ~1 ulp, plus the rounding of
 * exp's argument) plus, for the derivatives, which cross zero, an
 * absolute 2e-7 (their terms are of order 1), for the others e^-86.
 */
function allowed(op: string, x: number, want: number): number {
  // the exp argument (-x^2 / 2 for the erf GELU, about 1.7 |x| for the sigmoids) is rounded to float32
  // before exp, which turns its rounding error (1.2e-7 of it) into a relative error of the result
  const arg = op.startsWith("gelu") ? (x * x) / 2 : 2 * Math.abs(x);
  const tail = Math.min(arg, 100) * 1.2e-7;
  // exp gives 0 below e^-86 (4.5e-38, near the smallest normal float32), so x times such a value may be 0
  const abs = op.endsWith("Derivative") ? 2e-7 : 4.5e-38 * Math.max(1, Math.abs(x));
  // the reference's 1 + erf(x / sqrt 2) cancels in float64 (off by up to 2.2e-16 absolute: gelu(-9) is
  // -1.0e-18, the reference says 0), where the kernel's erfc keeps the tail
  const ref = op.startsWith("gelu") ? 2.3e-16 * Math.max(1, Math.abs(x)) : 0;
  return (4e-7 + tail) * Math.abs(want) + abs + ref;
}

/** A resident contiguous float32 view of `n` values: random in [-range, range] after the special values. */
function residentValues(n: number, seed: number, range: number): TensorView {
  const data = allocOutput("float32", Math.max(n, 1 << 14), false) as Float32Array;
  const rand = rng(seed);
  for (let i = 0; i < n; i++) data[i] = i < SPECIAL.length ? SPECIAL[i]! : (rand() * 2 - 1) * range;
  return { storage: new CpuStorage(data), dtype: "float32", shape: [n], strides: [1], offset: 0 };
}

type AnyKernel = (i: readonly TensorView[], a: unknown, o: OutputInfo) => Storage;
const run = (table: typeof fastKernels, name: string, inputs: TensorView[], attrs: unknown, out: OutputInfo): Float32Array =>
  (((table as unknown as Record<string, AnyKernel>)[name]!)(inputs, attrs, out) as CpuStorage).data as Float32Array;

function compare(op: string, xs: ArrayLike<number>, got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!, g = got[i]!;
    if (Number.isNaN(w)) {
      expect(Number.isNaN(g), `${op}(${xs[i]}) = ${g}, reference NaN`).toBe(true);
      continue;
    }
    if (!(Math.abs(g - w) <= allowed(op, xs[i]!, w))) throw new Error(`${op}(${xs[i]}): ${g} vs reference ${w} (error ${Math.abs(g - w)})`);
  }
}

describe("SIMD activations", () => {
  itShared("match the reference on resident data of odd sizes, over the whole range and at special values", () => {
    for (const op of OPS) {
      for (const [n, range] of [[SPECIAL.length, 1], [1, 1], [7, 2], [1023, 4], [4099, 14], [2 * 1024 + 3, 30], [50_001, 9]] as const) {
        const x = residentValues(n, n + op.length, range);
        const out = { shape: [n], dtype: "float32" as const };
        const xs = (x.storage as CpuStorage).data.subarray(0, n);
        const want = run(referenceKernels, op, [x], {}, out);
        // the kernel on any size (outputs below 64 KiB are not resident, so the op itself uses it from there)
        const res = allocOutput("float32", Math.max(n, 1 << 14), false) as Float32Array;
        expect(activationF32(op, { data: (x.storage as CpuStorage).data as Float32Array, offset: 0 }, null, { data: res, offset: 0 }, 1, n)).toBe(true);
        compare(op, xs, res.subarray(0, n), want);
        recycleHost(res);
        if (n * 4 < 1 << 16) continue;
        const got = run(fastKernels, op, [x], {}, out);
        expect(rt!.addressOf(got), "the output is resident").toBeDefined();
        compare(op, xs, got, want);
      }
    }
  });

  itShared("give NaN for NaN and the reference's values at infinities", () => {
    const x = residentValues(4, 1, 1);
    const d = (x.storage as CpuStorage).data;
    d.set([NaN, Infinity, -Infinity, 2]);
    for (const op of OPS) {
      const out = { shape: [4], dtype: "float32" as const };
      const got = run(fastKernels, op, [x], {}, out);
      const want = run(referenceKernels, op, [x], {}, out);
      expect(Number.isNaN(got[0]!), `${op}(NaN)`).toBe(true);
      for (let i = 1; i < 4; i++) expect(Object.is(got[i], want[i]) || Math.abs(got[i]! - want[i]!) <= allowed(op, d[i]!, want[i]!), `${op}(${d[i]}) = ${got[i]} vs ${want[i]}`).toBe(true);
    }
  });

  itShared("biasAct matches the reference for every activation, odd row lengths, batch shapes and resident or ordinary biases", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 })),
        fc.constantFrom<KernelAttrs["biasAct"]["activation"]>("none", "gelu", "quickGelu", "silu", "relu", "geluTanh"),
        fc.boolean(),
        fc.integer(),
        ([a, b, c], activation, residentBias, seed) => {
          const n = a * b * c;
          const x = residentValues(n, seed, 6);
          const xv: TensorView = { ...x, shape: [a, b, c], strides: [b * c, c, 1] };
          const rand = rng(seed + 1);
          const bData = residentBias ? (allocOutput("float32", 1 << 14, false) as Float32Array) : new Float32Array(c + 3);
          for (let i = 0; i < c + 3; i++) bData[i] = rand() * 2 - 1;
          const bias: TensorView = { storage: new CpuStorage(bData), dtype: "float32", shape: [c], strides: [1], offset: 3 };
          const out = { shape: [a, b, c], dtype: "float32" as const };
          const want = run(referenceKernels, "biasAct", [xv, bias], { activation }, out);
          let got: Float32Array;
          if (activation === "relu" || activation === "geluTanh") got = run(fastKernels, "biasAct", [xv, bias], { activation }, out);
          else {
            // the kernel directly (outputs below 64 KiB are not resident, so the op would not use it)
            got = (allocOutput("float32", 1 << 14, false) as Float32Array).subarray(0, n);
            const xd = (x.storage as CpuStorage).data as Float32Array;
            expect(activationF32(activation, { data: xd, offset: 0 }, { data: bData, offset: 3 }, { data: got, offset: 0 }, a * b, c)).toBe(true);
          }
          const xs = Array.from({ length: n }, (_, i) => (x.storage as CpuStorage).data[i]! + bData[3 + (i % c)]!);
          // x + bias is rounded to float32 before the activation here (the reference keeps it in float64)
          const sumUlp = (i: number): number => 1.2e-7 * Math.abs(xs[i]!) * 1.2;
          for (let i = 0; i < n; i++) {
            const tol = allowed(activation === "none" ? "none" : activation, xs[i]!, want[i]!) + sumUlp(i);
            if (!(Math.abs(got[i]! - want[i]!) <= tol)) throw new Error(`biasAct ${activation} at ${i} (x + b = ${xs[i]}): ${got[i]} vs ${want[i]}`);
          }
        },
      ),
      { numRuns: 40 },
    );
    // and through the op, on an output large enough to be resident
    const [rows, cols] = [301, 67];
    const x = residentValues(rows * cols, 3, 5);
    const xv: TensorView = { ...x, shape: [rows, cols], strides: [cols, 1] };
    const bias: TensorView = { storage: new CpuStorage(new Float32Array(cols).map((_, i) => Math.cos(i))), dtype: "float32", shape: [cols], strides: [1], offset: 0 };
    const out = { shape: [rows, cols], dtype: "float32" as const };
    const got = run(fastKernels, "biasAct", [xv, bias], { activation: "gelu" }, out);
    expect(rt!.addressOf(got)).toBeDefined();
    const want = run(referenceKernels, "biasAct", [xv, bias], { activation: "gelu" }, out);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i]!)));
  });

  it("strided views and ordinary arrays take the JavaScript loops and give exactly the reference's numbers", () => {
    const data = new Float32Array(3 * 2 * 37).map((_, i) => Math.sin(i) * 5);
    const x: TensorView = { storage: new CpuStorage(data), dtype: "float32", shape: [37, 3], strides: [6, 2], offset: 1 };
    for (const op of OPS) {
      const out = { shape: [37, 3], dtype: "float32" as const };
      expect(Array.from(run(fastKernels, op, [x], {}, out)), op).toEqual(Array.from(run(referenceKernels, op, [x], {}, out)));
    }
    // the wrapper refuses ordinary arrays instead of copying them
    expect(activationF32("gelu", { data, offset: 0 }, null, { data: new Float32Array(data.length), offset: 0 }, 1, data.length)).toBe(false);
  });
});
