import type { KernelAttrs } from "../backend/backend.js";
import type { Vjp } from "../autograd/tape.js";
import { floatResult, isFloat, promoteTypes, type DType } from "../dtype.js";
import { tidy } from "../engine/tidy.js";
import { broadcastShapes } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "./elementwise-table.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { asTensor, castTo, sumTo, type TensorLike } from "./util.js";

// ---------------------------------------------------------------------------------------------------------
// Running elementwise ops: operands are promoted to one dtype before the kernel, so kernels see equal dtypes.

function unary(name: UnaryOpName, x: Tensor): Tensor {
  x.assertLive(name);
  const kind = UNARY[name].kind;
  if (kind === "same" && x.dtype === "bool") throw new Error(`${name}: not defined for bool tensors`);
  if (kind === "float" && !isFloat(x.dtype)) {
    return tidy(() => runKernel(name, [castTo(x, "float32")], {}));
  }
  return runKernel(name, [x], {});
}

function computeDType(name: BinaryOpName, a: DType, b: DType): DType {
  const kind = BINARY[name].kind;
  const p = promoteTypes(a, b);
  if (kind === "float") return floatResult(p);
  if (kind === "logical") return "bool";
  if (kind === "arith" && p === "bool" && name !== "maximum" && name !== "minimum") return "int32";
  return p;
}

function binary(name: BinaryOpName, a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === "number" && typeof b === "number") throw new Error(`${name}: at least one operand must be a tensor`);
  const like = (typeof a === "number" ? b : a) as Tensor;
  return tidy(() => {
    const ta = asTensor(a, like);
    const tb = asTensor(b, like);
    const dt = computeDType(name, ta.dtype, tb.dtype);
    return runKernel(name, [castTo(ta, dt), castTo(tb, dt)], {});
  });
}

// ---------------------------------------------------------------------------------------------------------
// Public functions.

/** -x */
export const neg = (x: Tensor): Tensor => unary("neg", x);
/** |x| */
export const abs = (x: Tensor): Tensor => unary("abs", x);
/** Sign of x (-1, 0, 1; NaN stays NaN). */
export const sign = (x: Tensor): Tensor => unary("sign", x);
/** x * x */
export const square = (x: Tensor): Tensor => unary("square", x);
/** max(x, 0) */
export const relu = (x: Tensor): Tensor => unary("relu", x);
/** e^x */
export const exp = (x: Tensor): Tensor => unary("exp", x);
/** e^x - 1, accurate near 0. */
export const expm1 = (x: Tensor): Tensor => unary("expm1", x);
/** Natural logarithm. */
export const log = (x: Tensor): Tensor => unary("log", x);
/** log(1 + x), accurate near 0. */
export const log1p = (x: Tensor): Tensor => unary("log1p", x);
/** Square root. */
export const sqrt = (x: Tensor): Tensor => unary("sqrt", x);
/** 1 / sqrt(x) */
export const rsqrt = (x: Tensor): Tensor => unary("rsqrt", x);
/** 1 / x */
export const reciprocal = (x: Tensor): Tensor => unary("reciprocal", x);
/** Sine. */
export const sin = (x: Tensor): Tensor => unary("sin", x);
/** Cosine. */
export const cos = (x: Tensor): Tensor => unary("cos", x);
/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unary("tanh", x);
/** Logistic sigmoid 1 / (1 + e^-x). */
export const sigmoid = (x: Tensor): Tensor => unary("sigmoid", x);
/** Gauss error function. */
export const erf = (x: Tensor): Tensor => unary("erf", x);
/** GELU; `approximate: "tanh"` gives the tanh form (torch's `approximate='tanh'`), the default is the erf form. */
export function gelu(x: Tensor, options: { approximate?: "none" | "tanh" } = {}): Tensor {
  return unary(options.approximate === "tanh" ? "geluTanh" : "gelu", x);
}
/** QuickGELU of OpenAI CLIP: x * sigmoid(1.702 x). */
export const quickGelu = (x: Tensor): Tensor => unary("quickGelu", x);
/** SiLU (swish): x * sigmoid(x). */
export const silu = (x: Tensor): Tensor => unary("silu", x);
/** d/dx gelu(x) (erf form): Phi(x) + x phi(x), in one pass. */
export const geluDerivative = (x: Tensor): Tensor => unary("geluDerivative", x);
/** d/dx quickGelu(x): s (1 + 1.702 x (1 - s)) with s = sigmoid(1.702 x), in one pass. */
export const quickGeluDerivative = (x: Tensor): Tensor => unary("quickGeluDerivative", x);
/** d/dx silu(x): s (1 + x (1 - s)) with s = sigmoid(x), in one pass. */
export const siluDerivative = (x: Tensor): Tensor => unary("siluDerivative", x);
/** softplus(x) = log(1 + e^x) (linear above 20, as torch's default threshold). */
export const softplus = (x: Tensor): Tensor => unary("softplus", x);
/** Round toward -infinity. */
export const floor = (x: Tensor): Tensor => unary("floor", x);
/** Round toward +infinity. */
export const ceil = (x: Tensor): Tensor => unary("ceil", x);
/** Round half to even. */
export const round = (x: Tensor): Tensor => unary("round", x);
/** Logical not (bool result). */
export const logicalNot = (x: Tensor): Tensor => unary("logicalNot", x);
/** True where x is NaN. */
export const isnan = (x: Tensor): Tensor => unary("isnan", x);

/** a + b with broadcasting. */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary("add", a, b);
/** a - b with broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary("sub", a, b);
/** a * b with broadcasting. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary("mul", a, b);
/** a / b (true division: integers give float32). */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary("div", a, b);
/** a ** b */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary("pow", a, b);
/** Elementwise maximum (NaN propagates). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary("maximum", a, b);
/** Elementwise minimum (NaN propagates). */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary("minimum", a, b);
/** atan2(a, b): angle of the point (b, a). */
export const atan2 = (a: TensorLike, b: TensorLike): Tensor => binary("atan2", a, b);
/** a == b (bool). */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary("eq", a, b);
/** a != b (bool). */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary("ne", a, b);
/** a < b (bool). */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary("lt", a, b);
/** a <= b (bool). */
export const le = (a: TensorLike, b: TensorLike): Tensor => binary("le", a, b);
/** a > b (bool). */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary("gt", a, b);
/** a >= b (bool). */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary("ge", a, b);
/** Logical and (bool). */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binary("logicalAnd", a, b);
/** Logical or (bool). */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binary("logicalOr", a, b);
/** Logical xor (bool). */
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor => binary("logicalXor", a, b);

/** Converts to another dtype (float to int truncates toward zero; nonzero to bool is true). */
export function cast(x: Tensor, dtype: DType): Tensor {
  x.assertLive("cast");
  return castTo(x, dtype);
}

/** Elementwise `cond ? a : b` with broadcasting; `cond` is converted to bool. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return tidy(() => {
    const like = typeof a === "number" ? (typeof b === "number" ? cond : b) : a;
    const ta = asTensor(a, like, typeof a === "number" && like === cond ? "float32" : undefined);
    const tb = asTensor(b, ta);
    const dt = promoteTypes(ta.dtype, tb.dtype);
    return runKernel("where", [castTo(cond, "bool"), castTo(ta, dt), castTo(tb, dt)], {});
  });
}

/** Limits values to [min, max]; either bound may be omitted (null/undefined). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new Error("clamp: at least one of min and max must be given");
  }
  if (x.dtype === "bool") throw new Error("clamp: not defined for bool tensors");
  // a fractional bound on an integer tensor promotes to float32 (as a Python float scalar does in torch)
  if (!isFloat(x.dtype) && [min, max].some((b) => typeof b === "number" && !Number.isInteger(b))) {
    return tidy(() => runKernel("clamp", [castTo(x, "float32")], { min: min ?? null, max: max ?? null }));
  }
  return runKernel("clamp", [x], { min: min ?? null, max: max ?? null });
}

// ---------------------------------------------------------------------------------------------------------
// Registry entries: shape/dtype rules and VJPs.

type Defs<K extends keyof KernelAttrs> = { [P in K]: KernelOpDef<KernelAttrs[P]> };

const same = (inputs: readonly Tensor[]) => ({ shape: inputs[0]!.shape, dtype: inputs[0]!.dtype });

/** a s (1 - s) (2 + a x (1 - 2 s)) with s = sigmoid(a x): the derivative of x sigmoid(a x)'s derivative. */
function sigmoidDerivative2(x: Tensor, a: number): Tensor {
  const s = sigmoid(mul(x, a));
  return mul(mul(mul(s, sub(1, s)), a), add(2, mul(mul(x, a), sub(1, mul(s, 2)))));
}

const unaryVjps: { [K in UnaryOpName]: Vjp<KernelAttrs[K]> | "nondifferentiable" } = {
  neg: (g) => [neg(g)],
  abs: (g, { inputs: [x] }) => [mul(g, sign(x!))],
  sign: (g) => [mul(g, 0)],
  square: (g, { inputs: [x] }) => [mul(g, mul(x!, 2))],
  relu: (g, { inputs: [x] }) => [mul(g, cast(gt(x!, 0), g.dtype))],
  exp: (g, { output }) => [mul(g, output)],
  expm1: (g, { output }) => [mul(g, add(output, 1))],
  log: (g, { inputs: [x] }) => [div(g, x!)],
  log1p: (g, { inputs: [x] }) => [div(g, add(x!, 1))],
  sqrt: (g, { output }) => [div(g, mul(output, 2))],
  rsqrt: (g, { output }) => [mul(g, mul(pow(output, 3), -0.5))],
  reciprocal: (g, { output }) => [neg(mul(g, square(output)))],
  sin: (g, { inputs: [x] }) => [mul(g, cos(x!))],
  cos: (g, { inputs: [x] }) => [neg(mul(g, sin(x!)))],
  tanh: (g, { output }) => [mul(g, sub(1, square(output)))],
  sigmoid: (g, { output }) => [mul(g, mul(output, sub(1, output)))],
  erf: (g, { inputs: [x] }) => [mul(g, mul(exp(neg(square(x!))), 1.1283791670955126))],
  gelu: (g, { inputs: [x] }) => [mul(g, geluDerivative(x!))],
  geluTanh: (g, { inputs: [x] }) => {
    const c = 0.7978845608028654;
    const x2 = square(x!);
    const t = tanh(mul(mul(x!, add(mul(x2, 0.044715), 1)), c));
    const dinner = mul(add(mul(x2, 3 * 0.044715), 1), c);
    const d = add(mul(add(t, 1), 0.5), mul(mul(mul(x!, sub(1, square(t))), dinner), 0.5));
    return [mul(g, d)];
  },
  quickGelu: (g, { inputs: [x] }) => [mul(g, quickGeluDerivative(x!))],
  silu: (g, { inputs: [x] }) => [mul(g, siluDerivative(x!))],
  // second derivatives (for grad of grad): gelu'' = phi(x) (2 - x^2); for s = sigmoid(a x),
  // d/dx [s (1 + a x (1 - s))] = a s (1 - s) (2 + a x (1 - 2 s)) (silu: a = 1)
  geluDerivative: (g, { inputs: [x] }) => [mul(g, mul(mul(exp(mul(square(x!), -0.5)), 0.3989422804014327), sub(2, square(x!))))],
  quickGeluDerivative: (g, { inputs: [x] }) => [mul(g, sigmoidDerivative2(x!, 1.702))],
  siluDerivative: (g, { inputs: [x] }) => [mul(g, sigmoidDerivative2(x!, 1))],
  softplus: (g, { inputs: [x] }) => [mul(g, where(gt(x!, 20), 1, sigmoid(x!)))],
  floor: (g) => [mul(g, 0)],
  ceil: (g) => [mul(g, 0)],
  round: (g) => [mul(g, 0)],
  logicalNot: "nondifferentiable",
  isnan: "nondifferentiable",
};

function unaryDefs(): Defs<UnaryOpName> {
  const defs: Partial<Defs<UnaryOpName>> = {};
  for (const name of Object.keys(UNARY) as UnaryOpName[]) {
    const kind = UNARY[name].kind;
    defs[name] = {
      infer: (inputs) => ({ shape: inputs[0]!.shape, dtype: kind === "bool" ? "bool" : inputs[0]!.dtype }),
      vjp: unaryVjps[name],
    };
  }
  return defs as Defs<UnaryOpName>;
}

/** Gradient of each operand of a broadcasting binary op, summed back to its shape. */
function both(fa: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor, fb: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor) {
  return (g: Tensor, { inputs, output, needsGrad }: { inputs: readonly Tensor[]; output: Tensor; needsGrad: readonly boolean[] }) => {
    const [a, b] = inputs as [Tensor, Tensor];
    return [needsGrad[0] ? sumTo(fa(g, a, b, output), a.shape) : null, needsGrad[1] ? sumTo(fb(g, a, b, output), b.shape) : null];
  };
}

/** Share of the gradient each operand of maximum/minimum gets: 1 where it wins, 1/2 on ties, as torch. */
function winnerShare(a: Tensor, b: Tensor, wins: (a: Tensor, b: Tensor) => Tensor): Tensor {
  return where(eq(a, b), 0.5, cast(wins(a, b), a.dtype));
}

const binaryVjps: { [K in BinaryOpName]: Vjp<KernelAttrs[K]> | "nondifferentiable" } = {
  add: both((g) => g, (g) => g),
  sub: both((g) => g, (g) => neg(g)),
  mul: both((g, _a, b) => mul(g, b), (g, a) => mul(g, a)),
  div: both((g, _a, b) => div(g, b), (g, a, b) => neg(div(mul(g, a), square(b)))),
  pow: both(
    (g, a, b) => mul(g, mul(b, pow(a, sub(b, 1)))),
    // d/db a^b = a^b log a, defined as 0 where a == 0 and b >= 0 (torch's convention)
    (g, a, b, out) => mul(g, where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(out, log(a)))),
  ),
  maximum: both((g, a, b) => mul(g, winnerShare(a, b, gt)), (g, a, b) => mul(g, winnerShare(b, a, gt))),
  minimum: both((g, a, b) => mul(g, winnerShare(a, b, lt)), (g, a, b) => mul(g, winnerShare(b, a, lt))),
  atan2: both(
    (g, a, b) => mul(g, div(b, add(square(a), square(b)))),
    (g, a, b) => neg(mul(g, div(a, add(square(a), square(b))))),
  ),
  eq: "nondifferentiable",
  ne: "nondifferentiable",
  lt: "nondifferentiable",
  le: "nondifferentiable",
  gt: "nondifferentiable",
  ge: "nondifferentiable",
  logicalAnd: "nondifferentiable",
  logicalOr: "nondifferentiable",
  logicalXor: "nondifferentiable",
};

function binaryDefs(): Defs<BinaryOpName> {
  const defs: Partial<Defs<BinaryOpName>> = {};
  for (const name of Object.keys(BINARY) as BinaryOpName[]) {
    const kind = BINARY[name].kind;
    defs[name] = {
      infer: ([a, b]) => {
        if (a!.dtype !== b!.dtype) throw new Error(`${name}: kernel operands must share a dtype (${a!.dtype}, ${b!.dtype})`);
        const shape = broadcastShapes(name, a!.shape, b!.shape);
        return { shape, dtype: kind === "compare" || kind === "logical" ? "bool" : a!.dtype };
      },
      vjp: binaryVjps[name],
    };
  }
  return defs as Defs<BinaryOpName>;
}

/** Registry entries of the elementwise ops. */
export const elementwiseDefs: Defs<UnaryOpName | BinaryOpName | "cast" | "where" | "clamp" | "fill" | "contiguous"> = {
  ...unaryDefs(),
  ...binaryDefs(),
  fill: { infer: (_i, a) => ({ shape: a.shape, dtype: a.dtype }), vjp: () => [] },
  cast: {
    infer: ([x], a) => ({ shape: x!.shape, dtype: a.dtype }),
    vjp: (g, { inputs: [x] }) => [isFloat(x!.dtype) ? castTo(g, x!.dtype) : null],
  },
  contiguous: { infer: same, vjp: (g) => [g] },
  where: {
    infer: ([c, a, b]) => {
      if (c!.dtype !== "bool") throw new Error(`where: condition must be bool, got ${c!.dtype}`);
      return { shape: broadcastShapes("where", c!.shape, a!.shape, b!.shape), dtype: a!.dtype };
    },
    vjp: (g, { inputs: [c, a, b], needsGrad }) => [
      null,
      needsGrad[1] ? sumTo(where(c!, g, 0), a!.shape) : null,
      needsGrad[2] ? sumTo(where(c!, 0, g), b!.shape) : null,
    ],
  },
  clamp: {
    infer: same,
    vjp: (g, { inputs: [x], attrs }) => {
      let mask = isnan(x!);
      if (attrs.min !== null) mask = logicalOr(mask, lt(x!, attrs.min));
      if (attrs.max !== null) mask = logicalOr(mask, gt(x!, attrs.max));
      return [where(mask, 0, g)];
    },
  },
};

