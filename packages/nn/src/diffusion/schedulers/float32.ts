/**
 * Scalar float32 arithmetic as PyTorch performs it on 0-d float32 tensors: every result is rounded to float32.
 * Schedulers compute their coefficients this way so that they match diffusers bit for bit.
 */

/** Rounds to the nearest float32. */
export const f32 = Math.fround;

/** float32 a - b. */
export const sub32 = (a: number, b: number): number => f32(a - b);
/** float32 a * b. */
export const mul32 = (a: number, b: number): number => f32(a * b);
/** float32 a / b. */
export const div32 = (a: number, b: number): number => f32(a / b);
/** float32 sqrt(a) (torch's `x ** 0.5`). */
export const sqrt32 = (a: number): number => f32(Math.sqrt(a));

/**
 * float32 fused multiply-add a * b + c with one rounding (the product of two float32 values is exact in double,
 * so only the final sum is rounded, to double and then to float32).
 */
const fma32 = (a: number, b: number, c: number): number => f32(f32(a) * f32(b) + f32(c));

/**
 * `torch.linspace(start, end, steps, dtype=torch.float32)` on the CPU, value for value: the step is computed in
 * float32, the first half counts up from `start` and the second half down from `end`, in vector chunks of 8
 * (two per loop iteration, the AVX2 kernel's layout) whose base is a fused multiply-add, then a scalar tail.
 * @internal
 */
export function linspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 0) return out;
  const s = f32(start);
  const e = f32(end);
  if (steps === 1) {
    out[0] = s;
    return out;
  }
  const step = f32((e - s) / f32(steps - 1));
  const halfway = Math.floor(steps / 2);
  const at = (i: number): number => (i < halfway ? fma32(step, i, s) : fma32(-step, steps - i - 1, e));
  const V = 8;
  let i = 0;
  for (; i + 2 * V <= steps; i += 2 * V) {
    for (const j of [i, i + V]) {
      const base = at(j);
      for (let k = 0; k < V; k++) out[j + k] = f32(base + f32(step * k));
    }
  }
  for (; i < steps; i++) out[i] = at(i);
  return out;
}

/**
 * `torch.cumprod` of a float32 vector on the CPU: accumulated in double, each prefix rounded to float32.
 * @internal
 */
export function cumprodF32(xs: Float32Array): Float32Array {
  const out = new Float32Array(xs.length);
  let acc = 1;
  for (let i = 0; i < xs.length; i++) {
    acc *= xs[i]!;
    out[i] = acc;
  }
  return out;
}
