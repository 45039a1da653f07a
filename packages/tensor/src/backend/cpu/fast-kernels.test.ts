/**
 * The fast CPU kernels (elementwise loops, contiguous copies, softmax, unfold, fold, scatterSlice, outputs
 * drawn from the host pool) against the TypeScript reference kernels on random shapes, odd sizes, size 1
 * and non-contiguous views.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KernelAttrs, OutputInfo, TensorView, Window2d } from "../backend.js";
import { allocHost, type DType, type TypedArray } from "../../dtype.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "../../ops/elementwise-table.js";
import { contiguousStrides, windowOutSize } from "../../shape.js";
import { fastKernels } from "./fast.js";
import { recycleHost } from "./host-pool.js";
import { referenceKernels } from "./reference-kernels.js";
import { CpuStorage } from "./storage.js";
import { permutedStrides, rng } from "../../../test/support/wasm-kernels.js";

/** A random view of `shape`: its dims stored in the order `perm`, each padded by `pad`, after `offset` elements. */
function view(dtype: DType, shape: readonly number[], seed: number, perm?: readonly number[], pad = 0, offset = 0): TensorView {
  const { strides, extent: acc } = permutedStrides(shape, perm, pad);
  const data = allocHost(dtype, offset + Math.max(acc, 1) + 2);
  const rand = rng(seed);
  for (let i = 0; i < data.length; i++) data[i] = dtype === "int32" ? Math.round(rand() * 50) : rand() * 4;
  return { storage: new CpuStorage(data), dtype, shape, strides, offset };
}

function run(kernels: typeof fastKernels, name: "unfold" | "fold" | "softmax" | "layerNorm" | "groupNorm", inputs: TensorView[], attrs: unknown, out: OutputInfo): TypedArray {
  const k = kernels[name] as (i: readonly TensorView[], a: unknown, o: OutputInfo) => CpuStorage;
  return k(inputs, attrs, out).data;
}

function expectClose(got: TypedArray, want: TypedArray, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= tol * (1 + Math.abs(want[i]!))) && !(Number.isNaN(got[i]!) && Number.isNaN(want[i]!))) {
      throw new Error(`element ${i}: ${got[i]} vs ${want[i]}`);
    }
  }
}

const windowArb = fc.record({
  kernel: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
});

/** Image sizes for which the window gives at least one output. */
function fits(h: number, w: number, win: Window2d): boolean {
  return windowOutSize(h, win.kernel[0], win.stride[0], win.padding[0], win.dilation[0]) > 0 && windowOutSize(w, win.kernel[1], win.stride[1], win.padding[1], win.dilation[1]) > 0;
}

describe("fast unfold / fold", () => {
  it("match the reference on random windows, layouts and dtypes", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })),
        windowArb,
        fc.constantFrom<DType>("float32", "float64", "int32"),
        fc.constantFrom([0, 1, 2, 3], [0, 2, 3, 1], [3, 2, 1, 0], [1, 0, 3, 2]),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        (shape, win: Window2d, dtype, perm, pad, seed) => {
          const [N, C, H, W] = shape;
          fc.pre(fits(H, W, win));
          const oh = windowOutSize(H, win.kernel[0], win.stride[0], win.padding[0], win.dilation[0]);
          const ow = windowOutSize(W, win.kernel[1], win.stride[1], win.padding[1], win.dilation[1]);
          const K = C * win.kernel[0] * win.kernel[1], L = oh * ow;
          const x = view(dtype, shape, seed, perm, pad, pad);
          const uOut = { shape: [N, K, L], dtype };
          expectClose(run(fastKernels, "unfold", [x], win, uOut), run(referenceKernels, "unfold", [x], win, uOut), 0);
          if (dtype === "int32") return;
          const attrs: KernelAttrs["fold"] = { ...win, outputSize: [H, W] };
          const fOut = { shape: [N, C, H, W], dtype };
          const tol = dtype === "float32" ? 1e-6 : 0;
          for (const cols of [view(dtype, [N, K, L], seed + 1), view(dtype, [N, K, L], seed + 2, [0, 2, 1], 1, 2)]) {
            expectClose(run(fastKernels, "fold", [cols], attrs, fOut), run(referenceKernels, "fold", [cols], attrs, fOut), tol);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("handle a window wider than the padded image on one side and size-1 images", () => {
    const win: Window2d = { kernel: [3, 5], stride: [1, 2], padding: [1, 2], dilation: [1, 1] };
    const x = view("float32", [1, 2, 1, 1], 7);
    const out = { shape: [1, 30, 1], dtype: "float32" as const };
    expectClose(run(fastKernels, "unfold", [x], win, out), run(referenceKernels, "unfold", [x], win, out), 0);
  });
});

describe("fast layer norm and group norm", () => {
  const affineArb = fc.record({ weight: fc.boolean(), bias: fc.boolean(), transposed: fc.boolean(), seed: fc.integer() });
  it("layer norm matches the reference over 1-2 trailing dims, with and without affine, on views", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 2 }), affineArb, (shape, d, o) => {
        const dims = Math.min(d, shape.length);
        const r = shape.length;
        const perm = o.transposed && r > 1 ? [...shape.map((_, i) => i).slice(0, r - 2), r - 1, r - 2] : undefined;
        const x = view("float32", shape, o.seed, perm, 0, 3);
        const ns = shape.slice(r - dims);
        const inputs = [x];
        if (o.weight) inputs.push(view("float32", ns, o.seed + 1, undefined, 1, 2));
        if (o.bias) inputs.push(view("float32", ns, o.seed + 2));
        const attrs = { dims, eps: 1e-5, weight: o.weight, bias: o.bias };
        const out = { shape, dtype: "float32" as const };
        expectClose(run(fastKernels, "layerNorm", inputs, attrs, out), run(referenceKernels, "layerNorm", inputs, attrs, out), 2e-5);
      }),
      { numRuns: 200 },
    );
  });

  it("group norm (+SiLU) matches the reference for any group count, spatial size and layout", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 2 }),
        fc.boolean(),
        affineArb,
        (n, groups, perGroup, spatial, silu, o) => {
          const C = groups * perGroup;
          const shape = [n, C, ...spatial];
          const r = shape.length;
          const perm = o.transposed && r > 2 ? [...shape.map((_, i) => i).slice(0, r - 2), r - 1, r - 2] : undefined;
          const x = view("float32", shape, o.seed, perm, 0, 1);
          const inputs = [x];
          if (o.weight) inputs.push(view("float32", [C], o.seed + 1, undefined, 0, 5));
          if (o.bias) inputs.push(view("float32", [C], o.seed + 2));
          const attrs = { groups, eps: 1e-5, weight: o.weight, bias: o.bias, activation: silu ? ("silu" as const) : ("none" as const) };
          const out = { shape, dtype: "float32" as const };
          expectClose(run(fastKernels, "groupNorm", inputs, attrs, out), run(referenceKernels, "groupNorm", inputs, attrs, out), 2e-5);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("fast softmax", () => {
  it("matches the reference on contiguous rows, odd sizes and views", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.constantFrom<DType>("float32", "float64"),
        fc.integer(),
        (shape, transposed, dtype, seed) => {
          const r = shape.length;
          const perm = transposed && r > 1 ? [...shape.map((_, i) => i).slice(0, r - 2), r - 1, r - 2] : undefined;
          const x = view(dtype, shape, seed, perm, 0, 1);
          for (let axis = 0; axis < r; axis++) {
            const out = { shape, dtype };
            expectClose(run(fastKernels, "softmax", [x], { axis }, out), run(referenceKernels, "softmax", [x], { axis }, out), dtype === "float32" ? 2e-6 : 0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("masks -Infinity and gives NaN for an all -Infinity row, like the reference", () => {
    const data = new Float32Array([1, -Infinity, 2, -Infinity, -Infinity, -Infinity]);
    const x: TensorView = { storage: new CpuStorage(data), dtype: "float32", shape: [2, 3], strides: contiguousStrides([2, 3]), offset: 0 };
    const out = { shape: [2, 3], dtype: "float32" as const };
    expectClose(run(fastKernels, "softmax", [x], { axis: 1 }, out), run(referenceKernels, "softmax", [x], { axis: 1 }, out), 2e-6);
  });
});

describe("fast elementwise loops", () => {
  const shapes = fc
    .array(fc.integer({ min: 1, max: 7 }), { minLength: 0, maxLength: 4 })
    .chain((out) =>
      fc.tuple(
        fc.constant(out),
        // the second operand: the output shape with dims broadcast (set to 1) or dropped from the front
        fc.tuple(fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }), fc.integer({ min: 0, max: out.length })),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 }),
      ),
    );

  function layoutOf(shape: readonly number[], flip: boolean): number[] | undefined {
    return flip && shape.length > 1 ? [...shape.map((_, i) => i)].reverse() : undefined;
  }

  it("match the reference for every unary and binary op on broadcast and strided views", () => {
    const unary = Object.keys(UNARY) as UnaryOpName[];
    const binary = Object.keys(BINARY) as BinaryOpName[];
    fc.assert(
      fc.property(shapes, fc.constantFrom<DType>("float32", "float64", "int32"), fc.integer(), ([out, [bcast, drop], flip, pad], dtype, seed) => {
        const yShape = out.map((d, i) => (bcast[i] ? 1 : d)).slice(drop);
        const x = view(dtype, out, seed, layoutOf(out, flip), pad, pad);
        const y = view(dtype, yShape, seed + 1, layoutOf(yShape, !flip), 0, 1);
        const fast = fastKernels as unknown as Record<string, (i: readonly TensorView[], a: unknown, o: OutputInfo) => CpuStorage>;
        const ref = referenceKernels as unknown as typeof fast;
        for (const name of unary) {
          if (dtype === "int32" && UNARY[name].kind !== "same") continue;
          const o = { shape: out, dtype: UNARY[name].kind === "bool" ? ("bool" as const) : dtype };
          expectClose(fast[name]!([x], {}, o).data, ref[name]!([x], {}, o).data, 0);
        }
        for (const name of binary) {
          const kind = BINARY[name].kind;
          if (dtype === "int32" && kind === "float") continue;
          const o = { shape: out, dtype: kind === "compare" || kind === "logical" ? ("bool" as const) : dtype };
          expectClose(fast[name]!([x, y], {}, o).data, ref[name]!([x, y], {}, o).data, 0);
          expectClose(fast[name]!([y, x], {}, o).data, ref[name]!([y, x], {}, o).data, 0);
        }
        const c = { shape: out, dtype };
        expectClose(fast.contiguous!([x], {}, c).data, ref.contiguous!([x], {}, c).data, 0);
      }),
      { numRuns: 60 },
    );
  });
});

describe("fast scatterSlice", () => {
  it("matches the reference on random slices, steps, fill values and views", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(0, 1.5, Number.NaN),
        fc.constantFrom<DType>("float32", "float64", "int32"),
        fc.boolean(),
        fc.integer(),
        (dims, value, dtype, flip, seed) => {
          const xShape = dims.map(([n]) => n);
          const outShape = dims.map(([n, start, step]) => start + (n - 1) * step + 1 + (seed & 1));
          const x = view(dtype, xShape, seed, flip && xShape.length > 1 ? [...xShape.map((_, i) => i)].reverse() : undefined, 1, 2);
          const attrs: KernelAttrs["scatterSlice"] = { starts: dims.map(([, s]) => s), steps: dims.map(([, , st]) => st), value, shape: outShape };
          const o = { shape: outShape, dtype };
          const fast = fastKernels.scatterSlice as unknown as (i: readonly TensorView[], a: unknown, o: OutputInfo) => CpuStorage;
          const ref = referenceKernels.scatterSlice as unknown as typeof fast;
          expectClose(fast([x], attrs, o).data, ref([x], attrs, o).data, 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("host pool", () => {
  it("gives kernels recycled arrays without leaking their old contents", () => {
    const win: Window2d = { kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] };
    const x = view("float32", [2, 8, 32, 32], 5);
    const uOut = { shape: [2, 72, 1024], dtype: "float32" as const };
    const fOut = { shape: [2, 8, 32, 32], dtype: "float32" as const };
    const cols = view("float32", [2, 72, 1024], 6);
    const sOut = { shape: [2, 72, 1030], dtype: "float32" as const };
    const sAttrs: KernelAttrs["scatterSlice"] = { starts: [0, 0, 3], steps: [1, 1, 1], value: 0, shape: sOut.shape };
    for (const n of [2 * 72 * 1024, 2 * 8 * 32 * 32, 2 * 72 * 1030]) for (let i = 0; i < 3; i++) recycleHost(new Float32Array(n).fill(7));
    expectClose(run(fastKernels, "unfold", [x], win, uOut), run(referenceKernels, "unfold", [x], win, uOut), 0);
    expectClose(run(fastKernels, "fold", [cols], { ...win, outputSize: [32, 32] }, fOut), run(referenceKernels, "fold", [cols], { ...win, outputSize: [32, 32] }, fOut), 1e-6);
    const fs = fastKernels.scatterSlice as unknown as (i: readonly TensorView[], a: unknown, o: OutputInfo) => CpuStorage;
    const rs = referenceKernels.scatterSlice as unknown as typeof fs;
    expectClose(fs([cols], sAttrs, sOut).data, rs([cols], sAttrs, sOut).data, 0);
    const fa = fastKernels.add as unknown as typeof fs;
    const ra = referenceKernels.add as unknown as typeof fs;
    expectClose(fa([cols, cols], {}, uOut).data, ra([cols, cols], {}, uOut).data, 0);
  });
});

describe("fast sum", () => {
  it("matches the reference for every axis set, dtype and layout", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom<DType>("float32", "float64", "int32"),
        fc.boolean(),
        fc.integer(),
        (shape, dtype, flip, seed) => {
          const r = shape.length;
          const x = view(dtype, shape, seed, flip && r > 1 ? [...shape.map((_, i) => i)].reverse() : undefined, seed & 1, 3);
          const fast = fastKernels.sum as unknown as (i: readonly TensorView[], a: unknown, o: OutputInfo) => CpuStorage;
          const ref = referenceKernels.sum as unknown as typeof fast;
          for (let mask = 1; mask < 1 << r; mask++) {
            const axes = shape.map((_, i) => i).filter((i) => mask & (1 << i));
            const o = { shape: shape.filter((_, i) => !axes.includes(i)), dtype };
            expectClose(fast([x], { axes }, o).data, ref([x], { axes }, o).data, dtype === "float32" ? 1e-6 : 1e-12);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
