/**
 * The elementwise ops, each defined once: a JavaScript expression (for the CPU backend's generated loops) and a
 * WGSL expression (for the WebGPU backend's generated shaders), over the variables `x` (and `y`).
 * Helper functions named here (erf, sigmoid, roundEven in JS; erf_, ... in WGSL) are provided by each backend.
 */

/** How a unary op's result dtype follows its input: `same` keeps it, `float` turns ints into float32. */
export type UnaryKind = "same" | "float" | "bool";

export interface UnaryDef {
  /** JavaScript expression in `x`; may call helpers `erf`. */
  readonly js: string;
  /** WGSL expression in `x` (of the element type `T`). */
  readonly wgsl: string;
  readonly kind: UnaryKind;
}

export const UNARY = {
  neg: { js: "-x", wgsl: "-x", kind: "same" },
  abs: { js: "Math.abs(x)", wgsl: "abs(x)", kind: "same" },
  sign: { js: "(x > 0 ? 1 : x < 0 ? -1 : x)", wgsl: "sign_(x)", kind: "same" },
  square: { js: "x * x", wgsl: "x * x", kind: "same" },
  relu: { js: "(x > 0 ? x : 0)", wgsl: "select(T(0), x, x > T(0))", kind: "same" },
  exp: { js: "Math.exp(x)", wgsl: "exp(x)", kind: "float" },
  expm1: { js: "Math.expm1(x)", wgsl: "expm1_(x)", kind: "float" },
  log: { js: "Math.log(x)", wgsl: "log(x)", kind: "float" },
  log1p: { js: "Math.log1p(x)", wgsl: "log1p_(x)", kind: "float" },
  sqrt: { js: "Math.sqrt(x)", wgsl: "sqrt(x)", kind: "float" },
  rsqrt: { js: "1 / Math.sqrt(x)", wgsl: "inverseSqrt(x)", kind: "float" },
  reciprocal: { js: "1 / x", wgsl: "T(1) / x", kind: "float" },
  sin: { js: "Math.sin(x)", wgsl: "sin_(x)", kind: "float" },
  cos: { js: "Math.cos(x)", wgsl: "cos_(x)", kind: "float" },
  tanh: { js: "Math.tanh(x)", wgsl: "tanh_(x)", kind: "float" },
  sigmoid: { js: "sigmoid(x)", wgsl: "sigmoid_(x)", kind: "float" },
  erf: { js: "erf(x)", wgsl: "erf_(x)", kind: "float" },
  gelu: { js: "0.5 * x * (1 + erf(x * 0.7071067811865476))", wgsl: "T(0.5) * x * (T(1) + erf_(x * T(0.7071067811865476)))", kind: "float" },
  geluTanh: {
    js: "0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))",
    wgsl: "T(0.5) * x * (T(1) + tanh_(T(0.7978845608028654) * (x + T(0.044715) * x * x * x)))",
    kind: "float",
  },
  quickGelu: { js: "x * sigmoid(1.702 * x)", wgsl: "x * sigmoid_(T(1.702) * x)", kind: "float" },
  silu: { js: "x * sigmoid(x)", wgsl: "x * sigmoid_(x)", kind: "float" },
  softplus: { js: "(x > 20 ? x : Math.log1p(Math.exp(x)))", wgsl: "softplus_(x)", kind: "float" },
  floor: { js: "Math.floor(x)", wgsl: "floor(x)", kind: "same" },
  ceil: { js: "Math.ceil(x)", wgsl: "ceil(x)", kind: "same" },
  round: { js: "roundEven(x)", wgsl: "round(x)", kind: "same" },
  logicalNot: { js: "(x ? 0 : 1)", wgsl: "select(1u, 0u, truthy_(x))", kind: "bool" },
  isnan: { js: "(x !== x ? 1 : 0)", wgsl: "select(0u, 1u, isnan_(x))", kind: "bool" },
} as const satisfies Record<string, UnaryDef>;

export type UnaryOpName = keyof typeof UNARY;

/** `arith` promotes the operands, `float` also turns ints into float32, `compare`/`logical` give bool. */
export type BinaryKind = "arith" | "float" | "compare" | "logical";

export interface BinaryDef {
  readonly js: string;
  readonly wgsl: string;
  readonly kind: BinaryKind;
}

export const BINARY = {
  add: { js: "x + y", wgsl: "x + y", kind: "arith" },
  sub: { js: "x - y", wgsl: "x - y", kind: "arith" },
  mul: { js: "x * y", wgsl: "x * y", kind: "arith" },
  div: { js: "x / y", wgsl: "x / y", kind: "float" },
  pow: { js: "Math.pow(x, y)", wgsl: "pow_(x, y)", kind: "arith" },
  maximum: { js: "(x !== x || x > y ? x : y)", wgsl: "max_(x, y)", kind: "arith" },
  minimum: { js: "(x !== x || x < y ? x : y)", wgsl: "min_(x, y)", kind: "arith" },
  atan2: { js: "Math.atan2(x, y)", wgsl: "atan2_(x, y)", kind: "float" },
  eq: { js: "(x === y ? 1 : 0)", wgsl: "select(0u, 1u, x == y)", kind: "compare" },
  ne: { js: "(x !== y ? 1 : 0)", wgsl: "select(1u, 0u, x == y)", kind: "compare" },
  lt: { js: "(x < y ? 1 : 0)", wgsl: "select(0u, 1u, x < y)", kind: "compare" },
  le: { js: "(x <= y ? 1 : 0)", wgsl: "select(0u, 1u, x <= y)", kind: "compare" },
  gt: { js: "(x > y ? 1 : 0)", wgsl: "select(0u, 1u, x > y)", kind: "compare" },
  ge: { js: "(x >= y ? 1 : 0)", wgsl: "select(0u, 1u, x >= y)", kind: "compare" },
  logicalAnd: { js: "(x && y ? 1 : 0)", wgsl: "select(0u, 1u, truthy_(x) && truthy_(y))", kind: "logical" },
  logicalOr: { js: "(x || y ? 1 : 0)", wgsl: "select(0u, 1u, truthy_(x) || truthy_(y))", kind: "logical" },
  logicalXor: { js: "(!x !== !y ? 1 : 0)", wgsl: "select(0u, 1u, truthy_(x) != truthy_(y))", kind: "logical" },
} as const satisfies Record<string, BinaryDef>;

export type BinaryOpName = keyof typeof BINARY;
