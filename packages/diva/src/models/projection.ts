import { foldIn, randomKey, splitKey, uniform, type Device, type RandomKey } from "@diva/tensor";
import type { Projection } from "../condition.js";

/**
 * A fresh DIVA projection with torch.nn.Linear's default init: weight and bias uniform in
 * [-1/sqrt(inDim), 1/sqrt(inDim)] (kaiming_uniform with a = sqrt(5) gives the same bound for the weight).
 *
 * @returns weight [outDim, inDim], bias [outDim].
 */
export function initProjection(key: RandomKey, inDim: number, outDim: number, options: { device?: Device } = {}): Projection {
  if (!Number.isInteger(inDim) || inDim < 1 || !Number.isInteger(outDim) || outDim < 1) {
    throw new Error(`initProjection: dims must be positive integers, got ${inDim} -> ${outDim}`);
  }
  const bound = 1 / Math.sqrt(inDim);
  const [kw, kb] = splitKey(key, 2) as [RandomKey, RandomKey];
  return {
    weight: uniform(kw, [outDim, inDim], { min: -bound, max: bound, ...options }),
    bias: uniform(kb, [outDim], { min: -bound, max: bound, ...options }),
  };
}

/** The key `postTrain` initialises the projection from, for a run's seed. */
export function projectionKey(seed: number): RandomKey {
  return foldIn(randomKey(seed), 2_000_003);
}
