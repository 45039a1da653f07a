/** The demo models in the forms the instrument checks take (so the checks themselves can run on fakes). */
import { add, clamp, mul, sub, tidy, type Tensor } from "@diva/tensor";
import { DDPMScheduler, unetForward, vaeDecode, vaeEncode } from "@diva/nn";
import { DEMO_IMAGE_SIZE, DEMO_SCHEDULER } from "../models/configs.js";
import { textCondition } from "../models/diffusion-train.js";
import type { DemoModels } from "../models/store.js";
import type { CaptionDenoiser } from "./unet-flip.js";
import type { RoundTrip } from "./vae-fidelity.js";

/** Image side the diffusion side (VAE and UNet) works at: the VAE config's sample_size. */
export function diffusionImageSize(m: DemoModels): number {
  const size = m.vaeConfig.sample_size ?? DEMO_IMAGE_SIZE;
  if (typeof size === "number") return size;
  if (size[0] !== size[1]) throw new Error(`instruments: the VAE's sample_size [${size.join(", ")}] is not square; the world renders square images`);
  return size[0];
}

/** VAE input range: images in [0, 1] -> [-1, 1] (as the demo's VAE and UNet were trained). */
const toVae = (x: Tensor) => sub(mul(x, 2), 1);

/** posterior mean -> decode -> back to [0, 1] -> clamp. */
export function demoVaeRoundTrip(m: DemoModels): RoundTrip {
  return (x) => tidy(() => clamp(add(mul(vaeDecode(m.vae, vaeEncode(m.vae, toVae(x), m.vaeConfig).mean, m.vaeConfig), 0.5), 0.5), 0, 1));
}

/** The tiny UNet with its own text encoder, on scaled VAE posterior means, with the demo's DDPM schedule. */
export function demoCaptionDenoiser(m: DemoModels): CaptionDenoiser {
  const scheduler = new DDPMScheduler(DEMO_SCHEDULER);
  const scale = m.vaeConfig.scaling_factor ?? 1;
  return {
    latents: (x) => tidy(() => mul(vaeEncode(m.vae, toVae(x), m.vaeConfig).mean, scale)),
    addNoise: (z0, noise, t) => scheduler.addNoise(z0, noise, t),
    predictNoise: (zt, t, captions) => tidy(() => unetForward(m.unet, zt, t, textCondition(m.textEncoder, m.textEncoderConfig, m.tokenizer, captions), m.unetConfig)),
    timesteps: scheduler.alphasCumprod.length,
  };
}
