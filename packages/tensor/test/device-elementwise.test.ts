/**
 * Device suite, part 1: creation and elementwise ops, forward, against float64 references (see reference.ts),
 * on every available device, over random shapes (size-1 and broadcast dims) and non-contiguous layouts.
 * Tolerances are stated in helpers.ts (`tolFor`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as creation from "../src/ops/creation.js";
import * as elementwise from "../src/ops/elementwise.js";
import {
  add,
  arange,
  cast,
  clamp,
  dispose,
  eye,
  fromHost,
  full,
  fullLike,
  gelu,
  linspace,
  ones,
  onesLike,
  scalar,
  tensor,
  where,
  zeros,
  zerosLike,
  type Device,
  type DType,
  type Tensor,
} from "../src/index.js";
import {
  bools,
  broadcastableTo,
  checkOp,
  expectTensor,
  floats,
  genInput,
  ints,
  LAYOUTS,
  opCoverage,
  promote,
  prop,
  Rand,
  runsFor,
  seedArb,
  shapeArb,
  storeAs,
  testDevices,
  tolFor,
  typed,
  type ValueGen,
} from "./helpers.js";
import { binaryRef, Nd, unaryRef, zip, zip3, map } from "./reference.js";

const devices = await testDevices();
const coverage = opCoverage([creation, elementwise]);

type TolKind = Parameters<typeof tolFor>[1];
const layoutArb = fc.constantFrom(...LAYOUTS);
const caseArb = fc.record({ shape: shapeArb(0, 4), seed: seedArb, layout: layoutArb });

// ---------------------------------------------------------------------------------------------------------
// Unary ops.

interface UnaryCase {
  name: string;
  fn: (x: Tensor) => Tensor;
  ref: (x: number) => number;
  /** "same": result keeps the dtype (bool refused); "float": ints become float32; "bool": bool result. */
  kind: "same" | "float" | "bool";
  floatGen: ValueGen;
  intGen: ValueGen;
  tol: TolKind;
}

const halves: ValueGen = (r) => (r.bool(0.4) ? r.int(-9, 9) / 2 : Math.fround(r.uniform(-4, 4)));
const withNaN: ValueGen = (r) => (r.bool(0.25) ? NaN : r.bool(0.2) ? 0 : Math.fround(r.uniform(-3, 3)));
const nonZeroInts: ValueGen = (r) => r.pick([-3, -2, -1, 1, 2, 3]);
const nonZeroFloats: ValueGen = (r) => Math.fround((r.bool() ? 1 : -1) * r.uniform(0.1, 3));

const U = (name: string, fn: (x: Tensor) => Tensor, kind: UnaryCase["kind"], floatGen: ValueGen, intGen: ValueGen, tol: TolKind, ref = unaryRef[name]!): UnaryCase => ({
  name,
  fn,
  ref,
  kind,
  floatGen,
  intGen,
  tol,
});

const e = elementwise;
const UNARY_CASES: UnaryCase[] = [
  U("neg", e.neg, "same", floats(), ints(), "exact"),
  U("abs", e.abs, "same", floats(), ints(), "exact"),
  U("sign", e.sign, "same", withNaN, ints(-2, 2), "exact"),
  U("square", e.square, "same", floats(), ints(), "basic"),
  U("relu", e.relu, "same", floats(), ints(), "exact"),
  U("exp", e.exp, "float", floats(-5, 5), ints(-5, 5), "transcendental"),
  U("expm1", e.expm1, "float", floats(-3, 3), ints(-3, 3), "transcendental"),
  U("log", e.log, "float", floats(0.01, 10), ints(1, 9), "transcendental"),
  U("log1p", e.log1p, "float", floats(-0.9, 5), ints(0, 9), "transcendental"),
  U("sqrt", e.sqrt, "float", floats(0, 10), ints(0, 9), "basic"),
  U("rsqrt", e.rsqrt, "float", floats(0.05, 10), ints(1, 9), "transcendental"),
  U("reciprocal", e.reciprocal, "float", nonZeroFloats, nonZeroInts, "basic"),
  U("sin", e.sin, "float", floats(-6, 6), ints(-6, 6), "transcendental"),
  U("cos", e.cos, "float", floats(-6, 6), ints(-6, 6), "transcendental"),
  U("tanh", e.tanh, "float", floats(-5, 5), ints(-4, 4), "transcendental"),
  U("sigmoid", e.sigmoid, "float", floats(-8, 8), ints(-6, 6), "transcendental"),
  U("erf", e.erf, "float", floats(-3.5, 3.5), ints(-3, 3), "transcendental"),
  U("gelu", (x) => gelu(x), "float", floats(-5, 5), ints(-4, 4), "transcendental"),
  U("gelu", (x) => gelu(x, { approximate: "tanh" }), "float", floats(-5, 5), ints(-4, 4), "transcendental", unaryRef.geluTanh),
  U("quickGelu", e.quickGelu, "float", floats(-6, 6), ints(-4, 4), "transcendental"),
  U("silu", e.silu, "float", floats(-6, 6), ints(-4, 4), "transcendental"),
  U("geluDerivative", e.geluDerivative, "float", floats(-5, 5), ints(-4, 4), "transcendental"),
  U("quickGeluDerivative", e.quickGeluDerivative, "float", floats(-6, 6), ints(-4, 4), "transcendental"),
  U("siluDerivative", e.siluDerivative, "float", floats(-6, 6), ints(-4, 4), "transcendental"),
  U("softplus", e.softplus, "float", floats(-25, 25), ints(-25, 25), "transcendental"),
  U("floor", e.floor, "same", halves, ints(), "exact"),
  U("ceil", e.ceil, "same", halves, ints(), "exact"),
  U("round", e.round, "same", halves, ints(), "exact"),
  U("logicalNot", e.logicalNot, "bool", (r) => (r.bool(0.4) ? 0 : Math.fround(r.uniform(-2, 2))), ints(-1, 1), "exact"),
  U("isnan", e.isnan, "bool", withNaN, ints(), "exact"),
];

// ---------------------------------------------------------------------------------------------------------
// Binary ops.

type BinaryKind = "arith" | "float" | "compare" | "logical";
interface BinaryCase {
  name: string;
  fn: (a: Tensor | number, b: Tensor | number) => Tensor;
  kind: BinaryKind;
  /** Values of the left and right operand for a dtype. */
  gen: (dtype: DType, side: 0 | 1) => ValueGen;
  tol: TolKind;
}

const generic = (dtype: DType): ValueGen => (dtype === "bool" ? bools : dtype === "int32" ? ints() : floats());
const discrete = (dtype: DType): ValueGen => (dtype === "bool" ? bools : dtype === "int32" ? ints(-2, 2) : (r) => r.int(-4, 4) / 2);
const B = (name: string, kind: BinaryKind, tol: TolKind, gen: BinaryCase["gen"] = generic): BinaryCase => ({
  name,
  fn: (elementwise as unknown as Record<string, BinaryCase["fn"]>)[name]!,
  kind,
  gen,
  tol,
});

const BINARY_CASES: BinaryCase[] = [
  B("add", "arith", "basic"),
  B("sub", "arith", "basic"),
  B("mul", "arith", "basic"),
  B("div", "float", "basic", (dt, side) => (side === 0 ? generic(dt) : dt === "int32" ? nonZeroInts : dt === "bool" ? bools : nonZeroFloats)),
  B("pow", "arith", "transcendental", (dt, side) =>
    dt === "bool" ? bools : dt === "int32" ? (side === 0 ? ints(-3, 3) : ints(0, 3)) : side === 0 ? floats(0.2, 2) : floats(-2, 2),
  ),
  B("maximum", "arith", "exact", discrete),
  B("minimum", "arith", "exact", discrete),
  B("atan2", "float", "transcendental"),
  B("eq", "compare", "exact", discrete),
  B("ne", "compare", "exact", discrete),
  B("lt", "compare", "exact", discrete),
  B("le", "compare", "exact", discrete),
  B("gt", "compare", "exact", discrete),
  B("ge", "compare", "exact", discrete),
  B("logicalAnd", "logical", "exact", (dt) => (dt === "bool" ? bools : (r) => r.pick([0, 0, 1, -2, 0.5]))),
  B("logicalOr", "logical", "exact", (dt) => (dt === "bool" ? bools : (r) => r.pick([0, 0, 1, -2, 0.5]))),
  B("logicalXor", "logical", "exact", (dt) => (dt === "bool" ? bools : (r) => r.pick([0, 0, 1, -2, 0.5]))),
];

/** The documented result dtype of a binary op on two tensor dtypes. */
function binaryDType(c: BinaryCase, a: DType, b: DType): DType {
  const p = promote(a, b);
  if (c.kind === "compare" || c.kind === "logical") return "bool";
  if (c.kind === "float") return p === "int32" || p === "bool" ? "float32" : p;
  if (p === "bool" && c.name !== "maximum" && c.name !== "minimum") return "int32";
  return p;
}

/** The dtype a plain number takes next to a tensor of `dtype` (as PyTorch's Python scalars). */
function scalarDType(v: number, dtype: DType): DType {
  if (dtype === "float32" || dtype === "float64") return dtype;
  if (!Number.isInteger(v)) return "float32";
  return dtype === "bool" && v !== 0 && v !== 1 ? "int32" : dtype;
}

const DTYPE_PAIRS: [DType, DType][] = [
  ["float32", "float32"],
  ["int32", "int32"],
  ["bool", "bool"],
  ["float32", "int32"],
  ["int32", "float32"],
  ["int32", "bool"],
  ["bool", "float32"],
];

for (const c of [...UNARY_CASES.map((u) => u.name), ...BINARY_CASES.map((b) => b.name)]) coverage.cover(c);

describe.each(devices)("creation and elementwise ops on %s", (device: Device) => {
  const runs = (n: number) => runsFor(device, n);

  // -------------------------------------------------------------------------------------------------------
  describe("creation", () => {
    coverage.cover("tensor", "fromHost", "full", "zeros", "ones", "zerosLike", "onesLike", "fullLike", "arange", "linspace", "eye", "scalar");

    it("tensor() from nested arrays, typed arrays and numbers, with dtype inference and conversion", async () => {
      await prop(
        fc.record({ shape: shapeArb(1, 3), seed: seedArb }),
        async ({ shape, seed }) => {
          const r = new Rand(seed);
          const vals = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.int(-4, 4) / 2);
          const nest = <T,>(flat: T[], s: number[]): unknown => (s.length === 0 ? flat[0] : Array.from({ length: s[0]! }, (_, i) => nest(flat.slice((i * flat.length) / s[0]!, ((i + 1) * flat.length) / s[0]!), s.slice(1))));
          const ref = new Nd(shape, vals);
          const t1 = tensor(nest(vals, shape) as number[], { device });
          await expectTensor(t1, storeAs(ref, "float32"), "float32", tolFor(device, "exact"), "nested numbers");
          const t2 = tensor(nest(vals, shape) as number[], { device, dtype: "int32" });
          await expectTensor(t2, storeAs(ref, "int32"), "int32", tolFor(device, "exact"), "nested -> int32 truncates");
          const t3 = tensor(nest(vals.map((v) => v > 0), shape) as boolean[], { device });
          await expectTensor(t3, map(ref, (v) => +(v > 0)), "bool", tolFor(device, "exact"), "nested booleans");
          const t4 = tensor(Int32Array.from(vals.map(Math.trunc)), { shape, device });
          await expectTensor(t4, storeAs(ref, "int32"), "int32", tolFor(device, "exact"), "Int32Array");
          const t5 = tensor(Float32Array.from(vals), { shape, device, dtype: "bool" });
          await expectTensor(t5, storeAs(ref, "bool"), "bool", tolFor(device, "exact"), "Float32Array -> bool");
          const t6 = fromHost(Float64Array.from(vals), "float32", shape, device);
          await expectTensor(t6, storeAs(ref, "float32"), "float32", tolFor(device, "exact"), "fromHost");
          dispose([t1, t2, t3, t4, t5, t6]);
        },
        runs(15),
      );
      const s = tensor(2.5, { device });
      expect(s.shape).toEqual([]);
      expect(await s.item()).toBe(2.5);
      const empty = tensor([], { device });
      expect(empty.shape).toEqual([0]);
      expect(await empty.data()).toHaveLength(0);
      dispose([s, empty]);
    });

    it("full, zeros, ones, the *Like variants and scalar keep shape, dtype and device", async () => {
      for (const dtype of ["float32", "int32", "bool"] as const) {
        for (const shape of [[], [1], [2, 3], [3, 1, 2]]) {
          const f = full(shape, 3.75, { dtype, device });
          const want = storeAs(Nd.fromFn(shape, () => 3.75), dtype);
          await expectTensor(f, want, dtype, tolFor(device, "exact"), `full ${dtype}`);
          await expectTensor(zeros(shape, { dtype, device }), Nd.fromFn(shape, () => 0), dtype, tolFor(device, "exact"), "zeros");
          await expectTensor(ones(shape, { dtype, device }), Nd.fromFn(shape, () => 1), dtype, tolFor(device, "exact"), "ones");
          await expectTensor(zerosLike(f), Nd.fromFn(shape, () => 0), dtype, tolFor(device, "exact"), "zerosLike");
          await expectTensor(onesLike(f), Nd.fromFn(shape, () => 1), dtype, tolFor(device, "exact"), "onesLike");
          await expectTensor(fullLike(f, -2), storeAs(Nd.fromFn(shape, () => -2), dtype), dtype, tolFor(device, "exact"), "fullLike");
          await expectTensor(onesLike(f, { dtype: "float32" }), Nd.fromFn(shape, () => 1), "float32", tolFor(device, "exact"), "onesLike dtype");
          expect(zerosLike(f).device).toBe(device);
        }
      }
      await expectTensor(scalar(7, "int32", device), new Nd([], [7]), "int32", tolFor(device, "exact"), "scalar");
      expect(zeros([2]).dtype).toBe("float32");
    });

    it("arange matches start + i * step with torch's length and dtype rule", async () => {
      await prop(
        fc.record({ start: fc.integer({ min: -6, max: 6 }), len: fc.integer({ min: -2, max: 8 }), step: fc.constantFrom(1, 2, 3, -1, -2, 0.5, -0.25, 0.3), frac: fc.boolean() }),
        async ({ start, len, step, frac }) => {
          const s = frac ? start + 0.5 : start;
          const end = s + len * step + (len > 0 ? step / 3 : 0);
          const n = Math.max(0, Math.ceil((end - s) / step));
          const isInt = [s, end, step].every(Number.isInteger);
          const t = arange(s, end, step, { device });
          const want = new Nd([n], Array.from({ length: n }, (_, i) => s + i * step));
          await expectTensor(t, storeAs(want, isInt ? "int32" : "float32"), isInt ? "int32" : "float32", tolFor(device, "basic"), `arange(${s}, ${end}, ${step})`);
          t.dispose();
        },
        runs(30),
      );
      const a = arange(5, undefined, 1, { device });
      await expectTensor(a, new Nd([5], [0, 1, 2, 3, 4]), "int32", tolFor(device, "exact"), "arange(5)");
      const b = arange(0, 3, 1, { device, dtype: "float32" });
      await expectTensor(b, new Nd([3], [0, 1, 2]), "float32", tolFor(device, "exact"), "arange float32");
      dispose([a, b]);
    });

    it("linspace hits both ends exactly and spaces evenly", async () => {
      await prop(
        fc.record({ a: fc.integer({ min: -10, max: 10 }), b: fc.integer({ min: -10, max: 10 }), steps: fc.integer({ min: 0, max: 9 }) }),
        async ({ a, b, steps }) => {
          const start = a / 3;
          const end = b / 7;
          const t = linspace(start, end, steps, { device });
          const want = new Nd([steps], Array.from({ length: steps }, (_, i) => (steps === 1 ? start : start + ((end - start) * i) / (steps - 1))));
          // torch.linspace(start, end, 1) is [start]
          await expectTensor(t, want, "float32", tolFor(device, "accum"), "linspace");
          const d = await t.data();
          if (steps >= 1) expect(d[0]).toBe(Math.fround(start));
          if (steps >= 2) expect(d[steps - 1]).toBe(Math.fround(end));
          t.dispose();
        },
        runs(25),
      );
    });

    it("eye gives the identity, square and rectangular", async () => {
      for (const [n, m] of [[1, 1], [3, 3], [2, 4], [4, 2], [0, 3]] as const) {
        for (const dtype of ["float32", "int32", "bool"] as const) {
          const t = eye(n, m, { dtype, device });
          await expectTensor(t, Nd.fromFn([n, m], ([i, j]) => +(i === j)), dtype, tolFor(device, "exact"), `eye(${n},${m})`);
          t.dispose();
        }
      }
    });
  });

  // -------------------------------------------------------------------------------------------------------
  describe("unary ops", () => {
    for (const c of UNARY_CASES) {
      const title = c.ref === unaryRef.geluTanh ? "gelu (tanh form)" : c.name;
      it(`${title} on float32, int32${c.kind === "same" ? "" : " and bool"}, any layout`, async () => {
        await prop(
          caseArb,
          async ({ shape, seed, layout }) => {
            const r = new Rand(seed);
            const dtypes: DType[] = c.kind === "same" ? ["float32", "int32"] : ["float32", "int32", "bool"];
            const inDt = r.pick(dtypes);
            const gen = inDt === "bool" ? bools : inDt === "int32" ? c.intGen : c.floatGen;
            const input = genInput(shape, r, gen, layout);
            const outDt: DType = c.kind === "bool" ? "bool" : c.kind === "same" ? inDt : inDt === "int32" || inDt === "bool" ? "float32" : inDt;
            const want = storeAs(map(input.ref, c.ref), outDt);
            const tol = outDt === "float32" ? tolFor(device, c.tol) : tolFor(device, "exact");
            await checkOp(device, [{ input, dtype: inDt }], c.fn, want, outDt, tol, `${title}(${inDt} ${layout} [${shape}])`);
          },
          runs(20),
        );
      });
    }
  });

  // -------------------------------------------------------------------------------------------------------
  describe("binary ops", () => {
    for (const c of BINARY_CASES) {
      it(`${c.name}: broadcasting tensors of mixed dtypes and layouts`, async () => {
        await prop(
          fc.record({ shape: shapeArb(0, 4), seed: seedArb, la: layoutArb, lb: layoutArb }),
          async ({ shape, seed, la, lb }) => {
            const r = new Rand(seed);
            const [da, db] = r.pick(DTYPE_PAIRS);
            const sa = broadcastableTo(shape, r);
            const sb = broadcastableTo(shape, r);
            const a = genInput(sa, r, typed(c.gen(da, 0), da), la);
            const b = genInput(sb, r, typed(c.gen(db, 1), db), lb);
            const outDt = binaryDType(c, da, db);
            const want = storeAs(zip(a.ref, b.ref, binaryRef[c.name]!), outDt);
            const tol = outDt === "float32" ? tolFor(device, c.tol) : tolFor(device, "exact");
            await checkOp(device, [{ input: a, dtype: da }, { input: b, dtype: db }], (x, y) => c.fn(x, y), want, outDt, tol, `${c.name}(${da} [${sa}] ${la}, ${db} [${sb}] ${lb})`);
          },
          runs(25),
        );
      });

      it(`${c.name}: with a plain number on either side`, async () => {
        await prop(
          fc.record({ shape: shapeArb(0, 3), seed: seedArb, layout: layoutArb, left: fc.boolean() }),
          async ({ shape, seed, layout, left }) => {
            const r = new Rand(seed);
            const dt = r.pick<DType>(["float32", "int32", "bool"]);
            const x = genInput(shape, r, typed(c.gen(dt, left ? 1 : 0), dt), layout);
            // a number: an integer, a fraction, or 0/1 (which keeps bool operands bool)
            let v = r.pick([0, 1, 2, -3, 0.5, 1.25]);
            if (c.name === "div" && !left && v === 0) v = 2;
            if (c.name === "pow" && !left && dt !== "float32") v = r.pick([0, 1, 2]);
            if (c.name === "pow" && left && dt !== "float32") v = r.pick([1, 2]);
            const vdt = scalarDType(v, dt);
            const vstored = storeAs(new Nd([], [v]), vdt);
            const outDt = binaryDType(c, dt, vdt);
            const f = binaryRef[c.name]!;
            const want = storeAs(map(x.ref, (t) => (left ? f(vstored.data[0]!, t) : f(t, vstored.data[0]!))), outDt);
            const tol = outDt === "float32" ? tolFor(device, c.tol) : tolFor(device, "exact");
            await checkOp(device, [{ input: x, dtype: dt }], (t) => (left ? c.fn(v, t) : c.fn(t, v)), want, outDt, tol, `${c.name} ${left ? `${v} op x` : `x op ${v}`} (${dt} [${shape}])`);
          },
          runs(20),
        );
      });
    }

    it("maximum and minimum propagate NaN from either side", async () => {
      const a = tensor([NaN, 1, NaN, 2], { device });
      const b = tensor([1, NaN, NaN, 3], { device });
      await expectTensor(elementwise.maximum(a, b), new Nd([4], [NaN, NaN, NaN, 3]), "float32", tolFor(device, "exact"), "maximum");
      await expectTensor(elementwise.minimum(a, b), new Nd([4], [NaN, NaN, NaN, 2]), "float32", tolFor(device, "exact"), "minimum");
      dispose([a, b]);
    });

    it("int32 arithmetic wraps around like int32 hardware", async () => {
      const a = tensor([2147483647, 65536, -2147483648], { dtype: "int32", device });
      await expectTensor(add(a, 1), new Nd([3], [-2147483648, 65537, -2147483647]), "int32", tolFor(device, "exact"), "add wraps");
      await expectTensor(elementwise.mul(a, 65536), new Nd([3], [-65536, 0, 0]), "int32", tolFor(device, "exact"), "mul wraps");
      a.dispose();
    });
  });

  // -------------------------------------------------------------------------------------------------------
  describe("cast, where, clamp", () => {
    it("cast between every pair of dtypes (float -> int truncates toward zero, nonzero -> true)", async () => {
      const targets: DType[] = device === "cpu" ? ["float32", "int32", "bool", "float64"] : ["float32", "int32", "bool"];
      await prop(
        caseArb,
        async ({ shape, seed, layout }) => {
          const r = new Rand(seed);
          const from = r.pick<DType>(["float32", "int32", "bool"]);
          const to = r.pick(targets);
          const gen: ValueGen = from === "bool" ? bools : from === "int32" ? ints(-100, 100) : (rr) => (rr.bool(0.2) ? 0 : Math.fround(rr.uniform(-5, 5)));
          const x = genInput(shape, r, gen, layout);
          const want = storeAs(x.ref, to);
          await checkOp(device, [{ input: x, dtype: from }], (t) => cast(t, to), want, to, tolFor(device, "exact"), `cast ${from} -> ${to}`);
        },
        runs(30),
      );
      const n = tensor([NaN, -0.0, 2.9, -2.9], { device });
      await expectTensor(cast(n, "bool"), new Nd([4], [1, 0, 1, 1]), "bool", tolFor(device, "exact"), "NaN is true, -0 is false");
      await expectTensor(cast(n, "int32").slice([[1, 4]]), new Nd([3], [0, 2, -2]), "int32", tolFor(device, "exact"), "truncation");
      const same = tensor([1, 2], { device });
      expect(cast(same, "float32")).toBe(same);
      dispose([n, same]);
    });

    it("where broadcasts condition and branches, promotes branch dtypes, and accepts numbers", async () => {
      await prop(
        fc.record({ shape: shapeArb(0, 4), seed: seedArb, lc: layoutArb, la: layoutArb, lb: layoutArb }),
        async ({ shape, seed, lc, la, lb }) => {
          const r = new Rand(seed);
          const cdt = r.pick<DType>(["bool", "bool", "int32", "float32"]);
          const [da, db] = r.pick(DTYPE_PAIRS);
          const c = genInput(broadcastableTo(shape, r), r, cdt === "bool" ? bools : (rr) => rr.pick([0, 0, 1, 2]), lc);
          const a = genInput(broadcastableTo(shape, r), r, generic(da), la);
          const b = genInput(broadcastableTo(shape, r), r, generic(db), lb);
          const outDt = promote(da, db);
          const want = storeAs(zip3(c.ref, a.ref, b.ref, (cc, x, y) => (cc !== 0 ? x : y)), outDt);
          await checkOp(device, [{ input: c, dtype: cdt }, { input: a, dtype: da }, { input: b, dtype: db }], (cc, x, y) => where(cc, x, y), want, outDt, tolFor(device, "exact"), `where(${cdt}, ${da}, ${db})`);
          // numbers on either side
          const want2 = storeAs(zip(c.ref, a.ref, (cc, x) => (cc !== 0 ? x : -1.5)), "float32");
          await checkOp(device, [{ input: c, dtype: cdt }, { input: a, dtype: da }], (cc, x) => where(cc, x, -1.5), want2, "float32", tolFor(device, "exact"), "where(c, x, -1.5)");
          const outDt3 = da === "bool" ? "int32" : da;
          const want3 = storeAs(zip(c.ref, a.ref, (cc, x) => (cc !== 0 ? 2 : x)), outDt3);
          await checkOp(device, [{ input: c, dtype: cdt }, { input: a, dtype: da }], (cc, x) => where(cc, 2, x), want3, outDt3, tolFor(device, "exact"), "where(c, 2, x)");
          await checkOp(device, [{ input: c, dtype: cdt }], (cc) => where(cc, 1, 0.25), map(c.ref, (cc) => (cc !== 0 ? 1 : 0.25)), "float32", tolFor(device, "exact"), "where(c, 1, 0.25)");
        },
        runs(20),
      );
    });

    it("clamp with min, max, both, and min > max (gives max), for floats and ints", async () => {
      await prop(
        fc.record({ shape: shapeArb(0, 4), seed: seedArb, layout: layoutArb, which: fc.constantFrom("min", "max", "both", "crossed") }),
        async ({ shape, seed, layout, which }) => {
          const r = new Rand(seed);
          const dt = r.pick<DType>(["float32", "int32"]);
          const x = genInput(shape, r, dt === "int32" ? ints() : floats(-3, 3), layout);
          const lo = which === "max" ? null : dt === "int32" ? r.int(-3, 1) : Math.fround(r.uniform(-2, 0.5));
          const hi = which === "min" ? null : which === "crossed" ? (lo ?? 0) - 1 : dt === "int32" ? r.int(1, 4) : Math.fround(r.uniform(0.5, 2));
          const want = map(x.ref, (v) => Math.min(Math.max(v, lo ?? -Infinity), hi ?? Infinity));
          await checkOp(device, [{ input: x, dtype: dt }], (t) => clamp(t, lo, hi), storeAs(want, dt), dt, tolFor(device, "exact"), `clamp ${dt} [${lo}, ${hi}]`);
        },
        runs(25),
      );
      const xi = tensor([1, 2, 3], { dtype: "int32", device });
      await expectTensor(clamp(xi, 1.5), new Nd([3], [1.5, 2, 3]), "float32", tolFor(device, "exact"), "int clamped to a fractional bound gives float32");
      const xn = tensor([NaN, -5, 5], { device });
      await expectTensor(clamp(xn, -1, 1), new Nd([3], [NaN, -1, 1]), "float32", tolFor(device, "exact"), "NaN passes through clamp");
      dispose([xi, xn]);
    });
    coverage.cover("cast", "where", "clamp");
  });
});

describe("coverage", () => {
  it("every op function exported by ops/creation.ts and ops/elementwise.ts has a forward test", () => {
    expect(coverage.missing()).toEqual([]);
    expect(coverage.unknown()).toEqual([]);
  });
});
