import { add, cast, fromHost, indexSelect, mul, reshape, sqrt, sub, Tensor, tidy } from "@diva/tensor";
import { sqrt32, sub32 } from "./float32.js";

/** Timesteps for `addNoise`/`getVelocity`: one per batch element (or one for all), as a tensor or numbers. */
export type TimestepsLike = Tensor | number | readonly number[];

/**
 * sqrt(alphas_cumprod[t]) and sqrt(1 - alphas_cumprod[t]) shaped [B, 1, ...] to broadcast over `like`,
 * computed in float32 as diffusers does.
 */
function noiseFactors(alphasCumprod: Float32Array, timesteps: TimestepsLike, like: Tensor, op: string): [Tensor, Tensor] {
  const lookup = (t: number): number => {
    if (!Number.isInteger(t) || t < 0 || t >= alphasCumprod.length) {
      throw new Error(`${op}: timestep ${t} is outside 0..${alphasCumprod.length - 1}`);
    }
    return alphasCumprod[t]!;
  };
  if (timesteps instanceof Tensor) {
    const n = timesteps.size;
    const shape = [n, ...like.shape.slice(1).map(() => 1)];
    const idx = timesteps.dtype === "int32" ? reshape(timesteps, [n]) : cast(reshape(timesteps, [n]), "int32");
    const acp = indexSelect(fromHost(alphasCumprod, "float32", [alphasCumprod.length], like.device), 0, idx);
    return [reshape(sqrt(acp), shape), reshape(sqrt(sub(1, acp)), shape)];
  }
  const ts = typeof timesteps === "number" ? [timesteps] : [...timesteps];
  const shape = [ts.length, ...like.shape.slice(1).map(() => 1)];
  const a = Float32Array.from(ts, (t) => sqrt32(lookup(t)));
  const b = Float32Array.from(ts, (t) => sqrt32(sub32(1, lookup(t))));
  return [fromHost(a, "float32", shape, like.device), fromHost(b, "float32", shape, like.device)];
}

/** Forward diffusion q(x_t | x_0): sqrt(acp[t]) * x0 + sqrt(1 - acp[t]) * noise. */
export function addNoiseWith(alphasCumprod: Float32Array, x0: Tensor, noise: Tensor, timesteps: TimestepsLike): Tensor {
  return tidy(() => {
    const [a, b] = noiseFactors(alphasCumprod, timesteps, x0, "addNoise");
    return add(mul(a, x0), mul(b, noise));
  });
}

/** The v-prediction target: sqrt(acp[t]) * noise - sqrt(1 - acp[t]) * sample. */
export function getVelocityWith(alphasCumprod: Float32Array, sample: Tensor, noise: Tensor, timesteps: TimestepsLike): Tensor {
  return tidy(() => {
    const [a, b] = noiseFactors(alphasCumprod, timesteps, sample, "getVelocity");
    return sub(mul(a, noise), mul(b, sample));
  });
}
