/**
 * Forward cases for every kernel of @diva/tensor, run through the public ops with shapes large enough to
 * span many workgroups, strided and broadcast views, int32 and bool where the kernel takes them. The
 * mapped type makes a kernel without a case a compile error.
 */
import * as T from "@diva/tensor";
import type { KernelName, Tensor, UnaryOpName, BinaryOpName } from "@diva/tensor";
import { TOL, type Tol } from "./compare.js";
import type { Maker } from "./maker.js";

/** One comparison: build inputs with the maker, run ops, return the outputs to compare. */
export interface OpCase {
  readonly label: string;
  readonly run: (mk: Maker) => Tensor | readonly Tensor[];
  readonly tol: Tol;
}

type Unary = (x: Tensor) => Tensor;
type Binary = (a: Tensor, b: Tensor) => Tensor;
const ops = T as unknown as Record<string, Unary & Binary>;

/** The public function of a unary kernel (`geluTanh` is `gelu` with the tanh approximation). */
function unaryFn(name: UnaryOpName): Unary {
  return name === "geluTanh" ? (x) => T.gelu(x, { approximate: "tanh" }) : ops[name]!;
}

/** Input range and tolerance of each unary kernel. */
const UNARY_DOMAIN: { readonly [K in UnaryOpName]: { lo: number; hi: number; tol: Tol; ints?: boolean; nan?: boolean } } = {
  neg: { lo: -4, hi: 4, tol: TOL.exact, ints: true },
  abs: { lo: -4, hi: 4, tol: TOL.exact, ints: true },
  sign: { lo: -4, hi: 4, tol: TOL.exact, ints: true },
  square: { lo: -4, hi: 4, tol: TOL.basic, ints: true },
  relu: { lo: -4, hi: 4, tol: TOL.exact, ints: true },
  exp: { lo: -10, hi: 10, tol: TOL.transcendental },
  expm1: { lo: -3, hi: 3, tol: TOL.transcendental },
  log: { lo: 1e-3, hi: 100, tol: TOL.transcendental },
  log1p: { lo: -0.9, hi: 10, tol: TOL.transcendental },
  sqrt: { lo: 0, hi: 100, tol: TOL.basic },
  rsqrt: { lo: 1e-2, hi: 100, tol: TOL.transcendental },
  reciprocal: { lo: 0.05, hi: 20, tol: TOL.basic },
  sin: { lo: -10, hi: 10, tol: TOL.transcendental },
  cos: { lo: -10, hi: 10, tol: TOL.transcendental },
  tanh: { lo: -6, hi: 6, tol: TOL.transcendental },
  sigmoid: { lo: -12, hi: 12, tol: TOL.transcendental },
  erf: { lo: -4, hi: 4, tol: TOL.transcendental },
  gelu: { lo: -6, hi: 6, tol: TOL.transcendental },
  geluTanh: { lo: -6, hi: 6, tol: TOL.transcendental },
  quickGelu: { lo: -6, hi: 6, tol: TOL.transcendental },
  silu: { lo: -8, hi: 8, tol: TOL.transcendental },
  geluDerivative: { lo: -6, hi: 6, tol: TOL.transcendental },
  quickGeluDerivative: { lo: -6, hi: 6, tol: TOL.transcendental },
  siluDerivative: { lo: -8, hi: 8, tol: TOL.transcendental },
  softplus: { lo: -30, hi: 30, tol: TOL.transcendental },
  floor: { lo: -50, hi: 50, tol: TOL.exact, ints: true },
  ceil: { lo: -50, hi: 50, tol: TOL.exact, ints: true },
  round: { lo: -50, hi: 50, tol: TOL.exact },
  logicalNot: { lo: -1, hi: 1, tol: TOL.exact, nan: true },
  isnan: { lo: -1, hi: 1, tol: TOL.exact, nan: true },
};

/** Operand ranges and tolerance of each binary kernel (b's range; a is in [-4, 4] unless given). */
const BINARY_DOMAIN: { readonly [K in BinaryOpName]: { a?: [number, number]; b: [number, number]; tol: Tol; ints?: boolean; quantum?: number; bools?: boolean } } = {
  add: { b: [-4, 4], tol: TOL.basic, ints: true },
  sub: { b: [-4, 4], tol: TOL.basic, ints: true },
  mul: { b: [-4, 4], tol: TOL.basic, ints: true },
  div: { b: [0.25, 4], tol: TOL.basic },
  pow: { a: [0.05, 4], b: [-3, 3], tol: TOL.transcendental },
  atan2: { a: [-4, 4], b: [-4, 4], tol: TOL.transcendental },
  maximum: { b: [-4, 4], tol: TOL.exact, ints: true },
  minimum: { b: [-4, 4], tol: TOL.exact, ints: true },
  eq: { b: [-2, 2], tol: TOL.exact, quantum: 2, ints: true },
  ne: { b: [-2, 2], tol: TOL.exact, quantum: 2 },
  lt: { b: [-2, 2], tol: TOL.exact, quantum: 2, ints: true },
  le: { b: [-2, 2], tol: TOL.exact, quantum: 2 },
  gt: { b: [-2, 2], tol: TOL.exact, quantum: 2 },
  ge: { b: [-2, 2], tol: TOL.exact, quantum: 2 },
  logicalAnd: { b: [0, 1], tol: TOL.exact, bools: true },
  logicalOr: { b: [0, 1], tol: TOL.exact, bools: true },
  logicalXor: { b: [0, 1], tol: TOL.exact, bools: true },
};

function unaryCases(name: UnaryOpName): OpCase[] {
  const d = UNARY_DOMAIN[name];
  const f = unaryFn(name);
  const opts = d.nan ? { nanEvery: 5, quantum: 2 } : {};
  const cases: OpCase[] = [
    { label: "[193,257]", tol: d.tol, run: (mk) => f(mk.floats([193, 257], d.lo, d.hi, opts)) },
    { label: "transposed view of [257,193]", tol: d.tol, run: (mk) => f(T.transpose(mk.floats([257, 193], d.lo, d.hi, opts))) },
  ];
  if (d.ints) cases.push({ label: "int32 [1000,33]", tol: TOL.exact, run: (mk) => f(mk.ints([1000, 33], -50, 50)) });
  return cases;
}

function binaryCases(name: BinaryOpName): OpCase[] {
  const d = BINARY_DOMAIN[name];
  const f = ops[name]!;
  const [alo, ahi] = d.a ?? [-4, 4];
  const q = d.quantum ? { quantum: d.quantum } : {};
  if (d.bools) {
    return [{ label: "bool [129,1,67] x [1,97,67]", tol: d.tol, run: (mk) => f(mk.bools([129, 1, 67]), mk.bools([1, 97, 67])) }];
  }
  const cases: OpCase[] = [
    {
      label: "broadcast [129,1,67] x [1,97,67]",
      tol: d.tol,
      run: (mk) => f(mk.floats([129, 1, 67], alo, ahi, q), mk.floats([1, 97, 67], d.b[0], d.b[1], q)),
    },
    {
      label: "strided: sliced [300,80] x transposed [40,300]",
      tol: d.tol,
      run: (mk) => f(T.slice(mk.floats([300, 160], alo, ahi, q), [null, [0, 160, 2]]), T.transpose(mk.floats([80, 300], d.b[0], d.b[1], q))),
    },
  ];
  if (d.ints) cases.push({ label: "int32 [512,300] x [300]", tol: TOL.exact, run: (mk) => f(mk.ints([512, 300], -20, 20), mk.ints([300], -20, 20)) });
  return cases;
}

function elementwiseCases(): { [K in UnaryOpName | BinaryOpName]: OpCase[] } {
  const out = {} as { [K in UnaryOpName | BinaryOpName]: OpCase[] };
  for (const n of Object.keys(T.UNARY) as UnaryOpName[]) out[n] = unaryCases(n);
  for (const n of Object.keys(T.BINARY) as BinaryOpName[]) out[n] = binaryCases(n);
  return out;
}

const win = { stride: [2, 1] as [number, number], padding: [1, 2] as [number, number], dilation: [1, 2] as [number, number] };

/** Every kernel's forward cases. */
export const KERNEL_CASES: { readonly [K in KernelName]: readonly OpCase[] } = {
  ...elementwiseCases(),
  fill: [
    { label: "full [1000,999] 3.5", tol: TOL.exact, run: (mk) => T.full([1000, 999], 3.5, { device: mk.device }) },
    { label: "int32 full [77,3] -7", tol: TOL.exact, run: (mk) => T.full([77, 3], -7, { dtype: "int32", device: mk.device }) },
  ],
  cast: [
    { label: "float32 -> int32", tol: TOL.exact, run: (mk) => T.cast(mk.floats([300, 301], -1000, 1000), "int32") },
    { label: "float32 -> bool", tol: TOL.exact, run: (mk) => T.cast(mk.floats([300, 301], -1, 1, { quantum: 1 }), "bool") },
    { label: "int32 -> float32 (transposed)", tol: TOL.exact, run: (mk) => T.cast(T.transpose(mk.ints([301, 300], -1e6, 1e6)), "float32") },
    { label: "bool -> float32", tol: TOL.exact, run: (mk) => T.cast(mk.bools([5000]), "float32") },
  ],
  contiguous: [
    { label: "permuted [16,33,65] -> [65,16,33]", tol: TOL.exact, run: (mk) => T.contiguous(T.permute(mk.floats([16, 33, 65]), [2, 0, 1])) },
    { label: "flipped and stepped slice", tol: TOL.exact, run: (mk) => T.contiguous(T.slice(mk.floats([200, 300]), [[null, null, -1], [1, 300, 3]])) },
    { label: "expanded [1,500] -> [64,500]", tol: TOL.exact, run: (mk) => T.contiguous(T.expand(mk.floats([1, 500]), [64, 500])) },
  ],
  where: [
    { label: "bool [200,1] ? [200,300] : [300]", tol: TOL.exact, run: (mk) => T.where(mk.bools([200, 1]), mk.floats([200, 300]), mk.floats([300])) },
    { label: "int32 operands", tol: TOL.exact, run: (mk) => T.where(mk.bools([400, 50]), mk.ints([400, 50], -9, 9), mk.ints([50], -9, 9)) },
  ],
  clamp: [
    { label: "[-0.5, 0.7]", tol: TOL.exact, run: (mk) => T.clamp(mk.floats([300, 257], -2, 2), -0.5, 0.7) },
    { label: "upper only, transposed", tol: TOL.exact, run: (mk) => T.clamp(T.transpose(mk.floats([257, 300], -2, 2)), null, 0) },
  ],
  sum: [
    { label: "[300,700] axis 1", tol: TOL.accum, run: (mk) => T.sum(mk.floats([300, 700]), 1) },
    { label: "[300,700] axis 0", tol: TOL.accum, run: (mk) => T.sum(mk.floats([300, 700]), 0) },
    { label: "[64,33,129] axes 0,2", tol: TOL.accum, run: (mk) => T.sum(mk.floats([64, 33, 129]), [0, 2]) },
    { label: "all of [1000,1001]", tol: TOL.accum, run: (mk) => T.sum(mk.floats([1000, 1001])) },
    { label: "int32 rows of a transposed view", tol: TOL.exact, run: (mk) => T.sum(T.transpose(mk.ints([500, 300], -100, 100)), 1) },
  ],
  prod: [
    { label: "[500,16] axis 1 near 1", tol: TOL.accum, run: (mk) => T.prod(mk.floats([500, 16], 0.9, 1.1), 1) },
    { label: "[16,500] axis 0 near 1", tol: TOL.accum, run: (mk) => T.prod(mk.floats([16, 500], 0.9, 1.1), 0) },
  ],
  max: [
    { label: "[300,700] axis 1", tol: TOL.exact, run: (mk) => T.max(mk.floats([300, 700]), 1) },
    { label: "[64,33,129] axes 0,2", tol: TOL.exact, run: (mk) => T.max(mk.floats([64, 33, 129]), [0, 2]) },
    { label: "int32 all", tol: TOL.exact, run: (mk) => T.max(mk.ints([1000, 100], -1e6, 1e6)) },
  ],
  min: [
    { label: "[300,700] axis 0", tol: TOL.exact, run: (mk) => T.min(mk.floats([300, 700]), 0) },
    { label: "transposed all", tol: TOL.exact, run: (mk) => T.min(T.transpose(mk.floats([300, 700]))) },
  ],
  argmax: [
    { label: "[300,700] axis 1 with ties", tol: TOL.exact, run: (mk) => T.argmax(mk.floats([300, 700], -4, 4, { quantum: 1 }), 1) },
    { label: "[700,300] axis 0", tol: TOL.exact, run: (mk) => T.argmax(mk.floats([700, 300]), 0) },
  ],
  argmin: [
    { label: "[300,700] axis 1 with ties", tol: TOL.exact, run: (mk) => T.argmin(mk.floats([300, 700], -4, 4, { quantum: 1 }), 1) },
    { label: "int32 [50,4000] axis 1", tol: TOL.exact, run: (mk) => T.argmin(mk.ints([50, 4000], -1e5, 1e5), 1) },
  ],
  matmul: [
    { label: "[257,300] @ [300,129]", tol: TOL.accum, run: (mk) => T.matmul(mk.floats([257, 300]), mk.floats([300, 129])) },
    { label: "[512,512] @ [512,512]", tol: TOL.accum, run: (mk) => T.matmul(mk.floats([512, 512]), mk.floats([512, 512])) },
    { label: "[1576,768] @ [768,256]", tol: TOL.accum, run: (mk) => T.matmul(mk.floats([1576, 768]), mk.floats([768, 256])) },
    { label: "batched [8,128,64] @ transposed [8,96,64]", tol: TOL.accum, run: (mk) => T.matmul(mk.floats([8, 128, 64]), T.transpose(mk.floats([8, 96, 64]))) },
    { label: "transposed [64,100] @ [64,72] with broadcast batch", tol: TOL.accum, run: (mk) => T.matmul(T.transpose(mk.floats([3, 64, 100])), mk.floats([64, 72])) },
    { label: "vector [1,1000] @ [1000,333]", tol: TOL.accum, run: (mk) => T.matmul(mk.floats([1, 1000]), mk.floats([1000, 333])) },
    { label: "odd sizes [33,35] @ [35,17]", tol: TOL.accum, run: (mk) => T.matmul(mk.floats([33, 35]), mk.floats([35, 17])) },
    { label: "int32 [64,70] @ [70,33]", tol: TOL.exact, run: (mk) => T.matmul(mk.ints([64, 70], -9, 9), mk.ints([70, 33], -9, 9)) },
  ],
  unfold: [
    { label: "[2,8,33,35] 3x3 stride 2,1 pad 1,2 dilation 1,2", tol: TOL.exact, run: (mk) => T.unfold(mk.floats([2, 8, 33, 35]), [3, 3], win) },
    { label: "[4,64,16,16] 3x3 pad 1", tol: TOL.exact, run: (mk) => T.unfold(mk.floats([4, 64, 16, 16]), 3, { padding: 1 }) },
  ],
  conv2d: [
    { label: "[2,16,17,19] w [24,16,3,3] pad 1", tol: TOL.accum, run: (mk) => T.conv2d(mk.floats([2, 16, 17, 19]), mk.floats([24, 16, 3, 3]), null, { padding: 1 }) },
    { label: "[2,8,33,35] w [6,4,3,3] stride 2,1 pad 1,2 dilation 1,2 groups 2", tol: TOL.accum, run: (mk) => T.conv2d(mk.floats([2, 8, 33, 35]), mk.floats([6, 4, 3, 3]), null, { ...win, groups: 2 }) },
  ],
  fold: [
    {
      label: "[2,72,L] -> [2,8,33,35] (overlaps summed)",
      tol: TOL.accum,
      run: (mk) => {
        const L = T.unfold(T.zeros([2, 8, 33, 35], { device: mk.device }), [3, 3], win).shape[2]!;
        return T.fold(mk.floats([2, 72, L]), [33, 35], [3, 3], win);
      },
    },
  ],
  gather: [
    { label: "[50,60] axis 1 by [50,40]", tol: TOL.exact, run: (mk) => T.gather(mk.floats([50, 60]), 1, mk.ints([50, 40], 0, 60)) },
    { label: "[300,20,7] axis 0 by [100,20,7]", tol: TOL.exact, run: (mk) => T.gather(mk.floats([300, 20, 7]), 0, mk.ints([100, 20, 7], 0, 300)) },
  ],
  scatterAdd: [
    { label: "[50,60] axis 1, [50,400] sources (collisions)", tol: TOL.accum, run: (mk) => T.scatterAdd(mk.floats([50, 60]), 1, mk.ints([50, 400], 0, 60), mk.floats([50, 400])) },
    { label: "int32 [300,8] axis 0", tol: TOL.exact, run: (mk) => T.scatterAdd(mk.ints([300, 8], -5, 5), 0, mk.ints([1000, 8], 0, 300), mk.ints([1000, 8], -5, 5)) },
  ],
  indexSelect: [
    { label: "[300,64] rows by 500 ids", tol: TOL.exact, run: (mk) => T.indexSelect(mk.floats([300, 64]), 0, mk.ints([500], 0, 300)) },
    { label: "[30,300,8] axis 1", tol: TOL.exact, run: (mk) => T.indexSelect(mk.floats([30, 300, 8]), 1, mk.ints([77], 0, 300)) },
  ],
  scatterSlice: [
    { label: "pad [61,47] by (1,2),(3,0) with 1.5", tol: TOL.exact, run: (mk) => T.pad(mk.floats([61, 47]), [[1, 2], [3, 0]], 1.5) },
    { label: "pad [2,3,30,30] spatially", tol: TOL.exact, run: (mk) => T.pad(mk.floats([2, 3, 30, 30]), [[1, 1], [1, 1]]) },
  ],
  concat: [
    {
      label: "axis 1 of [20,30,5], [20,7,5], permuted [20,11,5]",
      tol: TOL.exact,
      run: (mk) => T.concat([mk.floats([20, 30, 5]), mk.floats([20, 7, 5]), T.permute(mk.floats([11, 20, 5]), [1, 0, 2])], 1),
    },
    { label: "int32 axis 0", tol: TOL.exact, run: (mk) => T.concat([mk.ints([100, 9], -9, 9), mk.ints([3, 9], -9, 9)], 0) },
  ],
  softmax: [
    { label: "[512,1000] last axis", tol: TOL.accum, run: (mk) => T.softmax(mk.floats([512, 1000], -8, 8), -1) },
    { label: "[300,77] axis 0", tol: TOL.accum, run: (mk) => T.softmax(mk.floats([300, 77], -8, 8), 0) },
    { label: "[96,197,197] attention scores", tol: TOL.accum, run: (mk) => T.softmax(mk.floats([96, 197, 197], -8, 8), -1) },
  ],
  logSoftmax: [
    { label: "[512,1000] last axis", tol: TOL.accum, run: (mk) => T.logSoftmax(mk.floats([512, 1000], -8, 8), -1) },
    { label: "transposed [77,300] axis 1", tol: TOL.accum, run: (mk) => T.logSoftmax(T.transpose(mk.floats([300, 77], -8, 8)), 1) },
  ],
  layerNorm: [
    { label: "[512,768] with affine", tol: TOL.accum, run: (mk) => T.layerNorm(mk.floats([512, 768], -3, 3), [768], mk.floats([768]), mk.floats([768])) },
    { label: "transposed [64,8,100] over [8,100], no affine", tol: TOL.accum, run: (mk) => T.layerNorm(T.permute(mk.floats([8, 64, 100], -3, 3), [1, 0, 2]), [8, 100]) },
    { label: "[1000,20] eps 1e-3, weight only", tol: TOL.accum, run: (mk) => T.layerNorm(mk.floats([1000, 20], -3, 3), [20], { weight: mk.floats([20]), eps: 1e-3 }) },
  ],
  groupNorm: [
    { label: "[2,64,32,32] 32 groups + SiLU", tol: TOL.accum, run: (mk) => T.groupNorm(mk.floats([2, 64, 32, 32], -3, 3), 32, { weight: mk.floats([64]), bias: mk.floats([64]), activation: "silu" }) },
    { label: "[4,96,9,9] 8 groups", tol: TOL.accum, run: (mk) => T.groupNorm(mk.floats([4, 96, 9, 9], -3, 3), 8, mk.floats([96]), mk.floats([96]), 1e-6) },
    { label: "permuted [3,40,17] 4 groups, no affine", tol: TOL.accum, run: (mk) => T.groupNorm(T.permute(mk.floats([40, 3, 17], -3, 3), [1, 0, 2]), 4) },
  ],
  attention: [
    { label: "q k v [2,8,77,64] causal", tol: TOL.accum, run: (mk) => T.scaledDotProductAttention(mk.floats([2, 8, 77, 64]), mk.floats([2, 8, 77, 64]), mk.floats([2, 8, 77, 64]), { isCausal: true }) },
    { label: "q [2,8,256,40] k v [2,8,77,40] (cross-attention)", tol: TOL.accum, run: (mk) => T.scaledDotProductAttention(mk.floats([2, 8, 256, 40]), mk.floats([2, 8, 77, 40]), mk.floats([2, 8, 77, 40])) },
    { label: "q [4,197,64] transposed k, v Dv 80, additive mask [197,197]", tol: TOL.accum, run: (mk) =>
      T.scaledDotProductAttention(mk.floats([4, 197, 64]), T.transpose(mk.floats([4, 64, 197])), mk.floats([4, 197, 80]), { mask: mk.floats([197, 197], -2, 0) }) },
    { label: "q [3,50,160] bool mask [3,1,70], scale 0.1", tol: TOL.accum, run: (mk) =>
      T.scaledDotProductAttention(mk.floats([3, 50, 160]), mk.floats([3, 70, 160]), mk.floats([3, 70, 160]), { mask: T.logicalOr(mk.bools([3, 1, 70]), T.lt(T.arange(0, 70, 1, { device: mk.device }), 1)), scale: 0.1 }) },
  ],
  biasAct: [
    ...(["none", "relu", "gelu", "geluTanh", "quickGelu", "silu"] as const).map((act) => ({
      label: `[300,257] + [257], ${act}`,
      tol: TOL.transcendental,
      run: (mk: Maker) => T.biasActivation(mk.floats([300, 257], -4, 4), mk.floats([257]), act),
    })),
    { label: "transposed [257,300] + [257], gelu", tol: TOL.transcendental, run: (mk) => T.biasActivation(T.transpose(mk.floats([300, 257], -4, 4)), mk.floats([300]), "gelu") },
  ],
  // the fused backward of layer and group norm (internal): through their gradients
  normGrad: [
    { label: "grad of layerNorm [300,257] (weight, bias), permuted input", tol: TOL.accum, run: (mk) => {
      const w = mk.floats([257]), b = mk.floats([257]), r = mk.floats([300, 257]);
      return T.grad((x: Tensor) => T.sum(T.mul(T.layerNorm(x, [257], w, b), r)))(T.transpose(mk.floats([257, 300], -3, 3)));
    } },
    { label: "grad of groupNorm [2,64,17,19] 32 groups + SiLU", tol: TOL.accum, run: (mk) => {
      const w = mk.floats([64]), b = mk.floats([64]), r = mk.floats([2, 64, 17, 19]);
      return T.grad((x: Tensor) => T.sum(T.mul(T.groupNorm(x, 32, { weight: w, bias: b, activation: "silu" }), r)))(mk.floats([2, 64, 17, 19], -3, 3));
    } },
  ],
};
