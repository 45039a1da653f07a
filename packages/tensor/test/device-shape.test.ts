/**
 * Device suite, part 3: shape ops, forward, against references (they only move values, so results are exact),
 * on every available device, for float32, int32 and bool inputs in any layout. View ops are also checked to
 * share their input's storage (no copy).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as shapeOps from "../src/ops/shape.js";
import {
  broadcastTensors,
  broadcastTo,
  chunk,
  clone,
  concat,
  contiguous,
  dispose,
  expand,
  flatten,
  flip,
  narrow,
  pad,
  permute,
  repeat,
  reshape,
  slice,
  split,
  squeeze,
  stack,
  tensor,
  tile,
  transpose,
  unsqueeze,
  type Device,
  type DType,
  type SliceSpec,
  type Tensor,
} from "../src/index.js";
import { bools, checkOp, expectTensor, floats, genInput, ints, LAYOUTS, opCoverage, prop, Rand, runsFor, seedArb, shapeArb, testDevices, tolFor, type Input, type ValueGen } from "./helpers.js";
import { broadcastShape, concatRef, expandRef, flipRef, Nd, padRef, permuteRef, pySliceIndices, repeatRef, reshapeRef, sliceRef, stackRef, type RefSliceSpec } from "./reference.js";

const devices = await testDevices();
const coverage = opCoverage([shapeOps], ["viewStrides"]);

const layoutArb = fc.constantFrom(...LAYOUTS);
const caseArb = fc.record({ shape: shapeArb(0, 4), seed: seedArb, layout: layoutArb });
const DTYPES: DType[] = ["float32", "int32", "bool"];
const genFor = (d: DType): ValueGen => (d === "bool" ? bools : d === "int32" ? ints(-50, 50) : floats());
const exact = (device: Device) => tolFor(device, "exact");

function pickInput(shape: readonly number[], r: Rand, layout: (typeof LAYOUTS)[number]): { input: Input; dtype: DType } {
  const dtype = r.pick(DTYPES);
  return { input: genInput(shape, r, genFor(dtype), layout), dtype };
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 2; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** A random shape with `n` elements (size-1 dims sprinkled in; maybe one -1). */
function randomReshape(n: number, r: Rand): number[] {
  const dims: number[] = [];
  let rem = n;
  while (rem > 1) {
    const d = r.pick(divisors(rem));
    dims.push(d);
    rem /= d;
  }
  const ones = r.int(0, 2);
  for (let i = 0; i < ones; i++) dims.push(1);
  const out = r.shuffle(dims);
  if (out.length && r.bool(0.3)) out[r.int(0, out.length - 1)] = -1;
  return out;
}

/** True when `y` is a view over the storage of `x` (no copy was made). */
function sharesStorage(x: Tensor, y: Tensor): boolean {
  return x.storage === y.storage;
}

coverage.cover("reshape", "contiguous", "clone", "permute", "transpose", "flatten", "squeeze", "unsqueeze", "expand", "broadcastTo", "broadcastTensors");
coverage.cover("slice", "narrow", "flip", "pad", "concat", "stack", "split", "chunk", "repeat", "tile");

describe.each(devices)("shape ops on %s", (device: Device) => {
  const runs = (n: number) => runsFor(device, n);

  it("reshape to any shape of the same size (with -1); a view whenever the layout allows", async () => {
    await prop(
      caseArb,
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = pickInput(shape, r, layout);
        const target = randomReshape(x.input.ref.size, r);
        const resolved = target.includes(-1) ? target.map((d) => (d === -1 ? x.input.ref.size / target.filter((t) => t !== -1).reduce((a, b) => a * b, 1) : d)) : target;
        await checkOp(device, [x], (t) => reshape(t, target), reshapeRef(x.input.ref, resolved), x.dtype, exact(device), `reshape [${shape}] ${layout} -> [${target}]`);
        const t = x.input.make(x.dtype, device);
        const y = reshape(t, target);
        if (t.isContiguous) expect(sharesStorage(t, y), "reshape of a contiguous tensor is a view").toBe(true);
        dispose([t, y]);
      },
      runs(40),
    );
  });

  it("reshape views: merging transposed dims copies, splitting or merging contiguous runs does not", async () => {
    const x = tensor(Float32Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4], device });
    const t = transpose(x, 0, 2); // [4,3,2], strides [1,4,12]
    const merged = reshape(t, [12, 2]); // not expressible as a view
    expect(sharesStorage(x, merged)).toBe(false);
    const split2 = reshape(t, [2, 2, 3, 2]); // splitting a dim is always a view
    expect(sharesStorage(x, split2)).toBe(true);
    await expectTensor(split2, reshapeRef(permuteRef(new Nd([2, 3, 4], Array.from({ length: 24 }, (_, i) => i)), [2, 1, 0]), [2, 2, 3, 2]), "float32", exact(device), "split view");
    const sl = slice(x, [null, null, [0, 4, 2]]); // [2,3,2]: rows of 2 with stride 2
    const m = reshape(sl, [6, 2]); // merges dims 0 and 1, which stay contiguous with each other
    expect(sharesStorage(x, m)).toBe(true);
    dispose([x, t, merged, split2, sl, m]);
  });

  it("permute and transpose (negative dims too) are views", async () => {
    await prop(
      caseArb,
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = pickInput(shape, r, layout);
        const perm = r.shuffle([...shape.keys()]);
        const permArg = perm.map((p) => (r.bool(0.3) ? p - shape.length : p));
        await checkOp(device, [x], (t) => permute(t, permArg), permuteRef(x.input.ref, perm), x.dtype, exact(device), `permute [${shape}] by [${permArg}]`);
        if (shape.length >= 1) {
          const a = r.int(-shape.length, shape.length - 1);
          const b = r.int(-shape.length, shape.length - 1);
          const p2 = [...shape.keys()];
          const na = a < 0 ? a + shape.length : a;
          const nb = b < 0 ? b + shape.length : b;
          [p2[na], p2[nb]] = [p2[nb]!, p2[na]!];
          await checkOp(device, [x], (t) => transpose(t, a, b), permuteRef(x.input.ref, p2), x.dtype, exact(device), `transpose ${a} ${b}`);
          const t = x.input.make(x.dtype, device);
          const y = transpose(t, a, b);
          expect(sharesStorage(t, y)).toBe(true);
          dispose([t, y]);
        }
      },
      runs(30),
    );
  });

  it("flatten, squeeze and unsqueeze", async () => {
    await prop(
      caseArb,
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = pickInput(shape, r, layout);
        const rank = shape.length;
        if (rank === 0) {
          await checkOp(device, [x], (t) => flatten(t), reshapeRef(x.input.ref, [1]), x.dtype, exact(device), "flatten 0-d");
        } else {
          let s = r.int(0, rank - 1);
          let e = r.int(s, rank - 1);
          const want = [...shape.slice(0, s), shape.slice(s, e + 1).reduce((a, b) => a * b, 1), ...shape.slice(e + 1)];
          if (r.bool()) s -= rank;
          if (r.bool()) e -= rank;
          await checkOp(device, [x], (t) => flatten(t, s, e), reshapeRef(x.input.ref, want), x.dtype, exact(device), `flatten [${shape}] ${s}..${e}`);
        }
        const axes = rank && r.bool() ? r.subset([...shape.keys()]).map((a) => (r.bool() ? a - rank : a)) : undefined;
        const norm = axes?.map((a) => (a < 0 ? a + rank : a));
        const sq = shape.filter((d, i) => !(d === 1 && (norm === undefined || norm.includes(i))));
        await checkOp(device, [x], (t) => squeeze(t, axes), reshapeRef(x.input.ref, sq), x.dtype, exact(device), `squeeze [${shape}] ${JSON.stringify(axes)}`);
        const ax = r.int(-(rank + 1), rank);
        const at = ax < 0 ? ax + rank + 1 : ax;
        const us = [...shape.slice(0, at), 1, ...shape.slice(at)];
        await checkOp(device, [x], (t) => unsqueeze(t, ax), reshapeRef(x.input.ref, us), x.dtype, exact(device), `unsqueeze [${shape}] at ${ax}`);
        const t = x.input.make(x.dtype, device);
        const views = [squeeze(t, axes), unsqueeze(t, ax)];
        for (const v of views) expect(sharesStorage(t, v), "squeeze/unsqueeze are views").toBe(true);
        dispose([t, views]);
      },
      runs(30),
    );
  });

  it("expand, broadcastTo and broadcastTensors (zero-stride views)", async () => {
    await prop(
      caseArb,
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = pickInput(shape, r, layout);
        const lead = Array.from({ length: r.int(0, 2) }, () => r.int(1, 3));
        const full = [...lead, ...shape.map((d) => (d === 1 ? r.int(1, 3) : d))];
        // -1 keeps the input's size
        const arg = full.map((d, i) => (i >= lead.length && d === shape[i - lead.length] && r.bool(0.3) ? -1 : d));
        const want = expandRef(x.input.ref, full);
        await checkOp(device, [x], (t) => expand(t, arg), want, x.dtype, exact(device), `expand [${shape}] -> [${arg}]`);
        await checkOp(device, [x], (t) => broadcastTo(t, full), want, x.dtype, exact(device), `broadcastTo [${shape}] -> [${full}]`);
        const other = full.map((d) => (r.bool(0.4) ? 1 : d)).slice(r.int(0, full.length));
        const y = genInput(other, r, genFor(x.dtype), "contiguous");
        const common = broadcastShape(shape, other);
        await checkOp(device, [x, { input: y, dtype: x.dtype }], (a, b) => broadcastTensors(a, b), [expandRef(x.input.ref, common), expandRef(y.ref, common)], [x.dtype, x.dtype], exact(device), "broadcastTensors");
        const t = x.input.make(x.dtype, device);
        const v = expand(t, arg);
        expect(sharesStorage(t, v)).toBe(true);
        dispose([t, v]);
      },
      runs(30),
    );
  });

  it("contiguous copies only non-contiguous views; clone always copies", async () => {
    await prop(
      caseArb,
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = pickInput(shape, r, layout);
        await checkOp(device, [x], (t) => contiguous(t), x.input.ref, x.dtype, exact(device), `contiguous ${layout}`);
        await checkOp(device, [x], (t) => clone(t), x.input.ref, x.dtype, exact(device), `clone ${layout}`);
        const t = x.input.make(x.dtype, device);
        const c = contiguous(t);
        expect(c.isContiguous).toBe(true);
        expect(c === t).toBe(t.isContiguous);
        const k = clone(t);
        expect(sharesStorage(t, k)).toBe(false);
        dispose([t, c, k]);
      },
      runs(25),
    );
  });

  it("slice with Python semantics: steps (negative too), out-of-range bounds, integer indices that drop dims", async () => {
    await prop(
      caseArb,
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = pickInput(shape, r, layout);
        const nspec = r.int(0, shape.length);
        const specs: RefSliceSpec[] = [];
        for (let d = 0; d < nspec; d++) {
          const n = shape[d]!;
          const kind = r.int(0, 9);
          if (kind === 0) specs.push(null);
          else if (kind === 1) specs.push(r.int(-n, n - 1));
          else {
            const bound = () => (r.bool(0.25) ? null : r.int(-n - 2, n + 2));
            specs.push([bound(), bound(), r.bool(0.2) ? null : r.pick([1, 2, 3, -1, -2])]);
          }
        }
        const want = sliceRef(x.input.ref, specs);
        await checkOp(device, [x], (t) => slice(t, specs as SliceSpec[]), want, x.dtype, exact(device), `slice [${shape}] ${JSON.stringify(specs)}`);
        const t = x.input.make(x.dtype, device);
        const v = slice(t, specs as SliceSpec[]);
        if (v.size > 0) expect(sharesStorage(t, v)).toBe(true);
        dispose([t, v]);
      },
      runs(40),
    );
  });

  it("narrow and flip", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 4), seed: seedArb, layout: layoutArb }),
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = pickInput(shape, r, layout);
        const ax = r.int(0, shape.length - 1);
        const start = r.int(0, shape[ax]!);
        const len = r.int(0, shape[ax]! - start);
        const specs: RefSliceSpec[] = shape.map(() => null);
        specs[ax] = [start, start + len, 1];
        await checkOp(device, [x], (t) => narrow(t, r.bool() ? ax - shape.length : ax, start, len), sliceRef(x.input.ref, specs), x.dtype, exact(device), `narrow [${shape}] axis ${ax} ${start}+${len}`);
        const axes = r.subset([...shape.keys()]);
        const arg = axes.map((a) => (r.bool() ? a - shape.length : a));
        await checkOp(device, [x], (t) => flip(t, arg), flipRef(x.input.ref, axes), x.dtype, exact(device), `flip [${shape}] [${arg}]`);
      },
      runs(30),
    );
  });

  it("pad with constant values per trailing dim, negative pads cropping", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 4), seed: seedArb, layout: layoutArb }),
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = pickInput(shape, r, layout);
        const k = r.int(1, shape.length);
        const pads: [number, number][] = [];
        for (let i = 0; i < k; i++) {
          const n = shape[shape.length - 1 - i]!;
          const b = r.int(-(n - 1), 2);
          const a = r.int(-(n - 1 - Math.max(0, -b)), 2);
          pads.push([b, a]);
        }
        const value = x.dtype === "bool" ? 1 : x.dtype === "int32" ? -7 : 2.5;
        await checkOp(device, [x], (t) => pad(t, pads, value), padRef(x.input.ref, pads, value), x.dtype, exact(device), `pad [${shape}] ${JSON.stringify(pads)}`);
      },
      runs(30),
    );
  });

  it("concat and stack along any axis (inputs in different layouts)", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 4), seed: seedArb, k: fc.integer({ min: 1, max: 3 }) }),
      async ({ shape, seed, k }) => {
        const r = new Rand(seed);
        const dtype = r.pick(DTYPES);
        const axis = r.int(0, shape.length - 1);
        const ins = Array.from({ length: k }, () => {
          const s = [...shape];
          s[axis] = r.int(1, 3);
          return { input: genInput(s, r, genFor(dtype), r.pick(LAYOUTS)), dtype };
        });
        const axArg = r.bool() ? axis - shape.length : axis;
        await checkOp(device, ins, (...ts) => concat(ts, axArg), concatRef(ins.map((i) => i.input.ref), axis), dtype, exact(device), `concat ${k} x [${shape}] axis ${axArg}`);
        const same = Array.from({ length: k }, () => ({ input: genInput(shape, r, genFor(dtype), r.pick(LAYOUTS)), dtype }));
        const sAxis = r.int(-(shape.length + 1), shape.length);
        await checkOp(device, same, (...ts) => stack(ts, sAxis), stackRef(same.map((i) => i.input.ref), sAxis), dtype, exact(device), `stack ${k} x [${shape}] axis ${sAxis}`);
      },
      runs(30),
    );
  });

  it("split into given sizes or equal pieces, and chunk as torch.chunk", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 3, 6), seed: seedArb, layout: layoutArb }),
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = pickInput(shape, r, layout);
        const axis = r.int(0, shape.length - 1);
        const n = shape[axis]!;
        const piece = (start: number, len: number) => {
          const specs: RefSliceSpec[] = shape.map(() => null);
          specs[axis] = [start, start + len, 1];
          return sliceRef(x.input.ref, specs);
        };
        // explicit sizes (zeros allowed)
        const sizes: number[] = [];
        let left = n;
        while (left > 0) {
          const s = r.int(0, left);
          sizes.push(s);
          left -= s;
        }
        let at = 0;
        const wantSizes = sizes.map((s) => {
          const p = piece(at, s);
          at += s;
          return p;
        });
        await checkOp(device, [x], (t) => split(t, sizes, axis), wantSizes, sizes.map(() => x.dtype), exact(device), `split [${shape}] sizes [${sizes}]`);
        // equal pieces of size s, the last smaller
        const s = r.int(1, n);
        const eq = Array.from({ length: Math.ceil(n / s) }, (_, i) => piece(i * s, Math.min(s, n - i * s)));
        await checkOp(device, [x], (t) => split(t, s, axis), eq, eq.map(() => x.dtype), exact(device), `split [${shape}] by ${s}`);
        // torch.chunk: pieces of ceil(n / chunks)
        const chunks = r.int(1, 6);
        const cs = Math.ceil(n / chunks);
        const ch = Array.from({ length: Math.ceil(n / cs) }, (_, i) => piece(i * cs, Math.min(cs, n - i * cs)));
        await checkOp(device, [x], (t) => chunk(t, chunks, axis - shape.length), ch, ch.map(() => x.dtype), exact(device), `chunk [${shape}] into ${chunks}`);
      },
      runs(30),
    );
  });

  it("repeat and tile", async () => {
    await prop(
      caseArb,
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = pickInput(shape, r, layout);
        const reps = [...Array.from({ length: r.int(0, 2) }, () => r.int(1, 3)), ...shape.map(() => r.int(1, 3))];
        await checkOp(device, [x], (t) => repeat(t, reps), repeatRef(x.input.ref, reps), x.dtype, exact(device), `repeat [${shape}] [${reps}]`);
        const treps = Array.from({ length: r.int(1, shape.length + 1) }, () => r.int(1, 3));
        const full = treps.length < shape.length ? [...shape.slice(0, shape.length - treps.length).map(() => 1), ...treps] : treps;
        await checkOp(device, [x], (t) => tile(t, treps), repeatRef(x.input.ref, full), x.dtype, exact(device), `tile [${shape}] [${treps}]`);
      },
      runs(30),
    );
  });

  it("Python slice indices helper agrees with a direct enumeration (sanity of the reference)", () => {
    expect(pySliceIndices(10, 8, 2, -3)).toEqual([8, 5]);
    expect(pySliceIndices(10, -1, -100, -4)).toEqual([9, 5, 1]);
    expect(pySliceIndices(5, null, null, -1)).toEqual([4, 3, 2, 1, 0]);
    expect(pySliceIndices(5, -7, 3, 1)).toEqual([0, 1, 2]);
    expect(pySliceIndices(5, 3, 1, 1)).toEqual([]);
  });
});

describe("coverage", () => {
  it("every op function exported by ops/shape.ts has a forward test", () => {
    expect(coverage.missing()).toEqual([]);
    expect(coverage.unknown()).toEqual([]);
  });
});
