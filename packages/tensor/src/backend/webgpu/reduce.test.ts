import { describe, expect, it } from "vitest";
import type { DType } from "../../dtype.js";
import { expectClose, gatherView, gpuOrSkip, randoms, randomInts, readAll, viewOf, type Layout } from "../../../test/support/webgpu.js";

const b = await gpuOrSkip();

/** Reference reduction of row-major `vals` of `shape` over `axes` (keepdims), folding with `f` from `init`. */
function reduceRef(vals: number[], shape: number[], axes: number[], f: (a: number, v: number) => number, init: number): number[] {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = outShape.reduce((a, c) => a * c, 1);
  const out = new Array<number>(outSize).fill(init);
  vals.forEach((v, i) => {
    let rem = i;
    let o = 0;
    let mul = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
      if (!axes.includes(d)) {
        o += c * mul;
        mul *= shape[d]!;
      }
    }
    out[o] = f(out[o]!, v);
  });
  return out;
}

const maxNaN = (a: number, v: number) => (Number.isNaN(a) || a > v ? a : v);
const minNaN = (a: number, v: number) => (Number.isNaN(a) || a < v ? a : v);

/** Reference argmax/argmin along `axis` of row-major `vals` (first extreme, NaN counts as extreme). */
function argRef(vals: number[], shape: number[], axis: number, better: (v: number, b: number) => boolean): number[] {
  const outer = shape.slice(0, axis).reduce((a, c) => a * c, 1);
  const inner = shape.slice(axis + 1).reduce((a, c) => a * c, 1);
  const L = shape[axis]!;
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let bi = 0;
      for (let j = 1; j < L; j++) {
        const v = vals[(o * L + j) * inner + i]!;
        const bv = vals[(o * L + bi) * inner + i]!;
        if (!Number.isNaN(bv) && (Number.isNaN(v) || better(v, bv))) bi = j;
      }
      out.push(bi);
    }
  }
  return out;
}

// [3, 4, 5] read from a [5, 4, 3] buffer permuted (2, 1, 0) and flipped along the middle dimension.
const P: Layout = { shape: [3, 4, 5], strides: [1, -3, 12], offset: 9 };

describe.skipIf(!b)("webgpu reductions", () => {
  const axesCases = [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]];
  for (const axes of axesCases) {
    it(`sum / prod / max / min over [${axes}] of a permuted, flipped float32 view`, async () => {
      const data = randoms(60, -2, 2, 3).map(Math.fround);
      const x = viewOf(b!, data, "float32", P);
      const vals = gatherView(data, P);
      const outShape = P.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const size = outShape.reduce((a, c) => a * c, 1);
      const o = { shape: outShape, dtype: "float32" as DType };
      expectClose(await readAll(b!, b!.kernels.sum([x], { axes }, o), "float32", size), reduceRef(vals, [3, 4, 5], axes, (a, v) => a + v, 0), 1e-5, 1e-5, "sum");
      expectClose(await readAll(b!, b!.kernels.prod([x], { axes }, o), "float32", size), reduceRef(vals, [3, 4, 5], axes, (a, v) => a * v, 1), 1e-4, 1e-12, "prod");
      expectClose(await readAll(b!, b!.kernels.max([x], { axes }, o), "float32", size), reduceRef(vals, [3, 4, 5], axes, maxNaN, -Infinity), 0, 0, "max");
      expectClose(await readAll(b!, b!.kernels.min([x], { axes }, o), "float32", size), reduceRef(vals, [3, 4, 5], axes, minNaN, Infinity), 0, 0, "min");
    });
  }

  it("sum of int32 and of bool (to int32), max of int32", async () => {
    const di = randomInts(60, -100, 100, 4);
    const xi = viewOf(b!, di, "int32", P);
    const vals = gatherView(di, P);
    expect(await readAll(b!, b!.kernels.sum([xi], { axes: [1] }, { shape: [3, 1, 5], dtype: "int32" }), "int32", 15)).toEqual(
      reduceRef(vals, [3, 4, 5], [1], (a, v) => a + v, 0),
    );
    expect(await readAll(b!, b!.kernels.max([xi], { axes: [0, 2] }, { shape: [1, 4, 1], dtype: "int32" }), "int32", 4)).toEqual(
      reduceRef(vals, [3, 4, 5], [0, 2], Math.max, -Infinity),
    );
    const db = randomInts(60, 0, 2, 5);
    const xb = viewOf(b!, db, "bool", [60]);
    expect(await readAll(b!, b!.kernels.sum([xb], { axes: [0] }, { shape: [1], dtype: "int32" }), "int32", 1)).toEqual([db.reduce((a, c) => a + c, 0)]);
  });

  it("large reductions use the workgroup tree (rows, columns, everything)", async () => {
    const data = randoms(4 * 3000, -1, 1, 6).map(Math.fround);
    const x = viewOf(b!, data, "float32", [4, 3000]);
    const rows = reduceRef(data, [4, 3000], [1], (a, v) => a + v, 0);
    expectClose(await readAll(b!, b!.kernels.sum([x], { axes: [1] }, { shape: [4, 1], dtype: "float32" }), "float32", 4), rows, 1e-4, 1e-4, "rows");
    const xt = viewOf(b!, data, "float32", { shape: [3000, 4], strides: [1, 3000], offset: 0 });
    expectClose(await readAll(b!, b!.kernels.sum([xt], { axes: [0] }, { shape: [1, 4], dtype: "float32" }), "float32", 4), rows, 1e-4, 1e-4, "columns");
    const total = data.reduce((a, c) => a + c, 0);
    expectClose(await readAll(b!, b!.kernels.sum([x], { axes: [0, 1] }, { shape: [1, 1], dtype: "float32" }), "float32", 1), [total], 1e-4, 1e-4, "all");
    const mx = await readAll(b!, b!.kernels.max([xt], { axes: [0] }, { shape: [1, 4], dtype: "float32" }), "float32", 4);
    expect(mx).toEqual(reduceRef(data, [4, 3000], [1], Math.max, -Infinity));
  });

  it("max / min propagate NaN; empty sum is 0 and empty prod 1", async () => {
    const x = viewOf(b!, [1, NaN, 3, 4, 5, 6], "float32", [2, 3]);
    expectClose(await readAll(b!, b!.kernels.max([x], { axes: [1] }, { shape: [2, 1], dtype: "float32" }), "float32", 2), [NaN, 6]);
    expectClose(await readAll(b!, b!.kernels.min([x], { axes: [1] }, { shape: [2, 1], dtype: "float32" }), "float32", 2), [NaN, 4]);
    const e = viewOf(b!, [], "float32", [2, 0]);
    expect(await readAll(b!, b!.kernels.sum([e], { axes: [1] }, { shape: [2, 1], dtype: "float32" }), "float32", 2)).toEqual([0, 0]);
    expect(await readAll(b!, b!.kernels.prod([e], { axes: [1] }, { shape: [2, 1], dtype: "float32" }), "float32", 2)).toEqual([1, 1]);
  });

  for (const axis of [0, 1, 2]) {
    it(`argmax / argmin along ${axis} with ties and NaN`, async () => {
      const data = randomInts(60, -3, 4, 7 + axis).map((v, i) => (i === 17 ? NaN : v));
      const x = viewOf(b!, data, "float32", P);
      const vals = gatherView(data, P);
      const outShape = P.shape.map((d, i) => (i === axis ? 1 : d));
      const size = outShape.reduce((a, c) => a * c, 1);
      const o = { shape: outShape, dtype: "int32" as DType };
      expect(await readAll(b!, b!.kernels.argmax([x], { axis }, o), "int32", size)).toEqual(argRef(vals, [3, 4, 5], axis, (v, w) => v > w));
      expect(await readAll(b!, b!.kernels.argmin([x], { axis }, o), "int32", size)).toEqual(argRef(vals, [3, 4, 5], axis, (v, w) => v < w));
    });
  }

  it("argmax over a long axis (workgroup tree) and on int32", async () => {
    const data = randomInts(2 * 5000, 0, 1000, 9);
    data[4321] = 5000;
    data[5000 + 77] = 5000;
    data[5000 + 4000] = 5000;
    const x = viewOf(b!, data, "int32", [2, 5000]);
    expect(await readAll(b!, b!.kernels.argmax([x], { axis: 1 }, { shape: [2, 1], dtype: "int32" }), "int32", 2)).toEqual([4321, 77]);
    const xf = viewOf(b!, data, "float32", [2, 5000]);
    expect(await readAll(b!, b!.kernels.argmin([xf], { axis: 1 }, { shape: [2, 1], dtype: "int32" }), "int32", 2)).toEqual(argRef(data, [2, 5000], 1, (v, w) => v < w));
  });
});

/** Reference softmax / log-softmax along `axis` of row-major `vals`. */
function softmaxRef(vals: number[], shape: number[], axis: number, log: boolean): number[] {
  const outer = shape.slice(0, axis).reduce((a, c) => a * c, 1);
  const inner = shape.slice(axis + 1).reduce((a, c) => a * c, 1);
  const L = shape[axis]!;
  const out = new Array<number>(vals.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => (o * L + j) * inner + i;
      let m = -Infinity;
      for (let j = 0; j < L; j++) m = Math.max(m, vals[at(j)]!);
      let s = 0;
      for (let j = 0; j < L; j++) s += Math.exp(vals[at(j)]! - m);
      for (let j = 0; j < L; j++) out[at(j)] = log ? vals[at(j)]! - m - Math.log(s) : Math.exp(vals[at(j)]! - m) / s;
    }
  }
  return out;
}

describe.skipIf(!b)("webgpu softmax", () => {
  for (const axis of [0, 1, 2]) {
    it(`softmax and logSoftmax along ${axis} of a permuted view`, async () => {
      const data = randoms(60, -5, 5, 20 + axis).map(Math.fround);
      const x = viewOf(b!, data, "float32", P);
      const vals = gatherView(data, P);
      const o = { shape: [3, 4, 5], dtype: "float32" as DType };
      expectClose(await readAll(b!, b!.kernels.softmax([x], { axis }, o), "float32", 60), softmaxRef(vals, [3, 4, 5], axis, false), 1e-5, 1e-7, "softmax");
      expectClose(await readAll(b!, b!.kernels.logSoftmax([x], { axis }, o), "float32", 60), softmaxRef(vals, [3, 4, 5], axis, true), 1e-5, 1e-5, "logSoftmax");
    });
  }
  for (const L of [77, 3000]) {
    it(`rows of ${L} (one workgroup per row), large logits`, async () => {
      const data = randoms(3 * L, -30, 30, L).map(Math.fround);
      data[5] = 80;
      const x = viewOf(b!, data, "float32", [3, L]);
      const o = { shape: [3, L], dtype: "float32" as DType };
      expectClose(await readAll(b!, b!.kernels.softmax([x], { axis: 1 }, o), "float32", 3 * L), softmaxRef(data, [3, L], 1, false), 1e-5, 1e-7, "softmax");
      expectClose(await readAll(b!, b!.kernels.logSoftmax([x], { axis: 1 }, o), "float32", 3 * L), softmaxRef(data, [3, L], 1, true), 1e-5, 1e-4, "logSoftmax");
    });
  }
});
