/**
 * The elementwise ops, each defined once: a JavaScript expression (for the CPU backend's generated loops) and a
 * WGSL expression (for the WebGPU backend's generated shaders), over the variables `x` (and `y`).
 * Helper functions named here (erf, sigmoid, roundEven in JS; erf_, ... in WGSL) are provided by each backend.
 */

/** How a unary op's result dtype follows its input: `same` keeps it, `float` turns ints into float32. */
type UnaryKind = "same" | "float" | "bool";

/** Definition of an elementwise unary op. */
export interface UnaryDef {
  /** JavaScript expression in `x`; may call helpers `erf`. */
  readonly js: string;
  /** WGSL expression in `x` (of the element type `T`). */
  readonly wgsl: string;
  /** How the result dtype follows the input's. */
  readonly kind: UnaryKind;
}

/** The elementwise unary ops: name to JS and WGSL expressions and result-dtype rule. */
export const UNARY = {
  /** Negation, `-x`. */
  neg: { js: "-x", wgsl: "-x", kind: "same" },
  /** Absolute value. */
  abs: { js: "Math.abs(x)", wgsl: "abs(x)", kind: "same" },
  /** Sign: -1, 0 or 1 (NaN stays NaN). */
  sign: { js: "(x > 0 ? 1 : x < 0 ? -1 : x)", wgsl: "sign_(x)", kind: "same" },
  /** `x * x`. */
  square: { js: "x * x", wgsl: "x * x", kind: "same" },
  /** Rectified linear unit, `max(x, 0)`. */
  relu: { js: "(x > 0 ? x : 0)", wgsl: "select(T(0), x, x > T(0))", kind: "same" },
  /** Natural exponential. */
  exp: { js: "Math.exp(x)", wgsl: "exp(x)", kind: "float" },
  /** `exp(x) - 1`, accurate near 0. */
  expm1: { js: "Math.expm1(x)", wgsl: "expm1_(x)", kind: "float" },
  /** Natural logarithm. */
  log: { js: "Math.log(x)", wgsl: "log(x)", kind: "float" },
  /** `log(1 + x)`, accurate near 0. */
  log1p: { js: "Math.log1p(x)", wgsl: "log1p_(x)", kind: "float" },
  /** Square root. */
  sqrt: { js: "Math.sqrt(x)", wgsl: "sqrt(x)", kind: "float" },
  /** `1 / sqrt(x)`. */
  rsqrt: { js: "1 / Math.sqrt(x)", wgsl: "inverseSqrt(x)", kind: "float" },
  /** `1 / x`. */
  reciprocal: { js: "1 / x", wgsl: "T(1) / x", kind: "float" },
  /** Sine. */
  sin: { js: "Math.sin(x)", wgsl: "sin_(x)", kind: "float" },
  /** Cosine. */
  cos: { js: "Math.cos(x)", wgsl: "cos_(x)", kind: "float" },
  /** Hyperbolic tangent. */
  tanh: { js: "Math.tanh(x)", wgsl: "tanh_(x)", kind: "float" },
  /** Logistic sigmoid, `1 / (1 + exp(-x))`. */
  sigmoid: { js: "sigmoid(x)", wgsl: "sigmoid_(x)", kind: "float" },
  /** Gauss error function. */
  erf: { js: "erf(x)", wgsl: "erf_(x)", kind: "float" },
  /** GELU with the exact erf form. */
  gelu: { js: "0.5 * x * (1 + erf(x * 0.7071067811865476))", wgsl: "T(0.5) * x * (T(1) + erf_(x * T(0.7071067811865476)))", kind: "float" },
  /** GELU with the tanh approximation. */
  geluTanh: {
    js: "0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))",
    wgsl: "T(0.5) * x * (T(1) + tanh_(T(0.7978845608028654) * (x + T(0.044715) * x * x * x)))",
    kind: "float",
  },
  /** QuickGELU (OpenAI CLIP), `x * sigmoid(1.702 x)`. */
  quickGelu: { js: "x * sigmoid(1.702 * x)", wgsl: "x * sigmoid_(T(1.702) * x)", kind: "float" },
  /** SiLU (swish), `x * sigmoid(x)`. */
  silu: { js: "x * sigmoid(x)", wgsl: "x * sigmoid_(x)", kind: "float" },
  /** Derivative of the erf GELU, `Phi(x) + x phi(x)` (one pass for gelu's VJP). */
  geluDerivative: {
    js: "0.5 * (1 + erf(x * 0.7071067811865476)) + x * Math.exp(-0.5 * x * x) * 0.3989422804014327",
    wgsl: "T(0.5) * (T(1) + erf_(x * T(0.7071067811865476))) + x * exp(T(-0.5) * x * x) * T(0.3989422804014327)",
    kind: "float",
  },
  /** Derivative of QuickGELU, `s (1 + 1.702 x (1 - s))` with `s = sigmoid(1.702 x)`. */
  quickGeluDerivative: {
    js: "sigmoid(1.702 * x) * (1 + 1.702 * x * (1 - sigmoid(1.702 * x)))",
    wgsl: "sigmoid_(T(1.702) * x) * (T(1) + T(1.702) * x * (T(1) - sigmoid_(T(1.702) * x)))",
    kind: "float",
  },
  /** Derivative of SiLU, `s (1 + x (1 - s))` with `s = sigmoid(x)`. */
  siluDerivative: { js: "sigmoid(x) * (1 + x * (1 - sigmoid(x)))", wgsl: "sigmoid_(x) * (T(1) + x * (T(1) - sigmoid_(x)))", kind: "float" },
  /** `log(1 + exp(x))` (linear above 20). */
  softplus: { js: "(x > 20 ? x : Math.log1p(Math.exp(x)))", wgsl: "softplus_(x)", kind: "float" },
  /** Round down. */
  floor: { js: "Math.floor(x)", wgsl: "floor(x)", kind: "same" },
  /** Round up. */
  ceil: { js: "Math.ceil(x)", wgsl: "ceil(x)", kind: "same" },
  /** Round half to even. */
  round: { js: "roundEven(x)", wgsl: "round(x)", kind: "same" },
  /** Logical not (bool result). */
  logicalNot: { js: "(x ? 0 : 1)", wgsl: "select(1u, 0u, truthy_(x))", kind: "bool" },
  /** True where x is NaN (bool result). */
  isnan: { js: "(x !== x ? 1 : 0)", wgsl: "select(0u, 1u, isnan_(x))", kind: "bool" },
} as const satisfies Record<string, UnaryDef>;

/** Names of the elementwise unary ops. */
export type UnaryOpName = keyof typeof UNARY;

/** `arith` promotes the operands, `float` also turns ints into float32, `compare`/`logical` give bool. */
type BinaryKind = "arith" | "float" | "compare" | "logical";

/** Definition of an elementwise binary op. */
export interface BinaryDef {
  /** JavaScript expression in `x` and `y`. */
  readonly js: string;
  /** WGSL expression in `x` and `y` (of the element type `T`). */
  readonly wgsl: string;
  /** How the result dtype follows the operands'. */
  readonly kind: BinaryKind;
}

/** The elementwise binary ops (operands broadcast): name to JS and WGSL expressions and result-dtype rule. */
export const BINARY = {
  /** `x + y`. */
  add: { js: "x + y", wgsl: "x + y", kind: "arith" },
  /** `x - y`. */
  sub: { js: "x - y", wgsl: "x - y", kind: "arith" },
  /** `x * y`. */
  mul: { js: "x * y", wgsl: "x * y", kind: "arith" },
  /** `x / y` (ints turn into float32). */
  div: { js: "x / y", wgsl: "x / y", kind: "float" },
  /** `x ** y`. */
  pow: { js: "Math.pow(x, y)", wgsl: "pow_(x, y)", kind: "arith" },
  /** Elementwise maximum (NaN propagates). */
  maximum: { js: "(x !== x || x > y ? x : y)", wgsl: "max_(x, y)", kind: "arith" },
  /** Elementwise minimum (NaN propagates). */
  minimum: { js: "(x !== x || x < y ? x : y)", wgsl: "min_(x, y)", kind: "arith" },
  /** `atan2(x, y)`. */
  atan2: { js: "Math.atan2(x, y)", wgsl: "atan2_(x, y)", kind: "float" },
  /** `x == y` (bool result). */
  eq: { js: "(x === y ? 1 : 0)", wgsl: "select(0u, 1u, x == y)", kind: "compare" },
  /** `x != y` (bool result). */
  ne: { js: "(x !== y ? 1 : 0)", wgsl: "select(1u, 0u, x == y)", kind: "compare" },
  /** `x < y` (bool result). */
  lt: { js: "(x < y ? 1 : 0)", wgsl: "select(0u, 1u, x < y)", kind: "compare" },
  /** `x <= y` (bool result). */
  le: { js: "(x <= y ? 1 : 0)", wgsl: "select(0u, 1u, x <= y)", kind: "compare" },
  /** `x > y` (bool result). */
  gt: { js: "(x > y ? 1 : 0)", wgsl: "select(0u, 1u, x > y)", kind: "compare" },
  /** `x >= y` (bool result). */
  ge: { js: "(x >= y ? 1 : 0)", wgsl: "select(0u, 1u, x >= y)", kind: "compare" },
  /** Logical and (bool result). */
  logicalAnd: { js: "(x && y ? 1 : 0)", wgsl: "select(0u, 1u, truthy_(x) && truthy_(y))", kind: "logical" },
  /** Logical or (bool result). */
  logicalOr: { js: "(x || y ? 1 : 0)", wgsl: "select(0u, 1u, truthy_(x) || truthy_(y))", kind: "logical" },
  /** Logical exclusive or (bool result). */
  logicalXor: { js: "(!x !== !y ? 1 : 0)", wgsl: "select(0u, 1u, truthy_(x) != truthy_(y))", kind: "logical" },
} as const satisfies Record<string, BinaryDef>;

/** Names of the elementwise binary ops. */
export type BinaryOpName = keyof typeof BINARY;
