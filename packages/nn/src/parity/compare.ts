/** Numerical comparison of a result with its expected value: max absolute and scale-relative error. */
import type { Tensor } from "@diva/tensor";

/** One compared result. */
export interface Comparison {
  /** Full name (`output.image_embeds`). */
  name: string;
  /** Expected shape. */
  shape: readonly number[];
  /** max |actual - expected|. */
  maxAbs: number;
  /** maxAbs / max |expected| (the error relative to the tensor's scale). */
  maxRel: number;
  /** Tolerance on maxRel. */
  tolerance: number;
  /** Within tolerance, shapes agree and nothing is NaN. */
  ok: boolean;
  /** Why it failed, if not numerically. */
  note?: string;
}

/**
 * Compares `actual` with `expected`. Shapes must agree up to size-1 dims (a [1] loss matches a scalar).
 * Relative error is taken against the largest expected magnitude, so near-zero elements do not dominate;
 * an all-zero expectation falls back to the absolute error.
 */
export async function compareTensors(name: string, actual: Tensor, expected: Tensor, tolerance: number): Promise<Comparison> {
  const shape = [...expected.shape];
  const squeeze = (s: readonly number[]) => s.filter((d) => d !== 1).join(",");
  if (squeeze(actual.shape) !== squeeze(expected.shape)) {
    return { name, shape, maxAbs: NaN, maxRel: NaN, tolerance, ok: false, note: `shape [${actual.shape}] differs from expected [${expected.shape}]` };
  }
  const a = await actual.data();
  const e = await expected.data();
  let maxAbs = 0;
  let scale = 0;
  let nan = false;
  for (let i = 0; i < e.length; i++) {
    const ai = Number(a[i]);
    const ei = Number(e[i]);
    if (Number.isNaN(ai) !== Number.isNaN(ei)) nan = true;
    if (Number.isNaN(ei)) continue;
    const d = Math.abs(ai - ei);
    if (Number.isNaN(d)) nan = true;
    else if (d > maxAbs) maxAbs = d;
    if (Math.abs(ei) > scale) scale = Math.abs(ei);
  }
  const maxRel = scale > 0 ? maxAbs / scale : maxAbs;
  const ok = !nan && maxRel <= tolerance;
  return { name, shape, maxAbs: nan ? NaN : maxAbs, maxRel: nan ? NaN : maxRel, tolerance, ok, ...(nan ? { note: "NaN mismatch" } : {}) };
}
