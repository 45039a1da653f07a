import { fromHost, tensor, zerosLike, type Tensor } from "@diva/tensor";
import { unflattenParams } from "../params.js";
import { DDIMScheduler } from "./schedulers/ddim.js";
import { DDPMScheduler } from "./schedulers/ddpm.js";
import type { SchedulerStepOutput } from "./schedulers/base.js";
import type { DDIMSchedulerConfig, DDPMSchedulerConfig } from "./schedulers/config.js";
import type { UNet2DConditionConfig } from "./unet/config.js";
import { unetForwardWithIntermediates } from "./unet/forward.js";
import type { UNetParams } from "./unet/params.js";
import type { AutoencoderKLConfig } from "./vae/config.js";
import { vaeDecode, vaeEncodeWithIntermediates } from "./vae/forward.js";
import type { VAEParams } from "./vae/params.js";

/** The model family of a diffusion fixture. */
export type DiffusionFixtureKind = "unet" | "vae" | "ddpm_scheduler" | "ddim_scheduler";

/** A fixture in the ../shared/fixtures format: tensors plus `__metadata__` with JSON values parsed. */
export interface DiffusionFixture {
  /** All tensors of the file: weights, `input.*`, `output.*`, `intermediate.*`, `grad.*`. */
  tensors: Record<string, Tensor>;
  /** `__metadata__` entries, JSON values parsed. */
  meta: Record<string, unknown>;
}

const REFERENCE = /^(input|output|intermediate|grad)\./;

/** The family of a fixture, from its tensor names and metadata, or null when it is not a diffusion fixture. */
export function diffusionFixtureKind(f: DiffusionFixture): DiffusionFixtureKind | null {
  const names = Object.keys(f.tensors);
  if (names.includes("input.encoder_hidden_states")) return "unet";
  if (names.some((n) => n.startsWith("encoder.conv_in.") || n.startsWith("decoder.conv_in."))) return "vae";
  if (names.includes("alphas_cumprod") || names.includes("betas")) {
    const text = `${String(f.meta.fixture ?? "")} ${JSON.stringify(f.meta.config ?? {})} ${JSON.stringify(f.meta.notes ?? "")}`;
    return /ddim/i.test(text) && !/DDPMScheduler\(/.test(text) ? "ddim_scheduler" : "ddpm_scheduler";
  }
  return null;
}

/**
 * The relative tolerance (max abs error / max |reference|) for an output: 1e-4 for UNet and VAE, 1e-5 for the
 * schedulers except their step variance (1e-4, which the reference computes in float32).
 */
export function diffusionTolerance(kind: DiffusionFixtureKind, name: string): number {
  if (kind === "unet" || kind === "vae") return 1e-4;
  return /variance$/.test(name) ? 1e-4 : 1e-5;
}

/** Model weights of a fixture (every tensor without a reference prefix) as a tree. */
function weightsOf(f: DiffusionFixture): ReturnType<typeof unflattenParams> {
  const weights = Object.entries(f.tensors).filter(([k]) => !REFERENCE.test(k));
  return unflattenParams(Object.fromEntries(weights), `fixture ${String(f.meta.fixture ?? "")}`.trim());
}

function need(f: DiffusionFixture, name: string): Tensor {
  const t = f.tensors[name];
  if (!t) throw new Error(`fixture: missing input tensor ${name}`);
  return t;
}

function unetOutputs(f: DiffusionFixture): Record<string, () => Tensor> {
  const config = f.meta.config as UNet2DConditionConfig;
  const params = weightsOf(f) as unknown as UNetParams;
  let run: ReturnType<typeof unetForwardWithIntermediates> | null = null;
  const get = (): ReturnType<typeof unetForwardWithIntermediates> =>
    (run ??= unetForwardWithIntermediates(params, need(f, "input.sample"), need(f, "input.timesteps"), need(f, "input.encoder_hidden_states"), config));
  const out: Record<string, () => Tensor> = { "output.sample": () => get().sample };
  for (const name of Object.keys(f.tensors)) {
    const m = /^intermediate\.(.+)$/.exec(name);
    if (m) out[name] = () => {
      const t = get().intermediates[m[1]!];
      if (!t) throw new Error(`UNet has no intermediate called ${m[1]}`);
      return t;
    };
  }
  return out;
}

function vaeOutputs(f: DiffusionFixture): Record<string, () => Tensor> {
  const config = f.meta.config as AutoencoderKLConfig;
  const params = weightsOf(f) as unknown as VAEParams;
  let enc: ReturnType<typeof vaeEncodeWithIntermediates> | null = null;
  const get = (): ReturnType<typeof vaeEncodeWithIntermediates> => (enc ??= vaeEncodeWithIntermediates(params, need(f, "input.pixel_values"), config));
  const out: Record<string, () => Tensor> = {
    "output.latent_mean": () => get().posterior.mean,
    "output.latent_logvar": () => get().posterior.logvar,
    "output.latent_std": () => get().posterior.std,
    "output.moments": () => get().posterior.moments,
    "output.decoded_mean": () => vaeDecode(params, get().posterior.mean, config),
  };
  if (f.tensors["input.latents"]) out["output.decoded"] = () => vaeDecode(params, f.tensors["input.latents"]!, config);
  for (const name of Object.keys(f.tensors)) {
    const m = /^intermediate\.(.+)$/.exec(name);
    if (m) out[name] = () => {
      const t = get().intermediates[m[1]!];
      if (!t) throw new Error(`VAE has no intermediate called ${m[1]}`);
      return t;
    };
  }
  return out;
}

/** The first element of every `*timestep` input (scalars the schedulers take as numbers), read once. */
async function scalarInputs(f: DiffusionFixture): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [name, t] of Object.entries(f.tensors)) if (/\.input\.timestep$/.test(name)) out.set(name, (await t.data())[0]!);
  return out;
}

type AnyScheduler = DDPMScheduler | DDIMScheduler;

function schedulerOutputs(f: DiffusionFixture, kind: "ddpm_scheduler" | "ddim_scheduler", scalars: Map<string, number>): Record<string, () => Tensor> {
  const config = (f.meta.config ?? {}) as DDPMSchedulerConfig & DDIMSchedulerConfig;
  const make = (over: Partial<DDPMSchedulerConfig> = {}): AnyScheduler =>
    kind === "ddpm_scheduler" ? new DDPMScheduler({ ...config, ...over }) : new DDIMScheduler({ ...config, ...over });
  const eta = typeof f.meta.eta === "number" ? f.meta.eta : 1;
  const step = (s: AnyScheduler, t: number, noise: Tensor | undefined): SchedulerStepOutput => {
    const [m, x] = [need(f, "step.input.model_output"), need(f, "step.input.sample")];
    return s instanceof DDIMScheduler ? s.step(m, t, x, { noise, eta: noise ? eta : 0 }) : s.step(m, t, x, { noise });
  };
  const base = make();
  const host = (a: Float32Array): Tensor => fromHost(a, "float32", [a.length]);
  const out: Record<string, () => Tensor> = {
    betas: () => host(base.betas),
    alphas: () => host(base.alphas),
    alphas_cumprod: () => host(base.alphasCumprod),
    "output.add_noise": () => base.addNoise(need(f, "input.sample"), need(f, "input.noise"), need(f, "input.timesteps")),
    "output.get_velocity": () => base.getVelocity(need(f, "input.sample"), need(f, "input.noise"), need(f, "input.timesteps")),
  };
  const t = scalars.get("step.input.timestep");
  const z = f.tensors["step.input.variance_noise"];
  if (t !== undefined && base instanceof DDPMScheduler) {
    out["step.variance"] = () => tensor([base.getVariance(t)]);
    for (const pred of ["epsilon", "v_prediction", "sample"] as const) {
      const s = make({ prediction_type: pred });
      const run = (noise: Tensor | undefined): SchedulerStepOutput => step(s, t, noise);
      out[`step.${pred}.prev_sample`] = () => run(z).prevSample;
      out[`step.${pred}.pred_original_sample`] = () => run(z).predOriginalSample;
      out[`step.${pred}.prev_sample_mean`] = () => run(z ? zerosLike(z) : undefined).prevSample;
    }
  }
  for (const name of Object.keys(f.tensors)) {
    const m = /^inference(\d+)\./.exec(name);
    if (!m) continue;
    const prefix = `inference${m[1]}`;
    const s = make();
    const ts = s.setTimesteps(Number(m[1]));
    const ti = scalars.get(`${prefix}.step.input.timestep`);
    const prev = (tt: number): number => s.previousTimestep(tt);
    out[`${prefix}.timesteps`] = () => tensor(ts, { dtype: "int32" });
    if (ti !== undefined) {
      out[`${prefix}.step.prev_timestep`] = () => tensor([prev(ti)], { dtype: "int32" });
      out[`${prefix}.step.prev_sample`] = () => step(s, ti, z).prevSample;
      out[`${prefix}.step.pred_original_sample`] = () => step(s, ti, z).predOriginalSample;
    }
    const last = ts[ts.length - 1]!;
    out[`${prefix}.last_step.prev_sample`] = () => step(s, last, z ? zerosLike(z) : undefined).prevSample;
    out[`${prefix}.last_step.pred_original_sample`] = () => step(s, last, z ? zerosLike(z) : undefined).predOriginalSample;
  }
  return out;
}

/**
 * Producers for the reference outputs a diffusion fixture can name, built from the fixture's own weights,
 * inputs and `__metadata__.config`. Call each producer for the names you compare; an expected name without a
 * producer is an output this implementation cannot make (a gradient whose loss the fixture does not define).
 */
export async function diffusionFixtureOutputs(
  f: DiffusionFixture,
  kind: DiffusionFixtureKind | null = diffusionFixtureKind(f),
): Promise<Record<string, () => Tensor>> {
  switch (kind) {
    case "unet":
      return unetOutputs(f);
    case "vae":
      return vaeOutputs(f);
    case "ddpm_scheduler":
    case "ddim_scheduler":
      return schedulerOutputs(f, kind, await scalarInputs(f));
    default:
      throw new Error("fixture: not a UNet, VAE or scheduler fixture");
  }
}

/** Names in a fixture that are reference outputs (not weights or inputs) and must be compared. */
export function diffusionReferenceNames(f: DiffusionFixture, kind: DiffusionFixtureKind): string[] {
  return Object.keys(f.tensors).filter((n) => {
    if (/^(output|intermediate|grad)\./.test(n)) return true;
    if (kind === "ddpm_scheduler" || kind === "ddim_scheduler") return !/(^|\.)input\./.test(n);
    return false;
  });
}
