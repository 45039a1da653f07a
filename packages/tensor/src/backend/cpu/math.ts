/**
 * erf to about 1e-15 relative error: Maclaurin series for |x| < 2.5 (the cancellation there costs at most
 * e^(x^2) ~ 500 ulps of double, far below float32 and enough for float64 gradient checks), and a continued
 * fraction for erfc beyond. Slow; `erf` below uses it only to build its table.
 */
function erfSeries(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = sum * 1.1283791670955126;
    return x < 0 ? -r : r;
  }
  if (ax > 6) return x < 0 ? -1 : 1;
  const r = 1 - erfcLarge(ax);
  return x < 0 ? -r : r;
}

/** erfc(x) for x >= 2.5 by the Laplace continued fraction, evaluated with Lentz's method. */
function erfcLarge(x: number): number {
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (f * 1.7724538509055159);
}

// Table of erf(x0) and (2/sqrt(pi)) exp(-x0^2) at x0 = k / 64 on [0, 6]; erf(x0 + h) is then the Taylor
// expansion with Hermite-polynomial derivatives up to h^7 (|h| <= 1/128: truncation error below 1e-16).
const STEPS = 64;
const ERF_TABLE = new Float64Array(6 * STEPS + 2);
const DERIV_TABLE = new Float64Array(6 * STEPS + 2);
for (let k = 0; k < ERF_TABLE.length; k++) {
  const x0 = k / STEPS;
  ERF_TABLE[k] = erfSeries(x0);
  DERIV_TABLE[k] = 1.1283791670955126 * Math.exp(-x0 * x0);
}

/** erf(x) to about 1e-16 absolute error, from the table above (about 25 flops, no exp). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax >= 6) return x < 0 ? -1 : 1;
  const k = Math.round(ax * STEPS);
  const x0 = k / STEPS;
  const h = ax - x0;
  const x2 = x0 * x0;
  const h1 = 2 * x0;
  const h2 = 4 * x2 - 2;
  const h3 = (8 * x2 - 12) * x0;
  const h4 = (16 * x2 - 48) * x2 + 12;
  const h5 = ((32 * x2 - 160) * x2 + 120) * x0;
  const h6 = ((64 * x2 - 480) * x2 + 720) * x2 - 120;
  const poly = h * (1 + h * (-h1 / 2 + h * (h2 / 6 + h * (-h3 / 24 + h * (h4 / 120 + h * (-h5 / 720 + (h * h6) / 5040))))));
  const r = ERF_TABLE[k]! + DERIV_TABLE[k]! * poly;
  return x < 0 ? -r : r;
}

/** Round half to even, as torch.round and WGSL round do. */
export function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Logistic sigmoid with one exp, accurate in both tails. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
