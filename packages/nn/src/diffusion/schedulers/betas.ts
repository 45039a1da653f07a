import { cumprodF32, f32, linspaceF32, sqrt32, sub32 } from "./float32.js";

/** The beta schedules of diffusers' DDPM and DDIM schedulers. */
export type BetaSchedule = "linear" | "scaled_linear" | "squaredcos_cap_v2" | "sigmoid";

/** What decides the betas (the matching fields of a diffusers scheduler config). */
export interface BetaScheduleOptions {
  /** Number of diffusion steps T. */
  readonly num_train_timesteps: number;
  /** First beta (before the schedule's transform). */
  readonly beta_start: number;
  /** Last beta (before the schedule's transform). */
  readonly beta_end: number;
  /** How betas go from start to end. */
  readonly beta_schedule: BetaSchedule;
  /** Explicit betas (length T), overriding the schedule. */
  readonly trained_betas?: readonly number[] | null;
  /** Rescale to zero terminal SNR (Lin et al. 2023). */
  readonly rescale_betas_zero_snr?: boolean;
}

/**
 * Betas as diffusers holds them (float32): `linear` is `linspace(start, end)`, `scaled_linear` is
 * `linspace(sqrt(start), sqrt(end)) ** 2`, `squaredcos_cap_v2` discretises the cosine alpha-bar of Nichol and
 * Dhariwal (in double, capped at 0.999), `sigmoid` is `sigmoid(linspace(-6, 6)) * (end - start) + start`.
 */
export function makeBetas(options: BetaScheduleOptions): Float32Array {
  const n = options.num_train_timesteps;
  if (!Number.isInteger(n) || n < 1) throw new Error(`scheduler: num_train_timesteps must be a positive integer, got ${n}`);
  let betas: Float32Array;
  if (options.trained_betas) {
    if (options.trained_betas.length !== n) {
      throw new Error(`scheduler: trained_betas has ${options.trained_betas.length} values, num_train_timesteps is ${n}`);
    }
    betas = Float32Array.from(options.trained_betas);
  } else {
    switch (options.beta_schedule) {
      case "linear":
        betas = linspaceF32(options.beta_start, options.beta_end, n);
        break;
      case "scaled_linear":
        betas = linspaceF32(Math.sqrt(options.beta_start), Math.sqrt(options.beta_end), n).map((b) => f32(b * b));
        break;
      case "squaredcos_cap_v2":
        betas = cosineBetas(n);
        break;
      case "sigmoid": {
        const scale = options.beta_end - options.beta_start;
        betas = linspaceF32(-6, 6, n).map((x) => f32(f32(f32(1 / (1 + Math.exp(-x))) * scale) + options.beta_start));
        break;
      }
      default:
        throw new Error(`scheduler: beta_schedule ${JSON.stringify(options.beta_schedule)} is not one of linear, scaled_linear, squaredcos_cap_v2, sigmoid`);
    }
  }
  return options.rescale_betas_zero_snr ? rescaleZeroTerminalSnr(betas) : betas;
}

/** `betas_for_alpha_bar(n)` with the cosine transform: computed in double, stored as float32. */
function cosineBetas(n: number): Float32Array {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999);
  return out;
}

/** Rescales betas to zero terminal SNR (Lin et al. 2023, algorithm 1), in float32 as diffusers does. */
function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const sqrtBar = cumprodF32(betas.map((b) => sub32(1, b))).map(sqrt32);
  const first = sqrtBar[0]!;
  const last = sqrtBar[sqrtBar.length - 1]!;
  const scale = f32(first / sub32(first, last));
  const bar = sqrtBar.map((v) => {
    const shifted = f32(f32(v - last) * scale);
    return f32(shifted * shifted);
  });
  const out = new Float32Array(betas.length);
  for (let i = 0; i < out.length; i++) out[i] = sub32(1, i === 0 ? bar[0]! : f32(bar[i]! / bar[i - 1]!));
  return out;
}

/** alphas = 1 - betas and their cumulative product, both float32 as diffusers holds them. */
export function alphasFromBetas(betas: Float32Array): {
  /** 1 - betas. */
  alphas: Float32Array;
  /** Cumulative product of the alphas. */
  alphasCumprod: Float32Array;
} {
  const alphas = betas.map((b) => sub32(1, b));
  return { alphas, alphasCumprod: cumprodF32(alphas) };
}
