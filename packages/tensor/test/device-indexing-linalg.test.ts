/**
 * Device suite, part 4: indexing ops and linear algebra, forward, against float64 references on every available
 * device, with non-contiguous operands (transposed matmul operands read in place).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as indexing from "../src/ops/indexing.js";
import * as linalg from "../src/ops/matmul.js";
import { embedding, gather, indexSelect, linear, maskedFill, matmul, oneHot, scatterAdd, take, tidy, type Device, type DType } from "../src/index.js";
import { bools, broadcastableTo, checkOp, floats, genInput, ints, LAYOUTS, opCoverage, prop, Rand, runsFor, seedArb, shapeArb, storeAs, testDevices, tolFor, type ValueGen } from "./helpers.js";
import { broadcastShape, gatherRef, indexSelectRef, matmulRef, Nd, oneHotRef, permuteRef, scatterAddRef, takeRef, zip } from "./reference.js";

const devices = await testDevices();
const coverage = opCoverage([indexing, linalg]);

const layoutArb = fc.constantFrom(...LAYOUTS);
const genFor = (d: DType): ValueGen => (d === "bool" ? bools : d === "int32" ? ints(-50, 50) : floats());
const exact = (device: Device) => tolFor(device, "exact");

coverage.cover("gather", "scatterAdd", "indexSelect", "take", "embedding", "oneHot", "maskedFill", "matmul", "linear");

describe.each(devices)("indexing and linear algebra on %s", (device: Device) => {
  const runs = (n: number) => runsFor(device, n);

  it("gather along any axis, index smaller than the input in the other dims", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 4), seed: seedArb, lx: layoutArb, li: layoutArb }),
      async ({ shape, seed, lx, li }) => {
        const r = new Rand(seed);
        const dtype = r.pick<DType>(["float32", "int32", "bool"]);
        const axis = r.int(0, shape.length - 1);
        const ishape = shape.map((d, i) => (i === axis ? r.int(1, 4) : r.int(1, d)));
        const x = genInput(shape, r, genFor(dtype), lx);
        const index = genInput(ishape, r, (rr) => rr.int(0, shape[axis]! - 1), li);
        const axArg = r.bool() ? axis - shape.length : axis;
        await checkOp(device, [{ input: x, dtype }, { input: index, dtype: "int32" }], (t, i) => gather(t, axArg, i), gatherRef(x.ref, axis, index.ref), dtype, exact(device), `gather [${shape}] axis ${axArg} index [${ishape}]`);
      },
      runs(30),
    );
  });

  it("scatterAdd accumulates duplicate indices into a copy of the base", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 4), seed: seedArb, lb: layoutArb, li: layoutArb, ls: layoutArb }),
      async ({ shape, seed, lb, li, ls }) => {
        const r = new Rand(seed);
        const dtype = r.pick<DType>(["float32", "int32"]);
        const axis = r.int(0, shape.length - 1);
        const ishape = shape.map((d, i) => (i === axis ? r.int(1, 5) : r.int(1, d)));
        const base = genInput(shape, r, genFor(dtype), lb);
        const index = genInput(ishape, r, (rr) => rr.int(0, shape[axis]! - 1), li);
        const src = genInput(ishape, r, genFor(dtype), ls === "expanded" ? "contiguous" : ls);
        const want = storeAs(scatterAddRef(base.ref, axis, index.ref, src.ref), dtype);
        await checkOp(
          device,
          [{ input: base, dtype }, { input: index, dtype: "int32" }, { input: src, dtype }],
          (b, i, s) => scatterAdd(b, axis, i, s),
          want,
          dtype,
          dtype === "float32" ? tolFor(device, "accum") : exact(device),
          `scatterAdd [${shape}] axis ${axis} index [${ishape}]`,
        );
      },
      runs(30),
    );
  });

  it("indexSelect, take and embedding pick entries (repeats allowed) along an axis", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 4), seed: seedArb, layout: layoutArb }),
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const dtype = r.pick<DType>(["float32", "int32", "bool"]);
        const axis = r.int(0, shape.length - 1);
        const x = genInput(shape, r, genFor(dtype), layout);
        const idx = Array.from({ length: r.int(0, 5) }, () => r.int(0, shape[axis]! - 1));
        const idxIn = genInput([idx.length], r, () => 0, "contiguous").withValues(new Nd([idx.length], idx));
        await checkOp(device, [{ input: x, dtype }, { input: idxIn, dtype: "int32" }], (t, i) => indexSelect(t, axis, i), indexSelectRef(x.ref, axis, idx), dtype, exact(device), `indexSelect [${shape}] axis ${axis} [${idx}]`);
        const tshape = Array.from({ length: r.int(0, 2) }, () => r.int(1, 3));
        const tIdx = genInput(tshape, r, (rr) => rr.int(0, shape[axis]! - 1), r.pick(LAYOUTS));
        await checkOp(device, [{ input: x, dtype }, { input: tIdx, dtype: "int32" }], (t, i) => take(t, i, axis - (r.bool() ? shape.length : 0)), takeRef(x.ref, tIdx.ref, axis), dtype, exact(device), `take [${shape}] axis ${axis} index [${tshape}]`);
        const [V, D] = [r.int(1, 5), r.int(1, 4)];
        const w = genInput([V, D], r, floats(), r.pick(LAYOUTS));
        const ids = genInput(tshape, r, (rr) => rr.int(0, V - 1), "contiguous");
        await checkOp(device, [{ input: w, dtype: "float32" }, { input: ids, dtype: "int32" }], (a, b) => embedding(a, b), takeRef(w.ref, ids.ref, 0), "float32", exact(device), `embedding [${V},${D}] ids [${tshape}]`);
      },
      runs(30),
    );
  });

  it("oneHot in int32, float32 and bool", async () => {
    await prop(
      fc.record({ shape: shapeArb(0, 3), seed: seedArb, layout: layoutArb }),
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const n = r.int(1, 5);
        const ids = genInput(shape, r, (rr) => rr.int(0, n - 1), layout);
        const dtype = r.pick<"int32" | "float32" | "bool">(["int32", "float32", "bool"]);
        await checkOp(device, [{ input: ids, dtype: "int32" }], (t) => oneHot(t, n, { dtype }), oneHotRef(ids.ref, n), dtype, exact(device), `oneHot [${shape}] ${n} ${dtype}`);
        await checkOp(device, [{ input: ids, dtype: "int32" }], (t) => oneHot(t, n), oneHotRef(ids.ref, n), "int32", exact(device), "oneHot default dtype");
      },
      runs(20),
    );
  });

  it("maskedFill with a broadcast mask", async () => {
    await prop(
      fc.record({ shape: shapeArb(0, 4), seed: seedArb, lx: layoutArb, lm: layoutArb }),
      async ({ shape, seed, lx, lm }) => {
        const r = new Rand(seed);
        const dtype = r.pick<DType>(["float32", "int32"]);
        const x = genInput(shape, r, genFor(dtype), lx);
        const m = genInput(broadcastableTo(shape, r), r, bools, lm);
        const value = dtype === "int32" ? -9 : -1e9;
        const want = zip(x.ref, m.ref, (v, mm) => (mm ? value : v));
        await checkOp(device, [{ input: x, dtype }, { input: m, dtype: "bool" }], (t, mm) => maskedFill(t, mm, value), storeAs(want, dtype), dtype, exact(device), `maskedFill [${shape}]`);
      },
      runs(20),
    );
  });

  it("matmul: 1-D operands, batched with broadcast batch dims, transposed and strided operands, int32", async () => {
    await prop(
      fc.record({ seed: seedArb, la: layoutArb, lb: layoutArb, ra: fc.integer({ min: 1, max: 4 }), rb: fc.integer({ min: 1, max: 4 }) }),
      async ({ seed, la, lb, ra, rb }) => {
        const r = new Rand(seed);
        const [m, k, n] = [r.int(1, 5), r.int(1, 6), r.int(1, 5)];
        const batch = Array.from({ length: Math.max(ra, rb) - 2 > 0 ? Math.max(ra, rb) - 2 : 0 }, () => r.int(1, 3));
        const bshape = (rank: number) => (rank <= 2 ? [] : broadcastableTo(batch.slice(batch.length - (rank - 2)), r, 0.4));
        const sa = ra === 1 ? [k] : [...bshape(ra), m, k];
        const sb = rb === 1 ? [k] : [...bshape(rb), k, n];
        const [da, db] = r.pick<[DType, DType]>([["float32", "float32"], ["float32", "float32"], ["int32", "int32"], ["int32", "float32"]]);
        const a = genInput(sa, r, da === "int32" ? ints(-4, 4) : floats(), la);
        const b = genInput(sb, r, db === "int32" ? ints(-4, 4) : floats(), lb);
        const outDt = da === "int32" && db === "int32" ? "int32" : "float32";
        const want = storeAs(matmulRef(a.ref, b.ref), outDt);
        await checkOp(device, [{ input: a, dtype: da }, { input: b, dtype: db }], (x, y) => matmul(x, y), want, outDt, outDt === "int32" ? exact(device) : tolFor(device, "accum"), `matmul ${da}[${sa}] ${la} @ ${db}[${sb}] ${lb}`);
      },
      runs(40),
    );
  });

  it("matmul of a transposed view reads it in place and matches a @ b^T", async () => {
    await prop(
      fc.record({ seed: seedArb, batch: shapeArb(0, 2, 3) }),
      async ({ seed, batch }) => {
        const r = new Rand(seed);
        const [m, k, n] = [r.int(1, 6), r.int(1, 6), r.int(1, 6)];
        const a = genInput([...batch, m, k], r, floats(), "contiguous");
        const bt = genInput([...batch, n, k], r, floats(), "contiguous");
        const perm = [...batch.keys(), batch.length + 1, batch.length];
        await checkOp(device, [{ input: a, dtype: "float32" }, { input: bt, dtype: "float32" }], (x, y) => tidy(() => matmul(x, linalgTranspose(y))), matmulRef(a.ref, permuteRef(bt.ref, perm)), "float32", tolFor(device, "accum"), "a @ b^T");
      },
      runs(20),
    );
  });

  it("linear: x @ W^T + b over leading dims, with and without bias", async () => {
    await prop(
      fc.record({ seed: seedArb, lead: shapeArb(0, 3, 3), lx: layoutArb, lw: layoutArb }),
      async ({ seed, lead, lx, lw }) => {
        const r = new Rand(seed);
        const [fin, fout] = [r.int(1, 6), r.int(1, 5)];
        const x = genInput([...lead, fin], r, floats(), lx);
        const w = genInput([fout, fin], r, floats(), lw);
        const b = genInput([fout], r, floats(), "contiguous");
        const y = matmulRef(x.ref, permuteRef(w.ref, [1, 0]));
        const withBias = zip(y, b.ref, (u, v) => u + v);
        await checkOp(device, [{ input: x, dtype: "float32" }, { input: w, dtype: "float32" }, { input: b, dtype: "float32" }], (t, ww, bb) => linear(t, ww, bb), withBias, "float32", tolFor(device, "accum"), `linear [${lead},${fin}] -> ${fout}`);
        await checkOp(device, [{ input: x, dtype: "float32" }, { input: w, dtype: "float32" }], (t, ww) => linear(t, ww), y, "float32", tolFor(device, "accum"), "linear without bias");
        expect(broadcastShape(y.shape, b.ref.shape)).toEqual([...lead, fout]);
      },
      runs(25),
    );
  });
});

function linalgTranspose(t: import("../src/index.js").Tensor) {
  return t.transpose(-2, -1);
}

describe("coverage", () => {
  it("every op function exported by ops/indexing.ts and ops/matmul.ts has a forward test", () => {
    expect(coverage.missing()).toEqual([]);
    expect(coverage.unknown()).toEqual([]);
  });
});
