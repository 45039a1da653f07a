/**
 * Device suite, part 2: reductions, forward, against float64 references on every available device, over any
 * subset of axes (negative too), keepdim, size-1 dims and non-contiguous layouts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as reduce from "../src/ops/reduce.js";
import { argmax, argmin, dispose, logsumexp, max, mean, min, norm, prod, std, sum, tensor, variance, type Device, type DType, type Tensor } from "../src/index.js";
import { bools, checkOp, expectTensor, floats, genInput, ints, LAYOUTS, opCoverage, prop, Rand, runsFor, seedArb, shapeArb, storeAs, testDevices, tolFor, type ValueGen } from "./helpers.js";
import { argRef, logsumexpOf, maxOf, meanOf, minOf, Nd, normOf, prodOf, reduceRef, sumOf, varOf } from "./reference.js";

const devices = await testDevices();
const coverage = opCoverage([reduce]);

type Axes = number | number[] | undefined;

/** Random axes for a rank: all (undefined), one (maybe negative), or a subset in random order. */
function randomAxes(rank: number, r: Rand): Axes {
  const k = r.int(0, 3);
  if (k === 0 || rank === 0) return undefined;
  if (k === 1) {
    const a = r.int(0, rank - 1);
    return r.bool() ? a - rank : a;
  }
  return r.shuffle(r.subset([...Array(rank).keys()], 0.6)).map((a) => (r.bool(0.3) ? a - rank : a));
}

const caseArb = fc.record({ shape: shapeArb(0, 4), seed: seedArb, layout: fc.constantFrom(...LAYOUTS), keepdim: fc.boolean() });

interface ReduceCase {
  name: string;
  fn: (x: Tensor, axes: Axes, keepdim: boolean) => Tensor;
  ref: (v: number[]) => number;
  dtypes: DType[];
  outDType: (d: DType) => DType;
  gen: (d: DType) => ValueGen;
  tol: "exact" | "accum";
}

const anyGen = (d: DType): ValueGen => (d === "bool" ? bools : d === "int32" ? ints() : floats());
const keepIntSum = (d: DType): DType => (d === "bool" ? "int32" : d);
const toFloat = (d: DType): DType => (d === "float32" ? d : "float32");

const CASES: ReduceCase[] = [
  { name: "sum", fn: (x, a, k) => sum(x, a, { keepdim: k }), ref: sumOf, dtypes: ["float32", "int32", "bool"], outDType: keepIntSum, gen: anyGen, tol: "accum" },
  {
    name: "prod",
    fn: (x, a, k) => prod(x, a, { keepdim: k }),
    ref: prodOf,
    dtypes: ["float32", "int32", "bool"],
    outDType: keepIntSum,
    gen: (d) => (d === "bool" ? bools : d === "int32" ? ints(-2, 2) : (r) => Math.fround((r.bool() ? 1 : -1) * r.uniform(0.6, 1.5))),
    tol: "accum",
  },
  { name: "max", fn: (x, a, k) => max(x, a, { keepdim: k }), ref: maxOf, dtypes: ["float32", "int32", "bool"], outDType: (d) => d, gen: anyGen, tol: "exact" },
  { name: "min", fn: (x, a, k) => min(x, a, { keepdim: k }), ref: minOf, dtypes: ["float32", "int32", "bool"], outDType: (d) => d, gen: anyGen, tol: "exact" },
  { name: "mean", fn: (x, a, k) => mean(x, a, { keepdim: k }), ref: meanOf, dtypes: ["float32", "int32", "bool"], outDType: toFloat, gen: anyGen, tol: "accum" },
  { name: "logsumexp", fn: (x, a, k) => logsumexp(x, a, { keepdim: k }), ref: logsumexpOf, dtypes: ["float32", "int32"], outDType: toFloat, gen: (d) => (d === "int32" ? ints() : floats(-20, 20)), tol: "accum" },
];

for (const c of CASES) coverage.cover(c.name);
coverage.cover("variance", "std", "norm", "argmax", "argmin");

describe.each(devices)("reductions on %s", (device: Device) => {
  const runs = (n: number) => runsFor(device, n);

  for (const c of CASES) {
    it(`${c.name} over random axes with keepdim, any dtype and layout`, async () => {
      await prop(
        caseArb,
        async ({ shape, seed, layout, keepdim }) => {
          const r = new Rand(seed);
          const dt = r.pick(c.dtypes);
          const x = genInput(shape, r, c.gen(dt), layout);
          const axes = randomAxes(shape.length, r);
          const outDt = c.outDType(dt);
          const want = storeAs(reduceRef(x.ref, axes, keepdim, c.ref), outDt);
          const tol = outDt === "float32" ? tolFor(device, c.tol) : tolFor(device, "exact");
          await checkOp(device, [{ input: x, dtype: dt }], (t) => c.fn(t, axes, keepdim), want, outDt, tol, `${c.name}(${dt} [${shape}] ${layout}, axes ${JSON.stringify(axes)}, keepdim ${keepdim})`);
        },
        runs(30),
      );
    });
  }

  it("variance and std with correction 0, 1, 2", async () => {
    await prop(
      caseArb,
      async ({ shape, seed, layout, keepdim }) => {
        const r = new Rand(seed);
        const dt = r.pick<DType>(["float32", "float32", "int32"]);
        const x = genInput(shape, r, dt === "int32" ? ints() : floats(), layout);
        const axes = randomAxes(shape.length, r);
        const correction = r.pick([0, 1, 2]);
        const v = reduceRef(x.ref, axes, keepdim, (vals) => varOf(vals, correction));
        const what = `[${shape}] ${layout} axes ${JSON.stringify(axes)} correction ${correction}`;
        // where the count does not exceed the correction the result is inf or nan: compare those exactly
        const tol = tolFor(device, "composite");
        await checkOp(device, [{ input: x, dtype: dt }], (t) => variance(t, axes, { keepdim, correction }), storeAs(v, "float32"), "float32", tol, `variance ${what}`);
        await checkOp(device, [{ input: x, dtype: dt }], (t) => std(t, axes, { keepdim, correction }), storeAs(reduceRef(x.ref, axes, keepdim, (vals) => Math.sqrt(varOf(vals, correction))), "float32"), "float32", tol, `std ${what}`);
      },
      runs(30),
    );
  });

  it("norm with p = 1, 2, 3 and Infinity", async () => {
    await prop(
      caseArb,
      async ({ shape, seed, layout, keepdim }) => {
        const r = new Rand(seed);
        const dt = r.pick<DType>(["float32", "float32", "int32"]);
        const x = genInput(shape, r, dt === "int32" ? ints() : floats(), layout);
        const axes = randomAxes(shape.length, r);
        const p = r.pick([1, 2, 3, Infinity]);
        const want = storeAs(reduceRef(x.ref, axes, keepdim, (vals) => normOf(vals, p)), "float32");
        await checkOp(device, [{ input: x, dtype: dt }], (t) => norm(t, p, axes, { keepdim }), want, "float32", tolFor(device, "composite"), `norm p=${p} [${shape}] axes ${JSON.stringify(axes)}`);
      },
      runs(30),
    );
  });

  it("argmax and argmin give the first extreme along an axis or over all elements", async () => {
    await prop(
      caseArb,
      async ({ shape, seed, layout, keepdim }) => {
        const r = new Rand(seed);
        const dt = r.pick<DType>(["float32", "int32", "bool"]);
        // few distinct values so that ties (first index wins) are common
        const x = genInput(shape, r, dt === "bool" ? bools : dt === "int32" ? ints(-2, 2) : (rr) => rr.int(-3, 3) / 2, layout);
        const axis = shape.length === 0 || r.bool(0.3) ? undefined : r.int(-shape.length, shape.length - 1);
        for (const kind of ["max", "min"] as const) {
          const want = argRef(x.ref, kind, axis, keepdim);
          const fn = kind === "max" ? argmax : argmin;
          await checkOp(device, [{ input: x, dtype: dt }], (t) => fn(t, axis, { keepdim }), want, "int32", tolFor(device, "exact"), `arg${kind} ${dt} [${shape}] axis ${axis} keepdim ${keepdim}`);
        }
      },
      runs(30),
    );
  });

  it("NaN propagates through max/min and is the extreme for argmax/argmin", async () => {
    const x = tensor([[1, NaN, 3], [4, 5, 6]], { device });
    await expectTensor(max(x, 1), new Nd([2], [NaN, 6]), "float32", tolFor(device, "exact"), "max");
    await expectTensor(min(x, 1), new Nd([2], [NaN, 4]), "float32", tolFor(device, "exact"), "min");
    await expectTensor(argmax(x, 1), new Nd([2], [1, 2]), "int32", tolFor(device, "exact"), "argmax");
    await expectTensor(argmin(x, 1), new Nd([2], [1, 0]), "int32", tolFor(device, "exact"), "argmin");
    x.dispose();
  });

  it("reductions of a 0-d tensor over axis 0 or -1 return it unchanged (as torch)", async () => {
    const s = tensor(3, { device });
    for (const [name, f] of [
      ["sum", (t: Tensor) => sum(t, 0)],
      ["mean", (t: Tensor) => mean(t, -1)],
      ["max", (t: Tensor) => max(t, 0)],
      ["prod", (t: Tensor) => prod(t, [0])],
      ["logsumexp", (t: Tensor) => logsumexp(t, 0)],
    ] as const) {
      const out = f(s);
      await expectTensor(out, new Nd([], [3]), "float32", tolFor(device, "accum"), name);
      out.dispose();
    }
    s.dispose();
  });

  it("sums over empty dims give 0, logsumexp of -inf rows gives -inf, max of an empty dim is an error", async () => {
    const z = tensor(new Float32Array(0), { shape: [2, 0], device });
    await expectTensor(sum(z, 1), new Nd([2], [0, 0]), "float32", tolFor(device, "exact"), "sum over an empty dim");
    expect(() => max(z, 1)).toThrow(/max: cannot reduce over an empty dimension/);
    const inf = tensor([[-Infinity, -Infinity], [0, -Infinity]], { device });
    await expectTensor(logsumexp(inf, 1), new Nd([2], [-Infinity, 0]), "float32", tolFor(device, "accum"), "logsumexp with -inf");
    dispose([z, inf]);
  });
});

describe("coverage", () => {
  it("every op function exported by ops/reduce.ts has a forward test", () => {
    expect(coverage.missing()).toEqual([]);
    expect(coverage.unknown()).toEqual([]);
  });
});
