/**
 * Independent float64 references for the tensor ops, written from the definitions (PyTorch / NumPy semantics)
 * with plain loops over index tuples. Nothing here imports the library: these are the oracle the device suite
 * compares against.
 */

/** A dense row-major float64 array with a shape. */
export class Nd {
  readonly data: Float64Array;
  constructor(
    readonly shape: readonly number[],
    data?: ArrayLike<number>,
  ) {
    const n = sizeOf(shape);
    if (data && data.length !== n) throw new Error(`Nd: ${data.length} values for shape [${shape.join(",")}]`);
    this.data = data ? Float64Array.from(data) : new Float64Array(n);
  }
  get size(): number {
    return this.data.length;
  }
  get rank(): number {
    return this.shape.length;
  }
  get(idx: readonly number[]): number {
    return this.data[ravel(idx, this.shape)]!;
  }
  set(idx: readonly number[], v: number): void {
    this.data[ravel(idx, this.shape)] = v;
  }
  static fromFn(shape: readonly number[], f: (idx: number[]) => number): Nd {
    const out = new Nd(shape);
    forEachIndex(shape, (idx, i) => (out.data[i] = f(idx)));
    return out;
  }
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + idx[d]!;
  return i;
}

export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

/** Calls f for every index tuple of `shape` in row-major order. */
export function forEachIndex(shape: readonly number[], f: (idx: number[], flat: number) => void): void {
  const n = sizeOf(shape);
  for (let i = 0; i < n; i++) f(unravel(i, shape), i);
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise with broadcasting.

export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1) {
        if (d !== 1 && d !== v) throw new Error("reference: shapes do not broadcast");
        d = v;
      }
    }
    out.push(d);
  }
  return out;
}

/** Element of `a` at an index of a broadcast result shape (right-aligned; size-1 dims repeat). */
export function atBroadcast(a: Nd, idx: readonly number[]): number {
  const off = idx.length - a.rank;
  let i = 0;
  for (let d = 0; d < a.rank; d++) i = i * a.shape[d]! + (a.shape[d] === 1 ? 0 : idx[off + d]!);
  return a.data[i]!;
}

export function map(a: Nd, f: (x: number) => number): Nd {
  return new Nd(a.shape, Array.from(a.data, f));
}

export function zip(a: Nd, b: Nd, f: (x: number, y: number) => number): Nd {
  const shape = broadcastShape(a.shape, b.shape);
  return Nd.fromFn(shape, (idx) => f(atBroadcast(a, idx), atBroadcast(b, idx)));
}

export function zip3(a: Nd, b: Nd, c: Nd, f: (x: number, y: number, z: number) => number): Nd {
  const shape = broadcastShape(a.shape, b.shape, c.shape);
  return Nd.fromFn(shape, (idx) => f(atBroadcast(a, idx), atBroadcast(b, idx), atBroadcast(c, idx)));
}

/** erf by composite Simpson integration of 2/sqrt(pi) e^(-t^2) (independent of the library's series). */
export function erfRef(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x === 0) return x;
  const ax = Math.min(Math.abs(x), 8);
  const n = 4000;
  const h = ax / n;
  let s = 1 + Math.exp(-ax * ax);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * Math.exp(-(i * h) * (i * h));
  const r = ((s * h) / 3) * (2 / Math.sqrt(Math.PI));
  return x < 0 ? -r : r;
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

const sigmoidRef = (x: number) => 1 / (1 + Math.exp(-x));

/** Scalar definitions of the unary ops. */
export const unaryRef: Record<string, (x: number) => number> = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  sign: (x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0),
  square: (x) => x * x,
  relu: (x) => (x > 0 ? x : 0),
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: sigmoidRef,
  erf: erfRef,
  gelu: (x) => 0.5 * x * (1 + erfRef(x / Math.SQRT2)),
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  quickGelu: (x) => x * sigmoidRef(1.702 * x),
  silu: (x) => x * sigmoidRef(x),
  geluDerivative: (x) => 0.5 * (1 + erfRef(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI),
  quickGeluDerivative: (x) => sigmoidRef(1.702 * x) + 1.702 * x * sigmoidRef(1.702 * x) * (1 - sigmoidRef(1.702 * x)),
  siluDerivative: (x) => sigmoidRef(x) + x * sigmoidRef(x) * (1 - sigmoidRef(x)),
  softplus: (x) => (x > 20 ? x : Math.log(1 + Math.exp(x))),
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  logicalNot: (x) => (x === 0 ? 1 : 0),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
};

/** Scalar definitions of the binary ops. */
export const binaryRef: Record<string, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: (x, y) => x ** y,
  maximum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y)),
  minimum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y)),
  atan2: Math.atan2,
  eq: (x, y) => +(x === y),
  ne: (x, y) => +(x !== y),
  lt: (x, y) => +(x < y),
  le: (x, y) => +(x <= y),
  gt: (x, y) => +(x > y),
  ge: (x, y) => +(x >= y),
  logicalAnd: (x, y) => +(x !== 0 && y !== 0),
  logicalOr: (x, y) => +(x !== 0 || y !== 0),
  logicalXor: (x, y) => +((x !== 0) !== (y !== 0)),
};

// ---------------------------------------------------------------------------------------------------------
// Reductions.

function normAxesRef(axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : [...axes];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

/** Generic reduction: `f` folds the list of values of each output position. */
export function reduceRef(a: Nd, axes: number | readonly number[] | undefined, keepdim: boolean, f: (vals: number[]) => number): Nd {
  const ax = a.rank === 0 ? [] : normAxesRef(axes, a.rank);
  const keptShape = a.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const groups = new Map<number, number[]>();
  forEachIndex(a.shape, (idx, flat) => {
    const o = ravel(idx.map((v, i) => (ax.includes(i) ? 0 : v)), keptShape);
    let g = groups.get(o);
    if (!g) groups.set(o, (g = []));
    g.push(a.data[flat]!);
  });
  const out = Nd.fromFn(keptShape, (idx) => f(groups.get(ravel(idx, keptShape)) ?? []));
  return keepdim ? out : new Nd(a.shape.filter((_, i) => !ax.includes(i)), out.data);
}

export const sumOf = (v: number[]) => v.reduce((s, x) => s + x, 0);
export const meanOf = (v: number[]) => sumOf(v) / v.length;
export const maxOf = (v: number[]) => (v.some(Number.isNaN) ? NaN : Math.max(...v));
export const minOf = (v: number[]) => (v.some(Number.isNaN) ? NaN : Math.min(...v));
export const prodOf = (v: number[]) => v.reduce((s, x) => s * x, 1);
export function varOf(v: number[], correction: number): number {
  const m = meanOf(v);
  return sumOf(v.map((x) => (x - m) ** 2)) / Math.max(0, v.length - correction);
}
export function logsumexpOf(v: number[]): number {
  const m = Math.max(...v);
  if (!Number.isFinite(m)) return m === -Infinity ? -Infinity : m;
  return m + Math.log(sumOf(v.map((x) => Math.exp(x - m))));
}
export function normOf(v: number[], p: number): number {
  if (p === Infinity) return Math.max(...v.map(Math.abs));
  return sumOf(v.map((x) => Math.abs(x) ** p)) ** (1 / p);
}

/** Index of the first max/min along `axis` (flattened when undefined). */
export function argRef(a: Nd, kind: "max" | "min", axis: number | undefined, keepdim: boolean): Nd {
  if (axis === undefined) {
    const flat = new Nd([a.size], a.data);
    const r = argRef(flat, kind, 0, false);
    return keepdim ? new Nd(a.shape.map(() => 1), r.data) : r;
  }
  const ax = axis < 0 ? axis + a.rank : axis;
  const keptShape = a.shape.map((d, i) => (i === ax ? 1 : d));
  const out = Nd.fromFn(keptShape, (idx) => {
    let best = 0;
    let bv = NaN;
    for (let j = 0; j < a.shape[ax]!; j++) {
      const v = a.get(idx.map((x, i) => (i === ax ? j : x)));
      if (j === 0 || (kind === "max" ? v > bv : v < bv)) {
        best = j;
        bv = v;
      }
    }
    return best;
  });
  return keepdim ? out : new Nd(a.shape.filter((_, i) => i !== ax), out.data);
}

// ---------------------------------------------------------------------------------------------------------
// Shape ops.

export function permuteRef(a: Nd, perm: readonly number[]): Nd {
  const shape = perm.map((p) => a.shape[p]!);
  return Nd.fromFn(shape, (idx) => {
    const src = new Array<number>(a.rank);
    perm.forEach((p, i) => (src[p] = idx[i]!));
    return a.get(src);
  });
}

export function reshapeRef(a: Nd, shape: readonly number[]): Nd {
  return new Nd(shape, a.data);
}

export function expandRef(a: Nd, shape: readonly number[]): Nd {
  return Nd.fromFn(shape, (idx) => atBroadcast(a, idx));
}

/** CPython's slice.indices(n) followed by range(): the indices a Python slice picks. */
export function pySliceIndices(n: number, start: number | null | undefined, stop: number | null | undefined, step: number | null | undefined): number[] {
  const st = step ?? 1;
  const lower = st < 0 ? -1 : 0;
  const upper = st < 0 ? n - 1 : n;
  const fix = (v: number | null | undefined, dflt: number) => {
    if (v === null || v === undefined) return dflt;
    if (v < 0) return Math.max(v + n, lower);
    return Math.min(v, upper);
  };
  const s = fix(start, st < 0 ? upper : lower);
  const e = fix(stop, st < 0 ? lower : upper);
  const out: number[] = [];
  if (st > 0) for (let i = s; i < e; i += st) out.push(i);
  else for (let i = s; i > e; i += st) out.push(i);
  return out;
}

export type RefSliceSpec = number | null | readonly [number | null, number | null, number | null];

/** Python/NumPy basic slicing with one spec per leading dim (a number drops the dim). */
export function sliceRef(a: Nd, specs: readonly RefSliceSpec[]): Nd {
  const picks: number[][] = [];
  const keep: boolean[] = [];
  a.shape.forEach((n, d) => {
    const s = specs[d] ?? null;
    if (typeof s === "number") {
      picks.push([s < 0 ? s + n : s]);
      keep.push(false);
    } else if (s === null) {
      picks.push(Array.from({ length: n }, (_, i) => i));
      keep.push(true);
    } else {
      picks.push(pySliceIndices(n, s[0], s[1], s[2]));
      keep.push(true);
    }
  });
  const full = picks.map((p) => p.length);
  const res = Nd.fromFn(full, (idx) => a.get(idx.map((v, d) => picks[d]![v]!)));
  return new Nd(
    full.filter((_, d) => keep[d]),
    res.data,
  );
}

export function flipRef(a: Nd, axes: readonly number[]): Nd {
  const ax = axes.map((x) => (x < 0 ? x + a.rank : x));
  return Nd.fromFn(a.shape, (idx) => a.get(idx.map((v, d) => (ax.includes(d) ? a.shape[d]! - 1 - v : v))));
}

/** torch.nn.functional.pad (constant): pairs from the last dim backwards; negative values crop. */
export function padRef(a: Nd, pads: readonly (readonly [number, number])[], value: number): Nd {
  const before = a.shape.map(() => 0);
  const after = a.shape.map(() => 0);
  pads.forEach(([b, e], i) => {
    before[a.rank - 1 - i] = b;
    after[a.rank - 1 - i] = e;
  });
  const shape = a.shape.map((n, d) => n + before[d]! + after[d]!);
  return Nd.fromFn(shape, (idx) => {
    const src = idx.map((v, d) => v - before[d]!);
    return src.every((v, d) => v >= 0 && v < a.shape[d]!) ? a.get(src) : value;
  });
}

export function concatRef(xs: readonly Nd[], axis: number): Nd {
  const ax = axis < 0 ? axis + xs[0]!.rank : axis;
  const shape = [...xs[0]!.shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax]!, 0);
  return Nd.fromFn(shape, (idx) => {
    let i = idx[ax]!;
    for (const x of xs) {
      if (i < x.shape[ax]!) return x.get(idx.map((v, d) => (d === ax ? i : v)));
      i -= x.shape[ax]!;
    }
    throw new Error("unreachable");
  });
}

export function stackRef(xs: readonly Nd[], axis: number): Nd {
  const ax = axis < 0 ? axis + xs[0]!.rank + 1 : axis;
  return concatRef(
    xs.map((x) => new Nd([...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)], x.data)),
    ax,
  );
}

/** torch.Tensor.repeat. */
export function repeatRef(a: Nd, reps: readonly number[]): Nd {
  const lead = reps.length - a.rank;
  const src = new Nd([...new Array<number>(lead).fill(1), ...a.shape], a.data);
  const shape = src.shape.map((d, i) => d * reps[i]!);
  return Nd.fromFn(shape, (idx) => src.get(idx.map((v, d) => v % src.shape[d]!)));
}

// ---------------------------------------------------------------------------------------------------------
// Indexing.

export function gatherRef(x: Nd, axis: number, index: Nd): Nd {
  return Nd.fromFn(index.shape, (idx) => x.get(idx.map((v, d) => (d === axis ? index.get(idx) : v))));
}

export function scatterAddRef(base: Nd, axis: number, index: Nd, src: Nd): Nd {
  const out = new Nd(base.shape, base.data);
  forEachIndex(index.shape, (idx) => {
    const t = idx.map((v, d) => (d === axis ? index.get(idx) : v));
    out.set(t, out.get(t) + src.get(idx));
  });
  return out;
}

export function indexSelectRef(x: Nd, axis: number, index: readonly number[]): Nd {
  const shape = [...x.shape];
  shape[axis] = index.length;
  return Nd.fromFn(shape, (idx) => x.get(idx.map((v, d) => (d === axis ? index[v]! : v))));
}

/** numpy.take along an axis: the index's shape replaces that dim. */
export function takeRef(x: Nd, index: Nd, axis: number): Nd {
  const shape = [...x.shape.slice(0, axis), ...index.shape, ...x.shape.slice(axis + 1)];
  const k = index.rank;
  return Nd.fromFn(shape, (idx) => {
    const ii = idx.slice(axis, axis + k);
    return x.get([...idx.slice(0, axis), index.get(ii), ...idx.slice(axis + k)]);
  });
}

export function oneHotRef(ids: Nd, n: number): Nd {
  return Nd.fromFn([...ids.shape, n], (idx) => +(ids.get(idx.slice(0, -1)) === idx[idx.length - 1]));
}

// ---------------------------------------------------------------------------------------------------------
// Linear algebra and nn.

/** numpy.matmul semantics: 1-D operands promoted and the added dim removed; batch dims broadcast. */
export function matmulRef(a: Nd, b: Nd): Nd {
  const a2 = a.rank === 1 ? new Nd([1, a.shape[0]!], a.data) : a;
  const b2 = b.rank === 1 ? new Nd([b.shape[0]!, 1], b.data) : b;
  const m = a2.shape[a2.rank - 2]!;
  const k = a2.shape[a2.rank - 1]!;
  const n = b2.shape[b2.rank - 1]!;
  if (b2.shape[b2.rank - 2] !== k) throw new Error("matmulRef: inner dims differ");
  const batch = broadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const aB = new Nd([...a2.shape.slice(0, -2), m * k], a2.data);
  const bB = new Nd([...b2.shape.slice(0, -2), k * n], b2.data);
  const out = Nd.fromFn([...batch, m, n], (idx) => {
    const bi = idx.slice(0, -2);
    const [i, j] = idx.slice(-2) as [number, number];
    let s = 0;
    for (let p = 0; p < k; p++) s += atBroadcast(aB, [...bi, i * k + p]) * atBroadcast(bB, [...bi, p * n + j]);
    return s;
  });
  let shape = out.shape;
  if (a.rank === 1) shape = [...shape.slice(0, -2), shape[shape.length - 1]!];
  if (b.rank === 1) shape = shape.slice(0, -1);
  return new Nd(shape, out.data);
}

export interface Conv2dRefOptions {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** Direct 2-D cross-correlation with loops (torch.nn.functional.conv2d). */
export function conv2dRef(x: Nd, w: Nd, bias: Nd | null, o: Conv2dRefOptions): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cg, kh, kw] = w.shape as [number, number, number, number];
  const oh = Math.floor((H + 2 * o.padding[0] - o.dilation[0] * (kh - 1) - 1) / o.stride[0]) + 1;
  const ow = Math.floor((W + 2 * o.padding[1] - o.dilation[1] * (kw - 1) - 1) / o.stride[1]) + 1;
  const Og = O / o.groups;
  void C;
  return Nd.fromFn([N, O, oh, ow], ([n, oc, i, j]) => {
    const g = Math.floor(oc! / Og);
    let s = bias ? bias.data[oc!]! : 0;
    for (let c = 0; c < Cg; c++)
      for (let a = 0; a < kh; a++)
        for (let b = 0; b < kw; b++) {
          const y = i! * o.stride[0] - o.padding[0] + a * o.dilation[0];
          const z = j! * o.stride[1] - o.padding[1] + b * o.dilation[1];
          if (y < 0 || y >= H || z < 0 || z >= W) continue;
          s += x.get([n!, g * Cg + c, y, z]) * w.get([oc!, c, a, b]);
        }
    return s;
  });
}

export interface WindowRef {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

function outSizeRef(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/** torch.nn.functional.unfold: [N, C, H, W] -> [N, C*kh*kw, L]. */
export function unfoldRef(x: Nd, w: WindowRef): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = w.kernel;
  const oh = outSizeRef(H, kh, w.stride[0], w.padding[0], w.dilation[0]);
  const ow = outSizeRef(W, kw, w.stride[1], w.padding[1], w.dilation[1]);
  return Nd.fromFn([N, C * kh * kw, oh * ow], ([n, row, l]) => {
    const c = Math.floor(row! / (kh * kw));
    const a = Math.floor(row! / kw) % kh;
    const b = row! % kw;
    const i = Math.floor(l! / ow);
    const j = l! % ow;
    const y = i * w.stride[0] - w.padding[0] + a * w.dilation[0];
    const z = j * w.stride[1] - w.padding[1] + b * w.dilation[1];
    return y >= 0 && y < H && z >= 0 && z < W ? x.get([n!, c, y, z]) : 0;
  });
}

/** torch.nn.functional.fold: sums each column entry into its image position. */
export function foldRef(cols: Nd, outputSize: [number, number], w: WindowRef): Nd {
  const [N, CK, L] = cols.shape as [number, number, number];
  const [kh, kw] = w.kernel;
  const [H, W] = outputSize;
  const C = CK / (kh * kw);
  const ow = outSizeRef(W, kw, w.stride[1], w.padding[1], w.dilation[1]);
  const out = new Nd([N, C, H, W]);
  for (let n = 0; n < N; n++)
    for (let row = 0; row < CK; row++)
      for (let l = 0; l < L; l++) {
        const c = Math.floor(row / (kh * kw));
        const a = Math.floor(row / kw) % kh;
        const b = row % kw;
        const y = Math.floor(l / ow) * w.stride[0] - w.padding[0] + a * w.dilation[0];
        const z = (l % ow) * w.stride[1] - w.padding[1] + b * w.dilation[1];
        if (y >= 0 && y < H && z >= 0 && z < W) out.set([n, c, y, z], out.get([n, c, y, z]) + cols.get([n, row, l]));
      }
  return out;
}

/** torch.nn.functional.avg_pool2d (ceil_mode false). */
export function avgPool2dRef(x: Nd, k: [number, number], s: [number, number], p: [number, number], countIncludePad: boolean): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const oh = outSizeRef(H, k[0], s[0], p[0], 1);
  const ow = outSizeRef(W, k[1], s[1], p[1], 1);
  return Nd.fromFn([N, C, oh, ow], ([n, c, i, j]) => {
    let sum = 0;
    let count = 0;
    for (let a = 0; a < k[0]; a++)
      for (let b = 0; b < k[1]; b++) {
        const y = i! * s[0] - p[0] + a;
        const z = j! * s[1] - p[1] + b;
        if (y < 0 || y >= H || z < 0 || z >= W) continue;
        sum += x.get([n!, c!, y, z]);
        count++;
      }
    return sum / (countIncludePad ? k[0] * k[1] : count);
  });
}

/**
 * torch.nn.functional.interpolate for 4-D input. `scale` is the per-dim input/output ratio torch uses: in/out
 * when `size` is given, 1/scale_factor when a scale factor is given.
 */
export function interpolateRef(x: Nd, out: [number, number], scale: [number, number], mode: "nearest" | "bilinear", alignCorners: boolean): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const src = (i: number, inSize: number, outSize: number, sc: number) => {
    if (alignCorners) return outSize > 1 ? (i * (inSize - 1)) / (outSize - 1) : 0;
    return Math.max(sc * (i + 0.5) - 0.5, 0);
  };
  return Nd.fromFn([N, C, out[0], out[1]], ([n, c, i, j]) => {
    if (mode === "nearest") {
      const y = Math.min(Math.floor(i! * scale[0]), H - 1);
      const z = Math.min(Math.floor(j! * scale[1]), W - 1);
      return x.get([n!, c!, y, z]);
    }
    const sy = src(i!, H, out[0], scale[0]);
    const sz = src(j!, W, out[1], scale[1]);
    const y0 = Math.min(Math.floor(sy), H - 1);
    const z0 = Math.min(Math.floor(sz), W - 1);
    const y1 = Math.min(y0 + 1, H - 1);
    const z1 = Math.min(z0 + 1, W - 1);
    const ly = sy - y0;
    const lz = sz - z0;
    const v = (y: number, z: number) => x.get([n!, c!, y, z]);
    return (1 - ly) * ((1 - lz) * v(y0, z0) + lz * v(y0, z1)) + ly * ((1 - lz) * v(y1, z0) + lz * v(y1, z1));
  });
}

/** Applies `f` to every 1-D line of `a` along `axis`. */
export function alongAxis(a: Nd, axis: number, f: (line: number[]) => number[]): Nd {
  const ax = axis < 0 ? axis + a.rank : axis;
  const out = new Nd(a.shape);
  const outer = a.shape.map((d, i) => (i === ax ? 1 : d));
  forEachIndex(outer, (idx) => {
    const line: number[] = [];
    for (let j = 0; j < a.shape[ax]!; j++) line.push(a.get(idx.map((v, i) => (i === ax ? j : v))));
    const r = f(line);
    for (let j = 0; j < a.shape[ax]!; j++) out.set(idx.map((v, i) => (i === ax ? j : v)), r[j]!);
  });
  return out;
}

export function softmaxLine(v: number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = sumOf(e);
  return e.map((x) => x / s);
}

export function logSoftmaxLine(v: number[]): number[] {
  const l = logsumexpOf(v);
  return v.map((x) => x - l);
}

export function layerNormRef(x: Nd, k: number, weight: Nd | null, bias: Nd | null, eps: number): Nd {
  const inner = sizeOf(x.shape.slice(x.rank - k));
  const out = new Nd(x.shape);
  for (let r = 0; r < x.size / inner; r++) {
    const v = Array.from(x.data.subarray(r * inner, (r + 1) * inner));
    const m = meanOf(v);
    const va = meanOf(v.map((t) => (t - m) ** 2));
    v.forEach((t, j) => {
      let y = (t - m) / Math.sqrt(va + eps);
      if (weight) y *= weight.data[j]!;
      if (bias) y += bias.data[j]!;
      out.data[r * inner + j] = y;
    });
  }
  return out;
}

export function groupNormRef(x: Nd, groups: number, weight: Nd | null, bias: Nd | null, eps: number): Nd {
  const [N, C] = x.shape as [number, number];
  const spatial = sizeOf(x.shape.slice(2));
  const cg = C / groups;
  const out = new Nd(x.shape);
  for (let n = 0; n < N; n++)
    for (let g = 0; g < groups; g++) {
      const start = (n * C + g * cg) * spatial;
      const len = cg * spatial;
      const v = Array.from(x.data.subarray(start, start + len));
      const m = meanOf(v);
      const va = meanOf(v.map((t) => (t - m) ** 2));
      v.forEach((t, j) => {
        const c = g * cg + Math.floor(j / spatial);
        let y = (t - m) / Math.sqrt(va + eps);
        if (weight) y *= weight.data[c]!;
        if (bias) y += bias.data[c]!;
        out.data[start + j] = y;
      });
    }
  return out;
}

/** softmax(q k^T * scale + mask) v with torch's semantics for boolean (true = keep) and additive masks. */
export function sdpaRef(q: Nd, k: Nd, v: Nd, opts: { mask?: Nd | null; maskIsBool?: boolean; causal?: boolean; scale?: number }): Nd {
  const D = q.shape[q.rank - 1]!;
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  const kt = permuteRef(k, [...k.shape.keys()].map((i) => (i === k.rank - 2 ? k.rank - 1 : i === k.rank - 1 ? k.rank - 2 : i)));
  let s = map(matmulRef(q, kt), (t) => t * scale);
  const lq = q.shape[q.rank - 2]!;
  const lk = k.shape[k.rank - 2]!;
  if (opts.causal) {
    const causal = Nd.fromFn([lq, lk], ([i, j]) => +(j! <= i!));
    s = zip(s, causal, (t, keep) => (keep ? t : -Infinity));
  }
  if (opts.mask) s = opts.maskIsBool ? zip(s, opts.mask, (t, keep) => (keep ? t : -Infinity)) : zip(s, opts.mask, (t, m) => t + m);
  return matmulRef(alongAxis(s, -1, softmaxLine), v);
}

/** torch.nn.functional.cross_entropy for class-index targets ([N, ...] ints) or probability targets. */
export function crossEntropyRef(
  logits: Nd,
  target: Nd,
  opts: { probs: boolean; reduction: "mean" | "sum" | "none"; labelSmoothing: number; ignoreIndex?: number },
): Nd {
  const axis = logits.rank === 1 ? 0 : 1;
  const C = logits.shape[axis]!;
  const logp = alongAxis(logits, axis, logSoftmaxLine);
  const outShape = logits.shape.filter((_, i) => i !== axis);
  const eps = opts.labelSmoothing;
  let weightSum = 0;
  const losses = Nd.fromFn(outShape, (idx) => {
    const full = (c: number) => [...idx.slice(0, axis), c, ...idx.slice(axis)];
    if (opts.probs) {
      let l = 0;
      for (let c = 0; c < C; c++) l -= (target.get(full(c)) * (1 - eps) + eps / C) * logp.get(full(c));
      weightSum += 1;
      return l;
    }
    const t = target.get(idx);
    if (opts.ignoreIndex !== undefined && t === opts.ignoreIndex) return 0;
    weightSum += 1;
    let smooth = 0;
    for (let c = 0; c < C; c++) smooth -= logp.get(full(c));
    return (1 - eps) * -logp.get(full(t)) + (eps * smooth) / C;
  });
  if (opts.reduction === "none") return losses;
  const total = sumOf(Array.from(losses.data));
  return new Nd([], [opts.reduction === "sum" ? total : total / weightSum]);
}
