/**
 * The one-sided paired t-test of the UNet caption check: H0 mean difference <= 0 against H1 mean difference > 0.
 * Student's t distribution is evaluated through the regularised incomplete beta function (continued fraction),
 * so p-values are exact to about 1e-12, with no table and no normal approximation.
 */

/** Result of a paired t-test on differences d_i = x_i - y_i. */
export interface PairedTTest {
  /** Number of pairs. */
  readonly n: number;
  /** Mean difference. */
  readonly mean: number;
  /** Sample standard deviation of the differences (n - 1 in the denominator). */
  readonly sd: number;
  /** t = mean / (sd / sqrt(n)); +-Infinity when every difference is the same non-zero value, 0 when all are 0. */
  readonly t: number;
  /** Degrees of freedom, n - 1. */
  readonly df: number;
  /** One-sided p-value P(T >= t) under H0 (small when the mean difference is clearly positive). */
  readonly pOneSided: number;
}

/** The one-sided (greater) paired t-test of `differences`; needs at least 2 finite values. */
export function pairedTTest(differences: ArrayLike<number>): PairedTTest {
  const n = differences.length;
  if (n < 2) throw new RangeError(`pairedTTest: needs at least 2 differences, got ${n}`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = differences[i]!;
    if (!Number.isFinite(d)) throw new RangeError(`pairedTTest: difference ${i} is ${d}`);
    sum += d;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (differences[i]! - mean) ** 2;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(differences[i]!));
  // a spread at the level of rounding error is no spread (0.2, 0.2, 0.2 does not average to exactly 0.2)
  const sd = Math.sqrt(ss / (n - 1)) <= 1e-12 * scale ? 0 : Math.sqrt(ss / (n - 1));
  const df = n - 1;
  // exact ties: a constant difference is infinitely significant in its own direction, and no difference at all is t = 0
  const t = sd > 0 ? mean / (sd / Math.sqrt(n)) : mean > 0 ? Infinity : mean < 0 ? -Infinity : 0;
  return { n, mean, sd, t, df, pOneSided: studentTUpperTail(t, df) };
}

/** P(T >= t) for Student's t with `df` degrees of freedom (df a positive integer). */
export function studentTUpperTail(t: number, df: number): number {
  if (!(Number.isInteger(df) && df >= 1)) throw new RangeError(`studentTUpperTail: df must be a positive integer, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  // P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2)
  const twoSided = regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? twoSided / 2 : 1 - twoSided / 2;
}

/** ln Gamma(x) for x a positive multiple of 1/2 (all this module needs): built up from Gamma(1/2) = sqrt(pi), Gamma(1) = 1. */
function logGammaHalf(x: number): number {
  const twice = Math.round(2 * x);
  if (twice < 1 || Math.abs(2 * x - twice) > 1e-9) throw new RangeError(`logGammaHalf: ${x} is not a positive multiple of 1/2`);
  let y = twice % 2 === 1 ? 0.5 : 1;
  let out = twice % 2 === 1 ? 0.5 * Math.log(Math.PI) : 0;
  for (; y < x - 1e-9; y += 1) out += Math.log(y);
  return out;
}

/** I_x(a, b), the regularised incomplete beta function, for a, b positive multiples of 1/2. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`regularizedBeta: x must be in [0, 1], got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logFront = logGammaHalf(a + b) - logGammaHalf(a) - logGammaHalf(b) + a * Math.log(x) + b * Math.log1p(-x);
  // the continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) beyond
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaFraction(1 - x, b, a)) / b;
}

/** The continued fraction of the incomplete beta function, evaluated by the modified Lentz method. */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const guard = (v: number) => (Math.abs(v) < tiny ? tiny : v);
  let c = 1;
  let d = 1 / guard(1 - ((a + b) * x) / (a + 1));
  let f = d;
  for (let m = 1; m <= 10000; m++) {
    // even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 / guard(1 + even * d);
    c = guard(1 + even / c);
    f *= c * d;
    // odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 / guard(1 + odd * d);
    c = guard(1 + odd / c);
    const step = c * d;
    f *= step;
    if (Math.abs(step - 1) < 1e-15) return f;
  }
  return f;
}
