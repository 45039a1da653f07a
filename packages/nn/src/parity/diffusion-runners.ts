/**
 * Parity runners of the diffusion family: diffusers' UNet2DConditionModel, AutoencoderKL, DDPMScheduler and
 * DDIMScheduler. Each builds the model from the fixture's own weights, inputs and `__metadata__.config`.
 */
import { fromHost, nameRecord, tensor, tidy, zerosLike, type Tensor } from "@diva/tensor";
import { unflattenAs } from "../checkpoint-names/params.js";
import { unetSpecs } from "../diffusion/unet/specs.js";
import { vaeSpecs } from "../diffusion/vae/specs.js";
import { DDIMScheduler } from "../diffusion/schedulers/ddim.js";
import { DDPMScheduler } from "../diffusion/schedulers/ddpm.js";
import type { SchedulerStepOutput } from "../diffusion/schedulers/base.js";
import type { DDIMSchedulerConfig, DDPMSchedulerConfig } from "../diffusion/schedulers/config.js";
import type { UNet2DConditionConfig } from "../diffusion/unet/config.js";
import { unetForwardWithIntermediates } from "../diffusion/unet/forward.js";
import type { UNetParams } from "../diffusion/unet/params.js";
import type { AutoencoderKLConfig } from "../diffusion/vae/config.js";
import { vaeDecode, vaeEncodeWithIntermediates } from "../diffusion/vae/forward.js";
import type { VAEParams } from "../diffusion/vae/params.js";
import { fixtureTensor, fixtureTensorNames, type Fixture } from "./fixture.js";
import type { ParityRunner } from "./runner.js";

/** The model family of a diffusion fixture. */
type DiffusionFixtureKind = "unet" | "vae" | "ddpm_scheduler" | "ddim_scheduler";

/** The family of a fixture, from its tensor names and metadata, or null when it is not a diffusion fixture. */
function diffusionFixtureKind(f: Fixture): DiffusionFixtureKind | null {
  if (f.inputs.encoder_hidden_states) return "unet";
  const weights = Object.keys(f.weights);
  if (weights.some((n) => n.startsWith("encoder.conv_in.") || n.startsWith("decoder.conv_in."))) return "vae";
  if (f.weights.alphas_cumprod || f.weights.betas) {
    const text = `${f.name} ${JSON.stringify(f.config)} ${f.metadata.notes ?? ""}`;
    return /ddim/i.test(text) && !/DDPMScheduler\(/.test(text) ? "ddim_scheduler" : "ddpm_scheduler";
  }
  return null;
}

/**
 * The relative tolerance (max abs error / max |reference|) for an output: 1e-4 for UNet and VAE, 1e-5 for the
 * schedulers except their step variance (1e-4, which the reference computes in float32).
 */
function diffusionTolerance(kind: DiffusionFixtureKind, name: string): number {
  if (kind === "unet" || kind === "vae") return 1e-4;
  return /variance$/.test(name) ? 1e-4 : 1e-5;
}

function need(f: Fixture, name: string): Tensor {
  const t = fixtureTensor(f, name);
  if (!t) throw new Error(`fixture ${f.name}: missing input tensor ${name}`);
  return t;
}

/** Producers of the fixture's `intermediate.*` tensors from a lazily run forward pass. */
function intermediates(f: Fixture, model: string, get: () => Record<string, Tensor>): Record<string, () => Tensor> {
  const out: Record<string, () => Tensor> = {};
  for (const name of Object.keys(f.expected)) {
    const m = /^intermediate\.(.+)$/.exec(name);
    if (m) out[name] = () => {
      const t = get()[m[1]!];
      if (!t) throw new Error(`${model} has no intermediate called ${m[1]}`);
      return t;
    };
  }
  return out;
}

function unetOutputs(f: Fixture): Record<string, () => Tensor> {
  const config = f.config as UNet2DConditionConfig;
  const params: UNetParams = unflattenAs(f.weights, unetSpecs(config), `fixture ${f.name}`);
  let run: ReturnType<typeof unetForwardWithIntermediates> | null = null;
  const get = (): ReturnType<typeof unetForwardWithIntermediates> =>
    (run ??= unetForwardWithIntermediates(params, need(f, "input.sample"), need(f, "input.timesteps"), need(f, "input.encoder_hidden_states"), config));
  return { "output.sample": () => get().sample, ...intermediates(f, "UNet", () => get().intermediates) };
}

function vaeOutputs(f: Fixture): Record<string, () => Tensor> {
  const config = f.config as AutoencoderKLConfig;
  const params: VAEParams = unflattenAs(f.weights, vaeSpecs(config), `fixture ${f.name}`);
  let enc: ReturnType<typeof vaeEncodeWithIntermediates> | null = null;
  const get = (): ReturnType<typeof vaeEncodeWithIntermediates> => (enc ??= vaeEncodeWithIntermediates(params, need(f, "input.pixel_values"), config));
  const out: Record<string, () => Tensor> = {
    "output.latent_mean": () => get().posterior.mean,
    "output.latent_logvar": () => get().posterior.logvar,
    "output.latent_std": () => get().posterior.std,
    "output.moments": () => get().posterior.moments,
    "output.decoded_mean": () => vaeDecode(params, get().posterior.mean, config),
  };
  const latents = f.inputs.latents;
  if (latents) out["output.decoded"] = () => vaeDecode(params, latents, config);
  return { ...out, ...intermediates(f, "VAE", () => get().intermediates) };
}

/** The first element of every `*timestep` input (scalars the schedulers take as numbers), read once. */
async function scalarInputs(f: Fixture): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [name, t] of Object.entries(f.weights)) if (/\.input\.timestep$/.test(name)) out.set(name, (await t.data())[0]!);
  return out;
}

/** `__metadata__.eta` (the DDIM noise scale) when it is a JSON number, else 1. */
function etaOf(f: Fixture): number {
  try {
    const eta: unknown = JSON.parse(f.metadata.eta ?? "null");
    return typeof eta === "number" ? eta : 1;
  } catch {
    return 1;
  }
}

type AnyScheduler = DDPMScheduler | DDIMScheduler;

function schedulerOutputs(f: Fixture, kind: "ddpm_scheduler" | "ddim_scheduler", scalars: Map<string, number>): Record<string, () => Tensor> {
  const config = f.config as DDPMSchedulerConfig & DDIMSchedulerConfig;
  const make = (over: Partial<DDPMSchedulerConfig> = {}): AnyScheduler =>
    kind === "ddpm_scheduler" ? new DDPMScheduler({ ...config, ...over }) : new DDIMScheduler({ ...config, ...over });
  const eta = etaOf(f);
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
  const z = f.weights["step.input.variance_noise"];
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
  for (const name of Object.keys(f.weights)) {
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
 * Producers for the reference outputs a diffusion fixture can name. An expected name without a producer is an
 * output this implementation cannot make (a gradient whose loss the fixture does not define).
 */
async function diffusionFixtureOutputs(f: Fixture, kind: DiffusionFixtureKind): Promise<Record<string, () => Tensor>> {
  switch (kind) {
    case "unet":
      return unetOutputs(f);
    case "vae":
      return vaeOutputs(f);
    case "ddpm_scheduler":
    case "ddim_scheduler":
      return schedulerOutputs(f, kind, await scalarInputs(f));
  }
}

/**
 * Names in a fixture that are reference outputs and must be compared: every `output.*`, `intermediate.*` and
 * `grad.*`, and for a scheduler also its unprefixed values (`betas`, `step.*`) except the step inputs.
 */
function diffusionReferenceNames(f: Fixture, kind: DiffusionFixtureKind): string[] {
  return fixtureTensorNames(f).filter((n) => {
    if (/^(output|intermediate|grad)\./.test(n)) return true;
    if (kind === "ddpm_scheduler" || kind === "ddim_scheduler") return !/(^|\.)input\./.test(n);
    return false;
  });
}

function runner(kind: DiffusionFixtureKind, name: string): ParityRunner {
  return {
    name,
    matches: (f) => diffusionFixtureKind(f) === kind,
    tolerance: (n) => diffusionTolerance(kind, n),
    referenceNames: (f) => diffusionReferenceNames(f, kind),
    async run(f, wanted) {
      const produce = await diffusionFixtureOutputs(f, kind);
      // Everything made while producing and not returned (unrequested intermediates) is freed.
      return tidy(() => {
        const out = nameRecord<Tensor>();
        for (const n of wanted) if (Object.hasOwn(produce, n)) out[n] = produce[n]!();
        return out;
      });
    },
  };
}

/** The diffusion runners: UNet, VAE, DDPM and DDIM schedulers. */
export const diffusionParityRunners: readonly ParityRunner[] = [
  runner("unet", "diffusers UNet2DConditionModel"),
  runner("vae", "diffusers AutoencoderKL"),
  runner("ddpm_scheduler", "diffusers DDPMScheduler"),
  runner("ddim_scheduler", "diffusers DDIMScheduler"),
];
