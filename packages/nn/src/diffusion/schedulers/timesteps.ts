import type { TimestepSpacing } from "./config.js";

/** numpy's `round` (round half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Inference timesteps in descending order, as diffusers' `set_timesteps` computes them with numpy:
 * `linspace` rounds `np.linspace(0, T-1, n)`, `leading` takes multiples of `T // n` plus `steps_offset`,
 * `trailing` rounds `np.arange(T, 0, -T/n)` and subtracts one.
 */
export function inferenceTimesteps(numTrain: number, n: number, spacing: TimestepSpacing, stepsOffset: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setTimesteps: the number of inference steps must be a positive integer, got ${n}`);
  if (n > numTrain) {
    throw new Error(`setTimesteps: ${n} inference steps exceed num_train_timesteps ${numTrain}`);
  }
  if (spacing === "linspace") {
    const step = n > 1 ? (numTrain - 1) / (n - 1) : 0;
    const values = Array.from({ length: n }, (_, i) => (i === n - 1 && n > 1 ? numTrain - 1 : i * step));
    return values.map(roundHalfEven).reverse();
  }
  if (spacing === "leading") {
    const ratio = Math.floor(numTrain / n);
    return Array.from({ length: n }, (_, i) => (n - 1 - i) * ratio + stepsOffset);
  }
  // np.arange(T, 0, -ratio): length ceil(T / ratio), values start + i * ((start + step) - start).
  const ratio = numTrain / n;
  const length = Math.ceil((0 - numTrain) / -ratio);
  const delta = numTrain - ratio - numTrain;
  return Array.from({ length }, (_, i) => roundHalfEven(numTrain + i * delta) - 1);
}
