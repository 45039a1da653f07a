/**
 * Gradient cases: for every differentiable op, a generator of inputs (random shapes with size-1 and broadcast
 * dims, values in the op's smooth domain) and the function to differentiate. Used by the finite-difference
 * suite (CPU, float64) and by the device backward suite (each device in float32 against CPU float64).
 */
import fc from "fast-check";
import {
  abs,
  add,
  atan2,
  avgPool1d,
  avgPool2d,
  biasActivation,
  broadcastTensors,
  broadcastTo,
  cast,
  ceil,
  chunk,
  clamp,
  clone,
  concat,
  contiguous,
  conv2d,
  cos,
  crossEntropy,
  div,
  dropout,
  embedding,
  erf,
  exp,
  expand,
  expm1,
  flatten,
  flip,
  floor,
  fold,
  gather,
  gelu,
  geluDerivative,
  groupNorm,
  indexSelect,
  interpolate,
  layerNorm,
  linear,
  log,
  log1p,
  logSoftmax,
  logsumexp,
  maskedFill,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mseLoss,
  mul,
  narrow,
  neg,
  norm,
  pad,
  permute,
  pow,
  prod,
  quickGelu,
  quickGeluDerivative,
  randomKey,
  reciprocal,
  relu,
  repeat,
  reshape,
  round,
  rsqrt,
  scaledDotProductAttention,
  scatterAdd,
  sigmoid,
  sign,
  silu,
  siluDerivative,
  sin,
  slice,
  softmax,
  softplus,
  split,
  sqrt,
  square,
  squeeze,
  stack,
  std,
  sub,
  sum,
  take,
  tanh,
  tile,
  transpose,
  unfold,
  unsqueeze,
  variance,
  where,
  type SliceSpec,
  type Tensor,
} from "../src/index.js";
import { bools, broadcastableTo, FREE_LAYOUTS, floats, floatsAvoiding, genInput, layoutInput, randomNd, Rand, shapeArb, type Input, type ValueGen } from "./helpers.js";
import { alongAxis, Nd, sumOf } from "./reference.js";
import { normGrad } from "../src/ops/norm-grad.js";

/** A constant input of a gradient case (indices, masks, targets); "float" follows the dtype of the run. */
export interface ConstInput {
  ref: Nd;
  dtype: "int32" | "bool" | "float";
}

/** One instance of a gradient check: differentiable inputs, constants, and the function of both. */
export interface GradSpec {
  label: string;
  inputs: Input[];
  consts?: ConstInput[];
  f: (xs: Tensor[], cs: Tensor[]) => Tensor;
  /** Finite-difference step and tolerance overrides. */
  fd?: { h?: number; atol?: number; rtol?: number };
}

export interface GradCase {
  /** Title of the case. */
  name: string;
  /** Shapes the case draws from (the builder may ignore it). */
  shape?: fc.Arbitrary<number[]>;
  build: (shape: number[], r: Rand) => GradSpec;
  /** fast-check runs for the FD property (default 15). */
  runs?: number;
}

const free = (r: Rand) => r.pick(FREE_LAYOUTS);
const inp = (shape: readonly number[], r: Rand, gen: ValueGen = floats(-2, 2)) => genInput(shape, r, gen, free(r));
const positive = floats(0.3, 2.5);
/** Values at least 0.05 from the nearest integer and half-integer (kinks of floor/ceil/round). */
const offGrid = floatsAvoiding(-3, 3, (x) => Math.round(x * 2) / 2, 0.05);
const awayFromZero = floatsAvoiding(-2, 2, () => 0, 0.1);

function randomAxes(rank: number, r: Rand): number | number[] | undefined {
  if (rank === 0) return undefined;
  const k = r.int(0, 2);
  if (k === 0) return undefined;
  if (k === 1) return r.int(-rank, rank - 1);
  return r.subset([...Array(rank).keys()], 0.6);
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise.

const unaryCases: [string, (x: Tensor) => Tensor, ValueGen][] = [
  ["neg", neg, floats()],
  ["abs", abs, awayFromZero],
  ["sign", sign, awayFromZero],
  ["square", square, floats()],
  ["relu", relu, awayFromZero],
  ["exp", exp, floats(-3, 3)],
  ["expm1", expm1, floats(-3, 3)],
  ["log", log, positive],
  ["log1p", log1p, floats(-0.6, 3)],
  ["sqrt", sqrt, positive],
  ["rsqrt", rsqrt, positive],
  ["reciprocal", reciprocal, floatsAvoiding(-2, 2, () => 0, 0.3)],
  ["sin", sin, floats(-4, 4)],
  ["cos", cos, floats(-4, 4)],
  ["tanh", tanh, floats(-3, 3)],
  ["sigmoid", sigmoid, floats(-5, 5)],
  ["erf", erf, floats(-2.5, 2.5)],
  ["gelu", (x) => gelu(x), floats(-4, 4)],
  ["gelu (tanh)", (x) => gelu(x, { approximate: "tanh" }), floats(-4, 4)],
  ["quickGelu", quickGelu, floats(-4, 4)],
  ["silu", silu, floats(-4, 4)],
  ["geluDerivative", geluDerivative, floats(-4, 4)],
  ["quickGeluDerivative", quickGeluDerivative, floats(-4, 4)],
  ["siluDerivative", siluDerivative, floats(-4, 4)],
  ["softplus", softplus, (r) => (r.bool(0.2) ? r.uniform(20.5, 24) : r.uniform(-5, 5))],
  ["floor", floor, offGrid],
  ["ceil", ceil, offGrid],
  ["round", round, offGrid],
];

const binaryCases: [string, (a: Tensor, b: Tensor) => Tensor, ValueGen, ValueGen][] = [
  ["add", add, floats(), floats()],
  ["sub", sub, floats(), floats()],
  ["mul", mul, floats(), floats()],
  ["div", div, floats(), floatsAvoiding(-2, 2, () => 0, 0.3)],
  ["pow", pow, positive, floats(-2, 2)],
  ["maximum", maximum, floats(), floats()],
  ["minimum", minimum, floats(), floats()],
  ["atan2", atan2, floatsAvoiding(-2, 2, () => 0, 0.3), floatsAvoiding(-2, 2, () => 0, 0.3)],
];

export const ELEMENTWISE_CASES: GradCase[] = [
  ...unaryCases.map(([name, fn, gen]): GradCase => ({
    name,
    shape: shapeArb(0, 3, 3),
    build: (shape, r) => ({ label: `${name} [${shape}]`, inputs: [inp(shape, r, gen)], f: ([x]) => fn(x!) }),
  })),
  ...binaryCases.map(([name, fn, ga, gb]): GradCase => ({
    name: `${name} (broadcasting)`,
    shape: shapeArb(0, 3, 3),
    build: (shape, r) => {
      const a = inp(broadcastableTo(shape, r), r, ga);
      const b = inp(broadcastableTo(shape, r), r, gb);
      return { label: `${name} [${a.ref.shape}] [${b.ref.shape}]`, inputs: [a, b], f: ([x, y]) => fn(x!, y!) };
    },
  })),
  {
    name: "pow and div with a number operand",
    shape: shapeArb(0, 3, 3),
    build: (shape, r) => {
      const e = r.pick([2, 3, 0.5, -1.5]);
      return {
        label: `x^${e}, 2^x, 1/x [${shape}]`,
        inputs: [inp(shape, r, positive)],
        f: ([x]) => add(add(pow(x!, e), pow(2, x!)), div(1, x!)),
      };
    },
  },
  {
    name: "where (broadcast condition and branches, number branch)",
    shape: shapeArb(0, 3, 3),
    build: (shape, r) => {
      const c = randomNd(broadcastableTo(shape, r), r, bools);
      const a = inp(broadcastableTo(shape, r), r);
      const b = inp(broadcastableTo(shape, r), r);
      return {
        label: `where [${c.shape}] [${a.ref.shape}] [${b.ref.shape}]`,
        inputs: [a, b],
        consts: [{ ref: c, dtype: "bool" }],
        f: ([x, y], [cc]) => add(where(cc!, x!, y!), where(cc!, 0.5, mul(x!, y!))),
      };
    },
  },
  {
    name: "clamp (min, max, both; values away from the bounds)",
    shape: shapeArb(0, 3, 3),
    build: (shape, r) => {
      const lo = r.bool(0.3) ? null : -0.5;
      const hi = r.bool(0.3) ? null : 0.75;
      const gen = floatsAvoiding(-2, 2, (x) => (Math.abs(x + 0.5) < Math.abs(x - 0.75) ? -0.5 : 0.75), 0.05);
      return { label: `clamp [${shape}] [${lo}, ${hi}]`, inputs: [inp(shape, r, gen)], f: ([x]) => clamp(x!, lo ?? (hi === null ? -0.5 : null), hi) };
    },
  },
  {
    name: "cast (to float32 and back; through int32 the gradient stops)",
    shape: shapeArb(0, 3, 3),
    build: (shape, r) => ({
      label: `cast [${shape}]`,
      inputs: [inp(shape, r, offGrid)],
      f: ([x]) => add(cast(cast(x!, "float32"), x!.dtype), mul(cast(cast(x!, "int32"), x!.dtype), x!)),
      // float32 rounding makes the function a staircase at the 1e-7 scale: use a larger step
      fd: { h: 1e-3, rtol: 1e-3, atol: 1e-4 },
    }),
  },
];

// ---------------------------------------------------------------------------------------------------------
// Reductions.

export const REDUCE_CASES: GradCase[] = [
  ...(
    [
      ["sum", (x, a, k) => sum(x, a, { keepdim: k }), floats()],
      ["mean", (x, a, k) => mean(x, a, { keepdim: k }), floats()],
      ["prod", (x, a, k) => prod(x, a, { keepdim: k }), (r) => (r.bool() ? 1 : -1) * r.uniform(0.5, 1.5)],
      ["prod (with zeros)", (x, a, k) => prod(x, a, { keepdim: k }), (r) => (r.bool(0.3) ? 0 : r.uniform(-1.5, 1.5))],
      ["max", (x, a, k) => max(x, a, { keepdim: k }), floats()],
      ["min", (x, a, k) => min(x, a, { keepdim: k }), floats()],
      ["logsumexp", (x, a, k) => logsumexp(x, a, { keepdim: k }), floats(-3, 3)],
      ["var (correction 1)", (x, a, k) => variance(x, a, { keepdim: k }), floats()],
      ["var (correction 0)", (x, a, k) => variance(x, a, { keepdim: k, correction: 0 }), floats()],
      ["std", (x, a, k) => std(x, a, { keepdim: k, correction: 0 }), floats()],
      ["norm (p = 2)", (x, a, k) => norm(x, 2, a, { keepdim: k }), floats()],
      ["norm (p = 1)", (x, a, k) => norm(x, 1, a, { keepdim: k }), awayFromZero],
      ["norm (p = 3)", (x, a, k) => norm(x, 3, a, { keepdim: k }), awayFromZero],
      ["norm (p = inf)", (x, a, k) => norm(x, Infinity, a, { keepdim: k }), awayFromZero],
    ] as [string, (x: Tensor, a: number | number[] | undefined, k: boolean) => Tensor, ValueGen][]
  ).map(
    ([name, fn, gen]): GradCase => ({
      name,
      shape: shapeArb(0, 3, 3),
      build: (shape, r) => {
        const keepdim = r.bool();
        // std of one element has an infinite derivative, and var with correction 1 of one element is NaN: these
        // reduce over a new dim of 2 (and maybe others)
        const two = name === "std" || name === "var (correction 1)";
        const s = two ? [...shape, 2] : shape;
        const axes = two ? [s.length - 1, ...r.subset([...shape.keys()])] : randomAxes(s.length, r);
        return { label: `${name} [${s}] axes ${JSON.stringify(axes)} keepdim ${keepdim}`, inputs: [inp(s, r, gen)], f: ([x]) => fn(x!, axes, keepdim) };
      },
    }),
  ),
];

// ---------------------------------------------------------------------------------------------------------
// Shape ops.

export const SHAPE_CASES: GradCase[] = [
  {
    name: "reshape, permute, transpose, flatten, squeeze, unsqueeze, contiguous, clone",
    shape: shapeArb(1, 4, 3),
    build: (shape, r) => {
      const perm = r.shuffle([...shape.keys()]);
      return {
        label: `views of [${shape}] perm [${perm}]`,
        inputs: [inp(shape, r)],
        f: ([x]) => {
          const p = permute(x!, perm);
          const t = transpose(contiguous(p), 0, -1);
          const f2 = unsqueeze(flatten(squeeze(clone(t))), 0);
          return add(reshape(f2, [-1]), mul(reshape(t, [-1]), 2));
        },
      };
    },
  },
  {
    name: "expand, broadcastTo, broadcastTensors",
    shape: shapeArb(0, 3, 3),
    build: (shape, r) => {
      const a = inp(broadcastableTo(shape, r), r);
      const b = inp(broadcastableTo(shape, r), r);
      return {
        label: `broadcast [${a.ref.shape}] [${b.ref.shape}] -> [${shape}]`,
        inputs: [a, b],
        f: ([x, y]) => {
          const [bx, by] = broadcastTensors(x!, y!);
          const full = [2, ...bx!.shape];
          return add(mul(expand(bx!, full), 1.5), broadcastTo(mul(by!, bx!), full));
        },
      };
    },
  },
  {
    name: "slice with steps (negative too) and integer indices, narrow, flip",
    shape: shapeArb(1, 3, 5),
    build: (shape, r) => {
      const specs: SliceSpec[] = shape.map((n) => {
        const k = r.int(0, 4);
        if (k === 0) return null;
        if (k === 1) return r.int(-n, n - 1);
        return [r.bool(0.3) ? null : r.int(-n, n), r.bool(0.3) ? null : r.int(-n - 1, n + 1), r.pick([1, 2, -1, -2, 3])] as const;
      });
      const ax = r.int(0, shape.length - 1);
      const st = r.int(0, shape[ax]! - 1);
      const len = r.int(1, shape[ax]! - st);
      return {
        label: `slice [${shape}] ${JSON.stringify(specs)}; narrow ${ax} ${st}+${len}; flip`,
        inputs: [inp(shape, r)],
        f: ([x]) => {
          const s = slice(x!, specs);
          const n = narrow(flip(x!, [ax]), ax, st, len);
          return concat([reshape(s, [-1]), reshape(mul(n, 3), [-1])]);
        },
      };
    },
  },
  {
    name: "pad (constant, negative crops)",
    shape: shapeArb(1, 3, 4),
    build: (shape, r) => {
      const k = r.int(1, shape.length);
      const pads: [number, number][] = [];
      for (let i = 0; i < k; i++) {
        const n = shape[shape.length - 1 - i]!;
        const b = r.int(-(n - 1), 2);
        pads.push([b, r.int(-(n - 1 - Math.max(0, -b)), 2)]);
      }
      return { label: `pad [${shape}] ${JSON.stringify(pads)}`, inputs: [inp(shape, r)], f: ([x]) => pad(x!, pads, 0.5) };
    },
  },
  {
    name: "concat and stack of several inputs",
    shape: shapeArb(1, 3, 3),
    build: (shape, r) => {
      const axis = r.int(0, shape.length - 1);
      const k = r.int(1, 3);
      const ins = Array.from({ length: k }, () => {
        const s = [...shape];
        s[axis] = r.int(1, 3);
        return inp(s, r);
      });
      const same = Array.from({ length: 2 }, () => inp(shape, r));
      const sAxis = r.int(-(shape.length + 1), shape.length);
      return {
        label: `concat ${k} along ${axis}; stack along ${sAxis}`,
        inputs: [...ins, ...same],
        f: (xs) => add(sum(mul(concat(xs.slice(0, k), axis), 1.25)), reshape(stack(xs.slice(k), sAxis), [-1])),
      };
    },
  },
  {
    name: "split and chunk",
    shape: shapeArb(1, 3, 5),
    build: (shape, r) => {
      const axis = r.int(0, shape.length - 1);
      const n = shape[axis]!;
      const s = r.int(1, n);
      const chunks = r.int(1, 4);
      return {
        label: `split [${shape}] by ${s} and chunk ${chunks} along ${axis}`,
        inputs: [inp(shape, r)],
        f: ([x]) => {
          const a = split(x!, s, axis).map((p, i) => reshape(mul(p, i + 1), [-1]));
          const b = chunk(x!, chunks, axis).map((p, i) => reshape(mul(square(p), i + 2), [-1]));
          return concat([...a, ...b]);
        },
      };
    },
  },
  {
    name: "repeat and tile",
    shape: shapeArb(0, 3, 3),
    build: (shape, r) => {
      const reps = [...Array.from({ length: r.int(0, 1) }, () => r.int(1, 2)), ...shape.map(() => r.int(1, 3))];
      const treps = Array.from({ length: r.int(1, shape.length + 1) }, () => r.int(1, 2));
      return {
        label: `repeat [${shape}] [${reps}], tile [${treps}]`,
        inputs: [inp(shape, r)],
        f: ([x]) => concat([reshape(repeat(x!, reps), [-1]), reshape(tile(square(x!), treps), [-1])]),
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Indexing.

export const INDEXING_CASES: GradCase[] = [
  {
    name: "gather (repeated indices)",
    shape: shapeArb(1, 3, 4),
    build: (shape, r) => {
      const axis = r.int(0, shape.length - 1);
      const ishape = shape.map((d, i) => (i === axis ? r.int(1, 4) : r.int(1, d)));
      const index = randomNd(ishape, r, (rr) => rr.int(0, shape[axis]! - 1));
      return { label: `gather [${shape}] axis ${axis} index [${ishape}]`, inputs: [inp(shape, r)], consts: [{ ref: index, dtype: "int32" }], f: ([x], [i]) => gather(x!, axis, i!) };
    },
  },
  {
    name: "scatterAdd (base and src)",
    shape: shapeArb(1, 3, 4),
    build: (shape, r) => {
      const axis = r.int(0, shape.length - 1);
      const ishape = shape.map((d, i) => (i === axis ? r.int(1, 4) : r.int(1, d)));
      const index = randomNd(ishape, r, (rr) => rr.int(0, shape[axis]! - 1));
      return {
        label: `scatterAdd [${shape}] axis ${axis} index [${ishape}]`,
        inputs: [inp(shape, r), inp(ishape, r)],
        consts: [{ ref: index, dtype: "int32" }],
        f: ([b, s], [i]) => scatterAdd(square(b!), axis, i!, s!),
      };
    },
  },
  {
    name: "indexSelect, take, embedding",
    shape: shapeArb(1, 3, 4),
    build: (shape, r) => {
      const axis = r.int(0, shape.length - 1);
      const idx = randomNd([r.int(1, 5)], r, (rr) => rr.int(0, shape[axis]! - 1));
      const tidx = randomNd(Array.from({ length: r.int(0, 2) }, () => r.int(1, 3)), r, (rr) => rr.int(0, shape[axis]! - 1));
      const [V, D] = [r.int(1, 4), r.int(1, 3)];
      const ids = randomNd([r.int(1, 3), r.int(1, 3)], r, (rr) => rr.int(0, V - 1));
      return {
        label: `indexSelect/take [${shape}] axis ${axis}; embedding [${V},${D}]`,
        inputs: [inp(shape, r), inp([V, D], r)],
        consts: [
          { ref: idx, dtype: "int32" },
          { ref: tidx, dtype: "int32" },
          { ref: ids, dtype: "int32" },
        ],
        f: ([x, w], [i, t, e]) => concat([reshape(indexSelect(x!, axis, i!), [-1]), reshape(take(square(x!), t!, axis), [-1]), reshape(embedding(w!, e!), [-1])]),
      };
    },
  },
  {
    name: "maskedFill",
    shape: shapeArb(0, 3, 3),
    build: (shape, r) => {
      const m = randomNd(broadcastableTo(shape, r), r, bools);
      return { label: `maskedFill [${shape}] mask [${m.shape}]`, inputs: [inp(shape, r)], consts: [{ ref: m, dtype: "bool" }], f: ([x], [mm]) => maskedFill(x!, mm!, -3) };
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Linear algebra, convolution, nn.

function geometry(r: Rand, H: number, W: number) {
  for (;;) {
    const k: [number, number] = [r.int(1, 3), r.int(1, 3)];
    const s: [number, number] = [r.int(1, 2), r.int(1, 2)];
    const p: [number, number] = [r.int(0, 1), r.int(0, 1)];
    const d: [number, number] = [r.int(1, 2), r.int(1, 2)];
    if ([0, 1].every((i) => (i ? W : H) + 2 * p[i]! - d[i]! * (k[i]! - 1) - 1 >= 0)) return { kernel: k, stride: s, padding: p, dilation: d };
  }
}

export const NN_CASES: GradCase[] = [
  {
    name: "matmul (batched, broadcast, 1-D, transposed operands)",
    build: (_s, r) => {
      const [m, k, n] = [r.int(1, 3), r.int(1, 4), r.int(1, 3)];
      const kind = r.int(0, 4);
      const batch = [r.int(1, 2), r.int(1, 3)];
      let sa: number[], sb: number[];
      if (kind === 0) [sa, sb] = [[k], [k]];
      else if (kind === 1) [sa, sb] = [[k], [...batch, k, n]];
      else if (kind === 2) [sa, sb] = [[...batch, m, k], [k]];
      else [sa, sb] = [[...broadcastableTo(batch, r, 0.5), m, k], [...broadcastableTo(batch, r, 0.5), k, n]];
      const transB = kind >= 3 && r.bool();
      const a = inp(sa, r);
      const b = transB ? inp([...sb.slice(0, -2), n, k], r) : inp(sb, r);
      return { label: `matmul [${sa}] @ [${sb}]${transB ? " (b given transposed)" : ""}`, inputs: [a, b], f: ([x, y]) => matmul(x!, transB ? transpose(y!) : y!) };
    },
    runs: 20,
  },
  {
    name: "linear",
    build: (_s, r) => {
      const lead = Array.from({ length: r.int(0, 2) }, () => r.int(1, 3));
      const [fi, fo] = [r.int(1, 4), r.int(1, 3)];
      return { label: `linear [${lead},${fi}] -> ${fo}`, inputs: [inp([...lead, fi], r), inp([fo, fi], r), inp([fo], r)], f: ([x, w, b]) => linear(x!, w!, b!) };
    },
  },
  {
    name: "conv2d (stride, padding, dilation, groups, bias)",
    build: (_s, r) => {
      const groups = r.int(1, 2);
      const [N, cg, og, H, W] = [r.int(1, 2), r.int(1, 2), r.int(1, 2), r.int(2, 5), r.int(2, 5)];
      const g = geometry(r, H, W);
      const bias = r.bool();
      return {
        label: `conv2d [${N},${groups * cg},${H},${W}] w [${groups * og},${cg},${g.kernel}] ${JSON.stringify(g)} groups ${groups}`,
        inputs: [inp([N, groups * cg, H, W], r), inp([groups * og, cg, ...g.kernel], r), ...(bias ? [inp([groups * og], r)] : [])],
        f: ([x, w, b]) => conv2d(x!, w!, b ?? null, { ...g, groups }),
      };
    },
    runs: 15,
  },
  {
    name: "unfold and fold",
    build: (_s, r) => {
      const [N, C, H, W] = [r.int(1, 2), r.int(1, 2), r.int(2, 5), r.int(2, 5)];
      const g = geometry(r, H, W);
      const L = (Math.floor((H + 2 * g.padding[0] - g.dilation[0] * (g.kernel[0] - 1) - 1) / g.stride[0]) + 1) * (Math.floor((W + 2 * g.padding[1] - g.dilation[1] * (g.kernel[1] - 1) - 1) / g.stride[1]) + 1);
      return {
        label: `unfold/fold [${N},${C},${H},${W}] ${JSON.stringify(g)}`,
        inputs: [inp([N, C, H, W], r), inp([N, C * g.kernel[0] * g.kernel[1], L], r)],
        f: ([x, c]) => concat([reshape(unfold(x!, g.kernel, g), [-1]), reshape(fold(square(c!), [H, W], g.kernel, g), [-1])]),
      };
    },
  },
  {
    name: "avgPool2d and avgPool1d",
    build: (_s, r) => {
      const [N, C, H, W] = [r.int(1, 2), r.int(1, 2), r.int(2, 5), r.int(2, 5)];
      const k: [number, number] = [r.int(1, 2), r.int(1, Math.min(3, W))];
      const p: [number, number] = [r.int(0, Math.floor(k[0] / 2)), r.int(0, Math.floor(k[1] / 2))];
      const s: [number, number] = [r.int(1, 2), r.int(1, 2)];
      const cip = r.bool();
      return {
        label: `avgPool [${N},${C},${H},${W}] k ${k} s ${s} p ${p} countIncludePad ${cip}`,
        inputs: [inp([N, C, H, W], r), inp([N, C, W], r)],
        f: ([x, y]) =>
          concat([reshape(avgPool2d(x!, k, { stride: s, padding: p, countIncludePad: cip }), [-1]), reshape(avgPool1d(y!, k[1], { stride: s[1], padding: p[1], countIncludePad: cip }), [-1])]),
      };
    },
  },
  {
    name: "interpolate (nearest, bilinear)",
    build: (_s, r) => {
      const [N, C, H, W] = [r.int(1, 2), r.int(1, 2), r.int(1, 4), r.int(1, 4)];
      const size: [number, number] = [r.int(1, 6), r.int(1, 6)];
      const mode = r.pick(["nearest", "bilinear"] as const);
      const alignCorners = mode === "bilinear" && r.bool();
      return { label: `interpolate [${H},${W}] -> [${size}] ${mode} align ${alignCorners}`, inputs: [inp([N, C, H, W], r)], f: ([x]) => interpolate(x!, { size, mode, alignCorners }) };
    },
  },
  {
    name: "softmax and logSoftmax",
    shape: shapeArb(1, 3, 4),
    build: (shape, r) => {
      const axis = r.int(-shape.length, shape.length - 1);
      return { label: `softmax/logSoftmax [${shape}] axis ${axis}`, inputs: [inp(shape, r, floats(-3, 3))], f: ([x]) => concat([reshape(softmax(x!, axis), [-1]), reshape(logSoftmax(x!, axis), [-1])]) };
    },
  },
  {
    name: "layerNorm (with weight and bias)",
    shape: shapeArb(1, 3, 4),
    build: (shape, r) => {
      const k = r.int(1, shape.length);
      const ns = shape.slice(shape.length - k);
      const s = ns.reduce((a, b) => a * b, 1) < 2 ? [...shape, 2] : shape;
      const nsz = s.slice(s.length - k);
      return { label: `layerNorm [${s}] over [${nsz}]`, inputs: [inp(s, r), inp(nsz, r), inp(nsz, r)], f: ([x, w, b]) => layerNorm(x!, nsz, w!, b!, 1e-3) };
    },
  },
  {
    name: "layerNorm (no affine, weight only, bias only; options form)",
    shape: shapeArb(1, 3, 4),
    build: (shape, r) => {
      const s = shape.reduce((a, b) => a * b, 1) < 2 ? [...shape, 2] : shape;
      const nsz = s.slice(s.length - 1);
      const kind = r.pick(["none", "weight", "bias"] as const);
      const params = kind === "none" ? [] : [inp(nsz, r)];
      return {
        label: `layerNorm [${s}] over [${nsz}] ${kind}`,
        inputs: [inp(s, r), ...params],
        f: ([x, p]) => layerNorm(x!, nsz, { weight: kind === "weight" ? p! : null, bias: kind === "bias" ? p! : null, eps: 1e-3 }),
      };
    },
  },
  {
    name: "groupNorm with fused SiLU (options form, with and without affine)",
    build: (_s, r) => {
      const groups = r.int(1, 2);
      const C = groups * r.int(1, 2);
      const shape = [r.int(1, 2), C, ...Array.from({ length: r.int(0, 2) }, () => r.int(1, 3))];
      if (shape.slice(2).reduce((a, b) => a * b, C / groups) < 2) shape.push(2);
      const affine = r.bool(0.7);
      return {
        label: `groupNorm+silu [${shape}] groups ${groups} affine ${affine}`,
        inputs: [inp(shape, r), ...(affine ? [inp([C], r), inp([C], r)] : [])],
        f: ([x, w, b]) => groupNorm(x!, groups, { weight: w ?? null, bias: b ?? null, eps: 1e-3, activation: "silu" }),
      };
    },
  },
  {
    name: "normGrad (the fused norm backward; its VJP in x and g)",
    shape: shapeArb(1, 3, 4),
    build: (shape, r) => {
      const s = shape[shape.length - 1]! < 2 ? [...shape, 2] : shape;
      return { label: `normGrad [${s}]`, inputs: [inp(s, r), inp(s, r)], f: ([x, g]) => normGrad(x!, g!, 1e-3) };
    },
  },
  {
    name: "biasActivation (every activation) and linear with an activation",
    shape: shapeArb(1, 3, 4),
    build: (shape, r) => {
      const act = r.pick(["none", "relu", "gelu", "geluTanh", "quickGelu", "silu"] as const);
      const n = shape[shape.length - 1]!;
      // relu: keep x + b away from its kink
      const x = inp(shape, r, act === "relu" ? awayFromZero : floats(-3, 3));
      const b = inp([n], r, act === "relu" ? floats(-0.04, 0.04) : floats());
      const [fi, fo] = [r.int(1, 3), r.int(1, 3)];
      const lx = inp([r.int(1, 3), fi], r, floats(-1, 1));
      const w = inp([fo, fi], r, floats(-1, 1));
      const lb = inp([fo], r, floats(-1, 1));
      const lact = act === "relu" ? "silu" : act;
      return {
        label: `biasActivation [${shape}] ${act}; linear [${lx.ref.shape}] -> ${fo} ${lact}`,
        inputs: [x, b, lx, w, lb],
        f: ([xx, bb, l, ww, lbb]) => concat([reshape(biasActivation(xx!, bb!, act), [-1]), reshape(linear(l!, ww!, lbb!, { activation: lact }), [-1])]),
      };
    },
    runs: 25,
  },
  {
    name: "scaledDotProductAttention (differentiable additive mask, longer sequences)",
    build: (_s, r) => {
      const [Lq, Lk, D, Dv] = [r.int(1, 6), r.int(1, 6), r.int(1, 3), r.int(1, 3)];
      const causal = r.bool(0.3);
      return {
        label: `sdpa [${Lq},${D}] k [${Lk}] v [${Dv}] additive mask input causal ${causal}`,
        inputs: [inp([2, Lq, D], r), inp([1, Lk, D], r), inp([1, Lk, Dv], r), inp([Lq, Lk], r, floats(-1, 0))],
        f: ([q, k, v, m]) => scaledDotProductAttention(q!, k!, v!, { mask: m!, isCausal: causal, scale: 0.7 }),
      };
    },
    runs: 10,
  },
  {
    name: "groupNorm",
    build: (_s, r) => {
      const groups = r.int(1, 2);
      const C = groups * r.int(1, 2);
      const shape = [r.int(1, 2), C, r.int(1, 3), r.int(2, 3)];
      return { label: `groupNorm [${shape}] groups ${groups}`, inputs: [inp(shape, r), inp([C], r), inp([C], r)], f: ([x, w, b]) => groupNorm(x!, groups, w!, b!, 1e-3) };
    },
  },
  {
    name: "scaledDotProductAttention (bool or additive mask, causal)",
    build: (_s, r) => {
      const batch = Array.from({ length: r.int(0, 2) }, () => r.int(1, 2));
      const [Lq, Lk, D, Dv] = [r.int(1, 3), r.int(1, 3), r.int(1, 3), r.int(1, 3)];
      const kind = r.pick(["none", "bool", "float"] as const);
      const causal = r.bool(0.4);
      const mshape = broadcastableTo([...batch, Lq, Lk], r, 0.4);
      const mask = randomNd(mshape, r, kind === "bool" ? bools : floats(-1, 0));
      if (kind === "bool") for (let i = 0; i < mask.size; i += mshape[mshape.length - 1] ?? 1) mask.data[i] = 1;
      return {
        label: `sdpa q [${batch},${Lq},${D}] k/v [${Lk}] mask ${kind} [${mshape}] causal ${causal}`,
        inputs: [inp([...batch, Lq, D], r), inp([...batch, Lk, D], r), inp([...batch, Lk, Dv], r)],
        consts: kind === "none" ? [] : [{ ref: mask, dtype: kind === "bool" ? "bool" : "float" }],
        f: ([q, k, v], [m]) => scaledDotProductAttention(q!, k!, v!, { mask: m ?? null, isCausal: causal }),
      };
    },
    runs: 15,
  },
  {
    name: "crossEntropy (class indices with smoothing and ignoreIndex; probability targets)",
    build: (_s, r) => {
      const rank = r.int(1, 3);
      const C = r.int(2, 4);
      const shape = rank === 1 ? [C] : [r.int(1, 3), C, ...Array.from({ length: rank - 2 }, () => r.int(1, 2))];
      const axis = rank === 1 ? 0 : 1;
      const reduction = r.pick(["mean", "sum", "none"] as const);
      const labelSmoothing = r.pick([0, 0.2]);
      if (r.bool()) {
        const raw = randomNd(shape, r, floats(0.1, 1));
        const probs = alongAxis(raw, axis, (l) => l.map((v) => v / sumOf(l)));
        return {
          label: `crossEntropy probs [${shape}] ${reduction} smoothing ${labelSmoothing}`,
          inputs: [inp(shape, r), layoutInput(probs, r, "contiguous")],
          f: ([l, t]) => crossEntropy(l!, t!, { reduction, labelSmoothing }),
        };
      }
      const tshape = shape.filter((_, i) => i !== axis);
      const ignoreIndex = r.bool() ? -100 : undefined;
      const target = randomNd(tshape, r, (rr) => (ignoreIndex !== undefined && rr.bool(0.3) ? ignoreIndex : rr.int(0, C - 1)));
      if (ignoreIndex !== undefined) target.data[0] = 0; // at least one counts
      return {
        label: `crossEntropy indices [${shape}] ${reduction} smoothing ${labelSmoothing} ignore ${ignoreIndex}`,
        inputs: [inp(shape, r)],
        consts: [{ ref: target, dtype: "int32" }],
        f: ([l], [t]) => crossEntropy(l!, t!, { reduction, labelSmoothing, ignoreIndex }),
      };
    },
    runs: 20,
  },
  {
    name: "mseLoss",
    shape: shapeArb(0, 3, 3),
    build: (shape, r) => {
      const reduction = r.pick(["mean", "sum", "none"] as const);
      return { label: `mseLoss [${shape}] ${reduction}`, inputs: [inp(shape, r), inp(shape, r)], f: ([a, b]) => mseLoss(a!, b!, reduction) };
    },
  },
  {
    name: "dropout (a fixed key)",
    shape: shapeArb(1, 3, 4),
    build: (shape, r) => {
      const key = randomKey(r.int(0, 1000));
      const p = r.pick([0, 0.3, 0.6]);
      return { label: `dropout [${shape}] p ${p}`, inputs: [inp(shape, r)], f: ([x]) => dropout(x!, p, key) };
    },
  },
];

export const ALL_GRAD_CASES: GradCase[] = [...ELEMENTWISE_CASES, ...REDUCE_CASES, ...SHAPE_CASES, ...INDEXING_CASES, ...NN_CASES];
