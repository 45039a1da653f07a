import { cast, concat, cos, expand, fromHost, mul, pad, reshape, sin, Tensor, type Device } from "@diva/tensor";
import { f32 } from "../schedulers/float32.js";

/** Timesteps for the UNet: one per batch element, one for the whole batch, as a tensor or numbers. */
export type UNetTimesteps = Tensor | number | readonly number[];

/** The frequencies exp(-ln(maxPeriod) * i / (half - shift)), i < half, in float32 as diffusers computes them. */
function frequencies(half: number, shift: number, maxPeriod: number): Float32Array {
  const c = f32(-Math.log(maxPeriod));
  const denom = f32(half - shift);
  return Float32Array.from({ length: half }, (_, i) => f32(Math.exp(f32(f32(c * i) / denom))));
}

/** Timesteps as a float32 [batch] tensor on `device` (a single value is broadcast). */
export function timestepTensor(timesteps: UNetTimesteps, batch: number, device: Device): Tensor {
  let t: Tensor;
  if (timesteps instanceof Tensor) t = timesteps.dtype === "float32" ? timesteps : cast(timesteps, "float32");
  else {
    const values = typeof timesteps === "number" ? [timesteps] : [...timesteps];
    t = fromHost(Float32Array.from(values), "float32", [values.length], device);
  }
  t = reshape(t, [t.size]);
  if (t.size === batch) return t;
  if (t.size === 1) return expand(t, [batch]);
  throw new Error(`UNet: ${t.size} timesteps for a batch of ${batch}`);
}

/**
 * diffusers' `get_timestep_embedding`: sinusoidal features [B, dim] of timesteps [B], sin then cos (cos then
 * sin with `flipSinToCos`), frequencies exp(-ln(10000) * i / (dim/2 - freqShift)); odd widths get a zero column.
 */
export function timestepEmbedding(t: Tensor, dim: number, flipSinToCos: boolean, freqShift: number, scale = 1, maxPeriod = 10000): Tensor {
  const half = Math.floor(dim / 2);
  const freqs = fromHost(frequencies(half, freqShift, maxPeriod), "float32", [1, half], t.device);
  let args = mul(reshape(t, [t.size, 1]), freqs);
  if (scale !== 1) args = mul(args, scale);
  const parts = flipSinToCos ? [cos(args), sin(args)] : [sin(args), cos(args)];
  const emb = concat(parts, 1);
  return dim % 2 === 1 ? pad(emb, [[0, 1]]) : emb;
}
