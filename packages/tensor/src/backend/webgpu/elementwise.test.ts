import { describe, expect, it } from "vitest";
import type { DType } from "../../dtype.js";
import { promoteTypes } from "../../dtype.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "../../ops/elementwise-table.js";
import { expectClose, gatherView, gpuOrSkip, randoms, randomInts, readAll, viewOf, type Layout } from "../../../test/support/webgpu.js";

const b = await gpuOrSkip();

/** float64 erf (series up to |x| = 4, then +-1), accurate far beyond float32. */
function erf(x: number): number {
  if (Math.abs(x) > 4) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** float64 logistic sigmoid, stable in both tails. */
function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** The helpers the table's JavaScript expressions may call. */
const helpers = { erf, roundEven, sigmoid };

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const jsUnary = (src: string) => {
  const f = new Function("x", "h", `const { erf, roundEven, sigmoid } = h; return ${src};`) as (x: number, h: typeof helpers) => number;
  return (x: number) => f(x, helpers);
};
const jsBinary = (src: string) => new Function("x", "y", `return ${src};`) as (x: number, y: number) => number;

/** Host value stored for `dtype`, as the CPU backend stores it. */
function store(v: number, dtype: DType): number {
  if (dtype === "int32") return v | 0;
  if (dtype === "bool") return v !== 0 ? 1 : 0;
  return Math.fround(v);
}

const DOMAIN: Partial<Record<UnaryOpName, [number, number]>> = {
  log: [0.01, 50],
  sqrt: [0, 50],
  rsqrt: [0.01, 50],
  log1p: [-0.9, 20],
  exp: [-20, 20],
  expm1: [-20, 20],
  tanh: [-30, 30],
  sigmoid: [-40, 40],
  softplus: [-40, 40],
  silu: [-30, 30],
  quickGelu: [-30, 30],
};

const TOL: Partial<Record<UnaryOpName, [number, number]>> = {
  erf: [2e-6, 1e-6],
  gelu: [2e-6, 1e-6],
  geluTanh: [2e-6, 1e-6],
};

/** A 2-D layout over 6*5 elements read transposed and flipped along one dimension (negative stride). */
const FLIPPED_T: Layout = { shape: [5, 6], strides: [-1, 5], offset: 4 };

describe.skipIf(!b)("webgpu unary kernels", () => {
  const names = Object.keys(UNARY) as UnaryOpName[];
  for (const name of names) {
    const def = UNARY[name];
    it(`${name} float32 (strided view, small and special values)`, async () => {
      const [lo, hi] = DOMAIN[name] ?? [-6, 6];
      const data = randoms(30, lo, hi, 7).map(Math.fround);
      data[0] = Math.max(0, lo);
      data[1] = lo < 0 ? -0.5 : lo + 0.5;
      data[2] = lo < 0 ? 1e-7 : lo + 1e-7;
      data[3] = 2.5;
      const x = viewOf(b!, data, "float32", FLIPPED_T);
      const outDtype: DType = def.kind === "bool" ? "bool" : "float32";
      const s = b!.kernels[name]([x], {}, { shape: [5, 6], dtype: outDtype });
      const f = jsUnary(def.js);
      const expected = gatherView(data, FLIPPED_T).map((v) => store(f(v), outDtype));
      const [rtol, atol] = TOL[name] ?? [1e-5, 1e-6];
      expectClose(await readAll(b!, s, outDtype, 30), expected, rtol, atol, name);
    });
  }

  it("special values: NaN and infinities (ops whose NaN semantics the helpers fix on every driver)", async () => {
    const data = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 100];
    const x = viewOf(b!, data, "float32", [8]);
    for (const name of ["isnan", "abs", "neg", "relu", "sign", "floor", "logicalNot"] as const) {
      const def = UNARY[name];
      const outDtype: DType = def.kind === "bool" ? "bool" : "float32";
      const s = b!.kernels[name]([x], {}, { shape: [8], dtype: outDtype });
      const f = jsUnary(def.js);
      const expected = data.map((v) => store(f(v), outDtype));
      expectClose(await readAll(b!, s, outDtype, 8), expected, 1e-6, 0, name);
    }
  });

  const intOps = names.filter((n) => UNARY[n].kind === "same");
  for (const name of intOps) {
    it(`${name} int32`, async () => {
      const data = randomInts(12, -40, 40, 3);
      const x = viewOf(b!, data, "int32", { shape: [3, 2], strides: [4, -1], offset: 1 });
      const s = b!.kernels[name]([x], {}, { shape: [3, 2], dtype: "int32" });
      const f = jsUnary(UNARY[name].js);
      const expected = gatherView(data, { shape: [3, 2], strides: [4, -1], offset: 1 }).map((v) => store(f(v), "int32"));
      expect(await readAll(b!, s, "int32", 6)).toEqual(expected);
    });
  }

  it("sin and cos of large arguments (timestep embeddings reach |x| ~ 1000)", async () => {
    const data = randoms(256, -1000, 1000, 9).map(Math.fround);
    const x = viewOf(b!, data, "float32", [256]);
    const o = { shape: [256], dtype: "float32" } as const;
    expectClose(await readAll(b!, b!.kernels.sin([x], {}, o), "float32", 256), data.map(Math.sin), 0, 2e-6, "sin");
    expectClose(await readAll(b!, b!.kernels.cos([x], {}, o), "float32", 256), data.map(Math.cos), 0, 2e-6, "cos");
  });

  it("float ops on int32 inputs give float32", async () => {
    const data = [1, 4, 9, 16];
    const x = viewOf(b!, data, "int32", [4]);
    expectClose(await readAll(b!, b!.kernels.sqrt([x], {}, { shape: [4], dtype: "float32" }), "float32", 4), [1, 2, 3, 4]);
    expectClose(await readAll(b!, b!.kernels.exp([x], {}, { shape: [4], dtype: "float32" }), "float32", 4), data.map((v) => Math.fround(Math.exp(v))));
  });

  it("logicalNot and isnan on bool, int32 and float32", async () => {
    const xb = viewOf(b!, [1, 0, 1, 1], "bool", [4]);
    expect(await readAll(b!, b!.kernels.logicalNot([xb], {}, { shape: [4], dtype: "bool" }), "bool", 4)).toEqual([0, 1, 0, 0]);
    const xi = viewOf(b!, [3, 0, -2, 0], "int32", [4]);
    expect(await readAll(b!, b!.kernels.logicalNot([xi], {}, { shape: [4], dtype: "bool" }), "bool", 4)).toEqual([0, 1, 0, 1]);
    expect(await readAll(b!, b!.kernels.isnan([xi], {}, { shape: [4], dtype: "bool" }), "bool", 4)).toEqual([0, 0, 0, 0]);
    const xf = viewOf(b!, [0.5, 0, NaN, -0], "float32", [4]);
    expect(await readAll(b!, b!.kernels.logicalNot([xf], {}, { shape: [4], dtype: "bool" }), "bool", 4)).toEqual([0, 1, 1, 1]);
  });
});

function binaryOutDtype(name: BinaryOpName, a: DType, c: DType): DType {
  const kind = BINARY[name].kind;
  if (kind === "compare" || kind === "logical") return "bool";
  const p = promoteTypes(a, c);
  return kind === "float" && (p === "int32" || p === "bool") ? "float32" : p;
}

describe.skipIf(!b)("webgpu binary kernels", () => {
  const names = Object.keys(BINARY) as BinaryOpName[];
  // x: [3, 1, 4] read through a transposed layout; y: [5, 4] flipped along its first dimension.
  const xl: Layout = { shape: [3, 1, 4], strides: [1, 0, 3], offset: 0 };
  const yl: Layout = { shape: [5, 4], strides: [-4, 1], offset: 16 };
  for (const name of names) {
    it(`${name} float32 with broadcasting, transposed and flipped inputs`, async () => {
      let xd = randoms(12, -3, 3, 11).map((v) => Math.fround(Math.round(v * 2) / 2));
      let yd = randoms(20, -3, 3, 12).map((v) => Math.fround(Math.round(v * 2) / 2));
      if (name === "pow") {
        xd = xd.map((v, i) => (i % 3 === 0 ? Math.round(v) : Math.abs(v) + 0.25));
        yd = yd.map((v, i) => (i % 2 ? Math.round(v) : Math.fround(v / 3)));
      }
      if (name === "div") yd = yd.map((v) => (v === 0 ? 0.5 : v));
      xd[5] = NaN;
      const x = viewOf(b!, xd, "float32", xl);
      const y = viewOf(b!, yd, "float32", yl);
      const outDtype = binaryOutDtype(name, "float32", "float32");
      const s = b!.kernels[name]([x, y], {}, { shape: [3, 5, 4], dtype: outDtype });
      const f = jsBinary(BINARY[name].js);
      const xv = gatherView(xd, xl);
      const yv = gatherView(yd, yl);
      const expected: number[] = [];
      for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 4; k++) expected.push(store(f(xv[i * 4 + k]!, yv[j * 4 + k]!), outDtype));
      const [rtol, atol] = [2e-6, 1e-6];
      expectClose(await readAll(b!, s, outDtype, 60), expected, rtol, atol, name);
    });
  }

  for (const name of names.filter((n) => n !== "atan2")) {
    it(`${name} int32`, async () => {
      const xd = randomInts(6, -6, 7, 5);
      const yd = randomInts(6, -3, 4, 6).map((v) => (name === "div" && v === 0 ? 2 : v));
      const x = viewOf(b!, xd, "int32", [2, 3]);
      const y = viewOf(b!, yd, "int32", { shape: [2, 3], strides: [1, 2], offset: 0 });
      const outDtype = binaryOutDtype(name, "int32", "int32");
      const s = b!.kernels[name]([x, y], {}, { shape: [2, 3], dtype: outDtype });
      const f = jsBinary(BINARY[name].js);
      const yv = gatherView(yd, { shape: [2, 3], strides: [1, 2], offset: 0 });
      const expected = xd.map((v, i) => store(f(v, yv[i]!), outDtype));
      expectClose(await readAll(b!, s, outDtype, 6), expected, 1e-6, 0, name);
    });
  }

  for (const name of ["logicalAnd", "logicalOr", "logicalXor", "eq", "ne", "lt", "ge"] as const) {
    it(`${name} bool`, async () => {
      const xd = [0, 0, 1, 1];
      const yd = [0, 1, 0, 1];
      const s = b!.kernels[name]([viewOf(b!, xd, "bool", [4]), viewOf(b!, yd, "bool", [4])], {}, { shape: [4], dtype: "bool" });
      const f = jsBinary(BINARY[name].js);
      expect(await readAll(b!, s, "bool", 4)).toEqual(xd.map((v, i) => store(f(v, yd[i]!), "bool")));
    });
  }

  it("mixed int32 + float32 promotes", async () => {
    const s = b!.kernels.add([viewOf(b!, [1, 2, 3], "int32", [3]), viewOf(b!, [0.5, 0.25, -4], "float32", [3])], {}, { shape: [3], dtype: "float32" });
    expect(await readAll(b!, s, "float32", 3)).toEqual([1.5, 2.25, -1]);
  });

  it("atan2 of signed zeros, infinities and NaN as Math.atan2", async () => {
    const vals = [0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-30, 3e30];
    const xs: number[] = [];
    const ys: number[] = [];
    for (const p of vals) for (const q of vals) (xs.push(p), ys.push(q));
    const n = xs.length;
    const s = b!.kernels.atan2([viewOf(b!, xs, "float32", [n]), viewOf(b!, ys, "float32", [n])], {}, { shape: [n], dtype: "float32" });
    const got = await readAll(b!, s, "float32", n);
    const want = xs.map((v, i) => Math.fround(Math.atan2(v, ys[i]!)));
    expectClose(got, want, 2e-7, 0, "atan2");
    got.forEach((v, i) => expect(Object.is(v, 0) || Object.is(v, -0) ? Object.is(v, want[i]) : true).toBe(true));
  });

  it("maximum / minimum propagate NaN from either side", async () => {
    const x = viewOf(b!, [NaN, 1, 2], "float32", [3]);
    const y = viewOf(b!, [1, NaN, 3], "float32", [3]);
    expectClose(await readAll(b!, b!.kernels.maximum([x, y], {}, { shape: [3], dtype: "float32" }), "float32", 3), [NaN, NaN, 3]);
    expectClose(await readAll(b!, b!.kernels.minimum([x, y], {}, { shape: [3], dtype: "float32" }), "float32", 3), [NaN, NaN, 2]);
  });
});

describe.skipIf(!b)("webgpu copy, cast, fill, where, clamp", () => {
  it("contiguous copies a flipped, transposed view", async () => {
    const data = randoms(30, -1, 1, 2).map(Math.fround);
    const s = b!.kernels.contiguous([viewOf(b!, data, "float32", FLIPPED_T)], {}, { shape: [5, 6], dtype: "float32" });
    expect(await readAll(b!, s, "float32", 30)).toEqual(gatherView(data, FLIPPED_T));
  });

  it("contiguous of a broadcast (stride 0) view", async () => {
    const s = b!.kernels.contiguous([viewOf(b!, [1, 2, 3], "int32", { shape: [2, 3], strides: [0, 1], offset: 0 })], {}, { shape: [2, 3], dtype: "int32" });
    expect(await readAll(b!, s, "int32", 6)).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it("casts between float32, int32 and bool", async () => {
    const f = [1.7, -1.7, 0, -0, NaN, 3, 0.2, -2.5, Infinity, 3e9, -3e9, 2 ** 31, -(2 ** 31), 1e20];
    const xf = viewOf(b!, f, "float32", [f.length]);
    const toInt = f.map((v) => Math.trunc(Math.fround(v)) | 0);
    expect(await readAll(b!, b!.kernels.cast([xf], { dtype: "int32" }, { shape: [f.length], dtype: "int32" }), "int32", f.length)).toEqual(toInt);
    const toBool = f.map((v) => (v !== 0 ? 1 : 0));
    expect(await readAll(b!, b!.kernels.cast([xf], { dtype: "bool" }, { shape: [f.length], dtype: "bool" }), "bool", f.length)).toEqual(toBool);
    const xi = viewOf(b!, [5, 0, -3], "int32", [3]);
    expect(await readAll(b!, b!.kernels.cast([xi], { dtype: "float32" }, { shape: [3], dtype: "float32" }), "float32", 3)).toEqual([5, 0, -3]);
    expect(await readAll(b!, b!.kernels.cast([xi], { dtype: "bool" }, { shape: [3], dtype: "bool" }), "bool", 3)).toEqual([1, 0, 1]);
    const xb = viewOf(b!, [1, 0, 1], "bool", [3]);
    expect(await readAll(b!, b!.kernels.cast([xb], { dtype: "float32" }, { shape: [3], dtype: "float32" }), "float32", 3)).toEqual([1, 0, 1]);
    expect(await readAll(b!, b!.kernels.cast([xb], { dtype: "int32" }, { shape: [3], dtype: "int32" }), "int32", 3)).toEqual([1, 0, 1]);
  });

  it("fill for every dtype, including NaN and empty outputs", async () => {
    expect(await readAll(b!, b!.kernels.fill([], { value: 2.5, shape: [2, 3], dtype: "float32" }, { shape: [2, 3], dtype: "float32" }), "float32", 6)).toEqual([2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
    expect(await readAll(b!, b!.kernels.fill([], { value: -7.9, shape: [3], dtype: "int32" }, { shape: [3], dtype: "int32" }), "int32", 3)).toEqual([-7, -7, -7]);
    expect(await readAll(b!, b!.kernels.fill([], { value: 3, shape: [2], dtype: "bool" }, { shape: [2], dtype: "bool" }), "bool", 2)).toEqual([1, 1]);
    expect(await readAll(b!, b!.kernels.fill([], { value: NaN, shape: [1], dtype: "float32" }, { shape: [1], dtype: "float32" }), "float32", 1)).toEqual([NaN]);
    expect(await readAll(b!, b!.kernels.fill([], { value: -Infinity, shape: [], dtype: "float32" }, { shape: [], dtype: "float32" }), "float32", 1)).toEqual([-Infinity]);
    expect(await readAll(b!, b!.kernels.fill([], { value: 1, shape: [0, 3], dtype: "float32" }, { shape: [0, 3], dtype: "float32" }), "float32", 0)).toEqual([]);
  });

  it("where broadcasts condition and branches", async () => {
    const cond = viewOf(b!, [1, 0, 1], "bool", [3]);
    const a = viewOf(b!, [10, 20], "float32", { shape: [2, 1], strides: [1, 0], offset: 0 });
    const c = viewOf(b!, [-1], "float32", { shape: [], strides: [], offset: 0 });
    const s = b!.kernels.where([cond, a, c], {}, { shape: [2, 3], dtype: "float32" });
    expect(await readAll(b!, s, "float32", 6)).toEqual([10, -1, 10, 20, -1, 20]);
  });

  it("clamp with both, one or no bound, float32 and int32", async () => {
    const x = viewOf(b!, [-5, -0.5, 0.5, 5, NaN], "float32", [5]);
    const o = { shape: [5], dtype: "float32" } as const;
    expectClose(await readAll(b!, b!.kernels.clamp([x], { min: -1, max: 1 }, o), "float32", 5), [-1, -0.5, 0.5, 1, NaN]);
    expectClose(await readAll(b!, b!.kernels.clamp([x], { min: 0, max: null }, o), "float32", 5), [0, 0, 0.5, 5, NaN]);
    expectClose(await readAll(b!, b!.kernels.clamp([x], { min: null, max: 0 }, o), "float32", 5), [-5, -0.5, 0, 0, NaN]);
    expectClose(await readAll(b!, b!.kernels.clamp([x], { min: null, max: null }, o), "float32", 5), [-5, -0.5, 0.5, 5, NaN]);
    const xi = viewOf(b!, [-5, 0, 2, 9], "int32", [4]);
    expect(await readAll(b!, b!.kernels.clamp([xi], { min: -1.5, max: 3.5 }, { shape: [4], dtype: "int32" }), "int32", 4)).toEqual([-1, 0, 2, 3]);
  });
});
