import type { WgslComputeType } from "../dtypes.js";

interface Helper {
  readonly deps: readonly string[];
  /** Dependencies of the i32 definition when they differ from `deps`. */
  readonly depsI32?: readonly string[];
  readonly f32?: string;
  readonly i32?: string;
  /** Same source for both compute types (written in terms of the alias `T`). */
  readonly any?: string;
}

/**
 * WGSL helper functions that elementwise expressions may call (`erf_`, `tanh_`, ...), with the accuracy
 * care that WGSL's builtins lack: series near zero for expm1/log1p/erf, NaN-propagating max/min, exact
 * integer powers, IEEE NaN tests by bit pattern (compilers may fold `x != x`). NaN and infinity come from
 * private variables because a constant NaN is a shader-creation error in WGSL.
 */
const HELPERS: Record<string, Helper> = {
  inf_: {
    deps: [],
    any: `var<private> inf_bits_: u32 = 0x7f800000u;\nfn inf_() -> f32 { return bitcast<f32>(inf_bits_); }`,
  },
  nan_: {
    deps: [],
    any: `var<private> nan_bits_: u32 = 0x7fc00000u;\nfn nan_() -> f32 { return bitcast<f32>(nan_bits_); }`,
  },
  isnan_: {
    deps: [],
    f32: `fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }`,
    i32: `fn isnan_(x: i32) -> bool { return false; }`,
  },
  max_: { deps: ["isnan_"], any: `fn max_(x: T, y: T) -> T { return select(y, x, isnan_(x) || x > y); }` },
  min_: { deps: ["isnan_"], any: `fn min_(x: T, y: T) -> T { return select(y, x, isnan_(x) || x < y); }` },
  f2i_: {
    deps: ["isnan_"],
    any: `fn f2i_(v: f32) -> i32 {
  if (isnan_(v) || (bitcast<u32>(v) & 0x7fffffffu) == 0x7f800000u) { return 0; }
  let t = trunc(v);
  if (abs(t) < 2147483648.0) { return i32(t); }
  return bitcast<i32>(u32(t - floor(t / 4294967296.0) * 4294967296.0));
}`,
  },
  truthy_: { deps: ["isnan_"], any: `fn truthy_(x: T) -> bool { return x != T(0) && !isnan_(x); }` },
  sign_: { deps: [], any: `fn sign_(x: T) -> T { return select(select(x, T(-1), x < T(0)), T(1), x > T(0)); }` },
  expm1_: {
    deps: [],
    f32: `fn expm1_(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x / 2.0 * (1.0 + x / 3.0 * (1.0 + x / 4.0 * (1.0 + x / 5.0 * (1.0 + x / 6.0 * (1.0 + x / 7.0 * (1.0 + x / 8.0)))))));
  }
  return exp(x) - 1.0;
}`,
  },
  log1p_: {
    deps: [],
    f32: `fn log1p_(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    let s = x / (2.0 + x);
    let s2 = s * s;
    return 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0 + s2 * (1.0 / 13.0 + s2 / 15.0)))))));
  }
  return log(1.0 + x);
}`,
  },
  tanh_: {
    deps: ["expm1_"],
    f32: `fn tanh_(x: f32) -> f32 {
  if (abs(x) > 10.0) { return sign(x); }
  let e = expm1_(2.0 * abs(x));
  let t = e / (e + 2.0);
  return select(-t, t, x >= 0.0);
}`,
  },
  sincos_: {
    deps: [],
    f32: `// sin(x) (c = 0) or cos(x) (c = 1), as Cephes sinf/cosf: reduction by pi/4 in three parts, then minimax
// polynomials on [-pi/4, pi/4]. A few ulp up to |x| ~ 8192 on every device (WGSL's builtins may be 2^-11 off).
fn sincos_(x: f32, c: u32) -> f32 {
  let ax = abs(x);
  var j = u32(ax * 1.2732395447351628);
  var y = f32(j);
  if ((j & 1u) == 1u) { j = j + 1u; y = y + 1.0; }
  j = (j + 2u * c) & 7u;
  var sgn = select(1.0, -1.0, x < 0.0 && c == 0u);
  if (j > 3u) { sgn = -sgn; j = j - 4u; }
  let z = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let zz = z * z;
  var r: f32;
  if (j == 1u || j == 2u) {
    r = ((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz + 4.166664568298827e-2) * zz * zz - 0.5 * zz + 1.0;
  } else {
    r = ((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1) * zz * z + z;
  }
  return sgn * r;
}`,
  },
  sin_: { deps: ["sincos_"], f32: `fn sin_(x: f32) -> f32 { return sincos_(x, 0u); }` },
  cos_: { deps: ["sincos_"], f32: `fn cos_(x: f32) -> f32 { return sincos_(x, 1u); }` },
  atan_: {
    deps: [],
    f32: `// Cephes atanf: reduction to |t| <= tan(pi/8), then a minimax polynomial (a few ulp).
fn atan_(x: f32) -> f32 {
  let ax = abs(x);
  var y0 = 0.0;
  var t = ax;
  if (ax > 2.414213562373095) {
    y0 = 1.5707963267948966;
    t = -1.0 / ax;
  } else if (ax > 0.41421356237309503) {
    y0 = 0.7853981633974483;
    t = (ax - 1.0) / (ax + 1.0);
  }
  let z = t * t;
  let r = y0 + ((((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * t + t);
  return select(r, -r, x < 0.0);
}`,
  },
  atan2_: {
    deps: ["atan_", "isnan_", "nan_"],
    f32: `// Math.atan2(a, b): the angle of the point (b, a), with IEEE signed zeros and infinities.
fn atan2_(a: f32, b: f32) -> f32 {
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  let pi = 3.141592653589793;
  let sa = select(1.0, -1.0, (bitcast<u32>(a) & 0x80000000u) != 0u);
  let bneg = (bitcast<u32>(b) & 0x80000000u) != 0u;
  let ia = (bitcast<u32>(a) & 0x7fffffffu) == 0x7f800000u;
  let ib = (bitcast<u32>(b) & 0x7fffffffu) == 0x7f800000u;
  if (a == 0.0) { return select(a, sa * pi, bneg); }
  if (ib) {
    if (ia) { return sa * select(0.7853981633974483, 2.356194490192345, bneg); }
    return select(bitcast<f32>(bitcast<u32>(a) & 0x80000000u), sa * pi, bneg);
  }
  if (ia || b == 0.0) { return sa * 1.5707963267948966; }
  let r = atan_(a / b);
  return select(r, r + sa * pi, b < 0.0);
}`,
  },
  sigmoid_: {
    deps: [],
    f32: `fn sigmoid_(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}`,
  },
  softplus_: { deps: ["log1p_"], f32: `fn softplus_(x: f32) -> f32 { return select(log1p_(exp(x)), x, x > 20.0); }` },
  erf_: {
    deps: [],
    f32: `fn erf_(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.5) {
    let x2 = x * x;
    return x * 1.1283791670955126 * (1.0 + x2 * (-1.0 / 3.0 + x2 * (0.1 + x2 * (-1.0 / 42.0 + x2 * (1.0 / 216.0 + x2 * (-1.0 / 1320.0 + x2 / 9360.0))))));
  }
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}`,
  },
  powi_: {
    deps: [],
    f32: `fn powi_(b: f32, e: u32) -> f32 {
  var r = 1.0;
  var p = b;
  var n = e;
  loop {
    if (n == 0u) { break; }
    if ((n & 1u) == 1u) { r = r * p; }
    p = p * p;
    n = n >> 1u;
  }
  return r;
}`,
  },
  pow_: {
    deps: ["isnan_", "nan_", "inf_", "powi_"],
    depsI32: [],
    f32: `fn pow_(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (isnan_(x) || isnan_(y)) { return nan_(); }
  if (abs(y) <= 64.0 && floor(y) == y) {
    let r = powi_(x, u32(abs(y)));
    return select(r, 1.0 / r, y < 0.0);
  }
  if (x < 0.0) { return nan_(); }
  if (x == 0.0) { return select(inf_(), 0.0, y > 0.0); }
  return pow(x, y);
}`,
    i32: `fn pow_(x: i32, y: i32) -> i32 {
  if (y < 0) {
    if (x == 1) { return 1; }
    if (x == -1) { return select(1, -1, (y & 1) != 0); }
    return 0;
  }
  var r = 1;
  var p = x;
  var n = y;
  loop {
    if (n == 0) { break; }
    if ((n & 1) == 1) { r = r * p; }
    p = p * p;
    n = n >> 1u;
  }
  return r;
}`,
  },
};

/**
 * The helper definitions `code` calls, with their dependencies, for compute type `T`. Throws if an
 * expression calls a helper that has no definition for `T` (a float-only function on integers).
 */
export function prelude(code: string, T: WgslComputeType): string {
  const out: string[] = [];
  const done = new Set<string>();
  const visit = (name: string) => {
    if (done.has(name)) return;
    done.add(name);
    const h = HELPERS[name]!;
    for (const d of (T === "i32" ? h.depsI32 : undefined) ?? h.deps) visit(d);
    const src = h.any ?? h[T];
    if (src === undefined) throw new Error(`webgpu: helper ${name} is not defined for ${T}`);
    out.push(src);
  };
  for (const name of Object.keys(HELPERS)) if (new RegExp(`\\b${name}\\(`).test(code)) visit(name);
  return out.join("\n");
}
