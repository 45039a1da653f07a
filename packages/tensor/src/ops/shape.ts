import type { KernelAttrs } from "../backend/backend.js";
import { tidy } from "../engine/tidy.js";
import { broadcastShapes, checkShape, contiguousStrides, fmt, normAxis, sizeOf, type Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { runKernel, runView, type KernelOpDef, type ViewOpTable } from "./registry.js";
import { sumTo } from "./util.js";

// ---------------------------------------------------------------------------------------------------------
// View ops (no copies).

/**
 * Strides that view a (shape, strides) layout as `newShape` without copying, or null when impossible
 * (the rule PyTorch's `view` follows: each run of merged/split dims must be contiguous in itself).
 */
export function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  if (sizeOf(shape) === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  // drop size-1 dims of the source, they constrain nothing
  const src = shape.map((d, i) => [d, strides[i]!] as const).filter(([d]) => d !== 1);
  let si = 0;
  let ni = 0;
  while (ni < newShape.length || si < src.length) {
    if (ni < newShape.length && newShape[ni] === 1) {
      out[ni] = 1;
      ni++;
      continue;
    }
    if (si >= src.length || ni >= newShape.length) return null;
    // a chunk: source dims [si, sj) that are mutually contiguous, matched to new dims [ni, nj) of equal size
    let srcSize = src[si]![0];
    let sj = si + 1;
    let newSize = newShape[ni]!;
    let nj = ni + 1;
    while (srcSize !== newSize) {
      if (srcSize < newSize) {
        if (sj >= src.length) return null;
        if (src[sj - 1]![1] !== src[sj]![0] * src[sj]![1]) return null;
        srcSize *= src[sj]![0];
        sj++;
      } else {
        if (nj >= newShape.length) return null;
        newSize *= newShape[nj]!;
        nj++;
      }
    }
    // every source dim inside the chunk must be contiguous with the next
    for (let k = si; k + 1 < sj; k++) if (src[k]![1] !== src[k + 1]![0] * src[k + 1]![1]) return null;
    let stride = src[sj - 1]![1];
    for (let k = nj - 1; k >= ni; k--) {
      out[k] = stride;
      stride *= newShape[k]!;
    }
    si = sj;
    ni = nj;
  }
  return out;
}

function resolveShape(op: string, size: number, shape: readonly number[]): number[] {
  const infer = shape.indexOf(-1);
  if (infer !== shape.lastIndexOf(-1)) throw new Error(`${op}: only one dimension can be -1 in ${fmt(shape)}`);
  const out = [...shape];
  if (infer >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== infer));
    if (known === 0 || size % known !== 0) throw new Error(`${op}: cannot infer -1 in ${fmt(shape)} for ${size} elements`);
    out[infer] = size / known;
  }
  checkShape(op, out);
  if (sizeOf(out) !== size) throw new Error(`${op}: cannot reshape ${size} elements to ${fmt(shape)}`);
  return out;
}

/** Registry entries of the view ops. */
export const viewDefs: ViewOpTable = {
  identity: { view: (x) => ({ shape: x.shape, strides: x.strides, offset: x.offset }), vjp: (g) => [g] },
  reshape: {
    view: (x, { shape }) => {
      const strides = viewStrides(x.shape, x.strides, shape);
      if (!strides) throw new Error(`reshape: ${fmt(x.shape)} -> ${fmt(shape)} is not expressible as a view`);
      return { shape, strides, offset: x.offset };
    },
    vjp: (g, { inputs: [x] }) => [reshape(g, x!.shape)],
  },
  permute: {
    view: (x, { perm }) => ({ shape: perm.map((p) => x.shape[p]!), strides: perm.map((p) => x.strides[p]!), offset: x.offset }),
    vjp: (g, { attrs: { perm } }) => {
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => (inv[p] = i));
      return [permute(g, inv)];
    },
  },
  expand: {
    view: (x, { shape }) => {
      const off = shape.length - x.rank;
      const strides = shape.map((d, i) => (i < off || (x.shape[i - off] === 1 && d !== 1) ? 0 : x.strides[i - off]!));
      return { shape, strides, offset: x.offset };
    },
    vjp: (g, { inputs: [x] }) => [sumTo(g, x!.shape)],
  },
  slice: {
    view: (x, { starts, steps, sizes }) => {
      let offset = x.offset;
      for (let d = 0; d < x.rank; d++) offset += starts[d]! * x.strides[d]!;
      return { shape: sizes, strides: x.strides.map((s, d) => s * steps[d]!), offset };
    },
    vjp: (g, { inputs: [x], attrs }) => [runKernel("scatterSlice", [g], { starts: attrs.starts, steps: attrs.steps, value: 0, shape: x!.shape })],
  },
};

/** Same data, new shape (one dim may be -1). A view when the layout allows, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x.assertLive("reshape");
  const target = resolveShape("reshape", x.size, shape);
  if (viewStrides(x.shape, x.strides, target)) return runView("reshape", x, { shape: target });
  return tidy(() => runView("reshape", contiguous(x), { shape: target }));
}

/** A contiguous copy when `x` is not contiguous, else `x` itself. */
export function contiguous(x: Tensor): Tensor {
  x.assertLive("contiguous");
  return x.isContiguous ? x : runKernel("contiguous", [x], {});
}

/** A contiguous copy that shares no memory with `x` (torch.clone). */
export function clone(x: Tensor): Tensor {
  x.assertLive("clone");
  return runKernel("contiguous", [x], {});
}

/** Reorders dimensions (a view). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normAxis("permute", a, x.rank));
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new Error(`permute: [${perm.join(",")}] is not a permutation of the ${x.rank} dims of ${fmt(x.shape)}`);
  }
  return runView("permute", x, { perm: p });
}

/** Swaps two dimensions (default: the last two). A view. */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  const a = normAxis("transpose", dim0, x.rank);
  const b = normAxis("transpose", dim1, x.rank);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return runView("permute", x, { perm });
}

/** Broadcasts to `shape` (a view with zero strides; -1 keeps a dim). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  x.assertLive("expand");
  const off = shape.length - x.rank;
  if (off < 0) throw new Error(`expand: cannot expand ${fmt(x.shape)} to fewer dims ${fmt(shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= off ? x.shape[i - off]! : d));
  checkShape("expand", target);
  for (let i = 0; i < x.rank; i++) {
    const d = x.shape[i]!;
    if (d !== 1 && d !== target[i + off]) throw new Error(`expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)} (dim ${i}: ${d})`);
  }
  return runView("expand", x, { shape: target });
}

/** NumPy-style broadcast to `shape`. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  broadcastShapes("broadcastTo", x.shape, shape);
  return expand(x, shape);
}

/** Broadcasts several tensors against each other. */
export function broadcastTensors(...xs: Tensor[]): Tensor[] {
  const shape = broadcastShapes("broadcastTensors", ...xs.map((x) => x.shape));
  return xs.map((x) => expand(x, shape));
}

/** Removes size-1 dims (all, or the given ones). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const list = axes === undefined ? x.shape.map((_, i) => i).filter((i) => x.shape[i] === 1) : (typeof axes === "number" ? [axes] : axes).map((a) => normAxis("squeeze", a, x.rank));
  const shape = x.shape.filter((d, i) => !(list.includes(i) && d === 1));
  return reshape(x, shape);
}

/** Inserts a size-1 dim at `axis` (which may be -1 for the end). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis("unsqueeze", axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Merges dims `start..end` (inclusive) into one. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normAxis("flatten", start, x.rank);
  const e = normAxis("flatten", end, x.rank);
  if (e < s) throw new Error(`flatten: start ${start} is after end ${end}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** One dimension's slice spec: `[start, end, step]` (end exclusive, negatives from the end), a number, or null (all). */
export type SliceSpec = number | null | readonly [start?: number | null, end?: number | null, step?: number | null];

/**
 * Python-style slicing with steps (a view). One spec per leading dim; a number indexes and drops the dim.
 *
 * @example
 * ```ts
 * slice(x, [null, [0, 10, 2]]); // x[:, 0:10:2]
 * slice(x, [[null, null, -1]]); // x[::-1]
 * ```
 */
export function slice(x: Tensor, specs: readonly SliceSpec[]): Tensor {
  if (specs.length > x.rank) throw new Error(`slice: ${specs.length} specs for a tensor of rank ${x.rank}`);
  const starts: number[] = [];
  const steps: number[] = [];
  const sizes: number[] = [];
  const drop: number[] = [];
  x.shape.forEach((n, d) => {
    const spec = specs[d] ?? null;
    if (typeof spec === "number") {
      const i = spec < 0 ? spec + n : spec;
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`slice: index ${spec} is out of range for dim ${d} of size ${n}`);
      starts.push(i);
      steps.push(1);
      sizes.push(1);
      drop.push(d);
      return;
    }
    const [s0, e0, st0] = spec ?? [];
    const step = st0 ?? 1;
    if (!Number.isInteger(step) || step === 0) throw new Error(`slice: step must be a non-zero integer, got ${step} (dim ${d})`);
    const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
    let start: number, end: number;
    if (step > 0) {
      start = s0 == null ? 0 : clampIdx(s0, 0, n);
      end = e0 == null ? n : clampIdx(e0, 0, n);
    } else {
      start = s0 == null ? n - 1 : clampIdx(s0, -1, n - 1);
      end = e0 == null ? -1 : clampIdx(e0, -1, n - 1);
    }
    const size = Math.max(0, Math.ceil((end - start) / step));
    starts.push(size === 0 ? 0 : start);
    steps.push(step);
    sizes.push(size);
  });
  const v = runView("slice", x, { starts, steps, sizes });
  if (!drop.length) return v;
  // the intermediate view was made outside any scope: release it once the reshaped view holds the storage
  const out = reshape(v, sizes.filter((_, d) => !drop.includes(d)));
  v.dispose();
  return out;
}

/** `length` entries of `axis` starting at `start` (torch.narrow; a view). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normAxis("narrow", axis, x.rank);
  if (start < 0 || length < 0 || start + length > x.shape[a]!) {
    throw new Error(`narrow: [${start}, ${start + length}) is outside dim ${a} of size ${x.shape[a]}`);
  }
  const specs: SliceSpec[] = x.shape.map(() => null);
  specs[a] = [start, start + length, 1];
  return slice(x, specs);
}

/** Reverses the order along the given axes (a view with negative strides). */
export function flip(x: Tensor, axes: number | readonly number[]): Tensor {
  const list = (typeof axes === "number" ? [axes] : axes).map((a) => normAxis("flip", a, x.rank));
  return slice(x, x.shape.map((_, d) => (list.includes(d) ? [null, null, -1] : null)));
}

/**
 * Constant padding. `pads` lists `[before, after]` per dim starting from the LAST dim (torch.nn.functional.pad's
 * order); negative values crop.
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length > x.rank) throw new Error(`pad: ${pads.length} pairs for a tensor of rank ${x.rank}`);
  return tidy(() => {
    const before = x.shape.map(() => 0);
    const after = x.shape.map(() => 0);
    pads.forEach(([b, a], i) => {
      const d = x.rank - 1 - i;
      before[d] = b;
      after[d] = a;
    });
    // negative padding crops first
    const cropped = slice(
      x,
      x.shape.map((n, d) => [Math.max(0, -before[d]!), n - Math.max(0, -after[d]!), 1] as const),
    );
    const shape = cropped.shape.map((n, d) => n + Math.max(0, before[d]!) + Math.max(0, after[d]!));
    return runKernel("scatterSlice", [cropped], { starts: before.map((b) => Math.max(0, b)), steps: shape.map(() => 1), value, shape });
  });
}

/** Joins tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error("concat: no tensors given");
  if (xs.length === 1) return runView("identity", xs[0]!, {});
  const a = normAxis("concat", axis, xs[0]!.rank);
  return runKernel("concat", xs, { axis: a });
}

/** Joins tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error("stack: no tensors given");
  const a = normAxis("stack", axis, xs[0]!.rank + 1);
  if (xs.some((x) => x.dtype !== xs[0]!.dtype || x.rank !== xs[0]!.rank || x.shape.some((d, i) => d !== xs[0]!.shape[i]))) {
    throw new Error(`stack: tensors must share shape and dtype, got ${xs.map((x) => `${fmt(x.shape)} ${x.dtype}`).join(", ")}`);
  }
  return tidy(() => concat(xs.map((x) => unsqueeze(x, a)), a));
}

/** Splits along `axis` into pieces of the given sizes (or equal pieces of size `sizes`). Views. */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normAxis("split", axis, x.rank);
  const n = x.shape[a]!;
  const list = typeof sizes === "number" ? Array.from({ length: Math.ceil(n / sizes) }, (_, i) => Math.min(sizes, n - i * sizes)) : sizes;
  if (list.reduce((s, v) => s + v, 0) !== n) throw new Error(`split: sizes [${list.join(",")}] do not add up to ${n} (dim ${a} of ${fmt(x.shape)})`);
  let at = 0;
  return list.map((len) => {
    const t = narrow(x, a, at, len);
    at += len;
    return t;
  });
}

/** Splits into `chunks` nearly equal pieces along `axis` (torch.chunk). */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  const a = normAxis("chunk", axis, x.rank);
  if (!Number.isInteger(chunks) || chunks < 1) throw new Error(`chunk: chunks must be a positive integer, got ${chunks}`);
  return split(x, Math.ceil(x.shape[a]! / chunks), a);
}

/** Repeats the whole tensor `reps[i]` times along each dim (torch.Tensor.repeat). */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  if (reps.length < x.rank) throw new Error(`repeat: ${reps.length} repeats for a tensor of rank ${x.rank}`);
  return tidy(() => {
    const lead = reps.length - x.rank;
    const xs = reshape(x, [...reps.slice(0, lead).map(() => 1), ...x.shape]);
    // [.., 1, d, ..] expanded to [.., r, d, ..] then merged
    const inter: number[] = [];
    const big: number[] = [];
    xs.shape.forEach((d, i) => {
      inter.push(1, d);
      big.push(reps[i]!, d);
    });
    const e = expand(reshape(xs, inter), big);
    return reshape(e, xs.shape.map((d, i) => d * reps[i]!));
  });
}

/** numpy.tile / torch.tile: like repeat, with missing leading reps taken as 1. */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  const full = reps.length < x.rank ? [...x.shape.slice(0, x.rank - reps.length).map(() => 1), ...reps] : reps;
  return repeat(x, full);
}

/** Registry entries of the copying shape ops. */
export const shapeDefs: { [K in "scatterSlice" | "concat"]: KernelOpDef<KernelAttrs[K]> } = {
  scatterSlice: {
    infer: ([x], { shape, starts, steps }) => {
      for (let d = 0; d < x!.rank; d++) {
        const last = starts[d]! + (x!.shape[d]! - 1) * steps[d]!;
        if (x!.shape[d]! > 0 && (starts[d]! < 0 || starts[d]! >= shape[d]! || last < 0 || last >= shape[d]!)) {
          throw new Error(`scatterSlice: ${fmt(x!.shape)} does not fit in ${fmt(shape)} at dim ${d}`);
        }
      }
      return { shape, dtype: x!.dtype };
    },
    vjp: (g, { inputs: [x], attrs }) => [runView("slice", g, { starts: attrs.starts, steps: attrs.steps, sizes: x!.shape })],
  },
  concat: {
    infer: (xs, { axis }) => {
      const first = xs[0]!;
      let total = 0;
      for (const x of xs) {
        if (x.rank !== first.rank || x.dtype !== first.dtype || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
          throw new Error(`concat: ${xs.map((t) => `${fmt(t.shape)} ${t.dtype}`).join(", ")}: inputs must share the dtype and every dim but axis ${axis}`);
        }
        total += x.shape[axis]!;
      }
      const shape = [...first.shape];
      shape[axis] = total;
      return { shape, dtype: first.dtype };
    },
    vjp: (g, { inputs, attrs }) => {
      let at = 0;
      return inputs.map((x) => {
        const t = narrow(g, attrs.axis, at, x.shape[attrs.axis]!);
        at += x.shape[attrs.axis]!;
        return t;
      });
    },
  },
};

