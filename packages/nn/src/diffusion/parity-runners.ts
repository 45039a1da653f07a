/**
 * Parity runners of the diffusion family (UNet2DConditionModel, AutoencoderKL, DDPM/DDIM schedulers) for the
 * shared parity check (`diva parity FILE`). Importing this module registers them.
 */
import { nameRecord, tidy, type Tensor } from "@diva/tensor";
import type { Fixture } from "../parity/fixture.js";
import { registerParityRunner, type ParityRunner } from "../parity/registry.js";
import { diffusionFixtureKind, diffusionFixtureOutputs, diffusionReferenceNames, diffusionTolerance, type DiffusionFixture, type DiffusionFixtureKind } from "./parity.js";

/** A parity-check fixture in the form the diffusion producers read (all tensors by full name, parsed metadata). */
function asDiffusionFixture(f: Fixture): DiffusionFixture {
  // Names were checked by loadFixture; prototype-less records keep lookups of absent names undefined.
  const tensors = nameRecord<Tensor>([...Object.entries(f.weights), ...Object.entries(f.expected)]);
  for (const [k, t] of Object.entries(f.inputs)) tensors[`input.${k}`] = t;
  const meta = nameRecord<unknown>([["fixture", f.name], ["config", f.config], ["names", f.names]]);
  for (const [k, v] of Object.entries(f.metadata)) {
    if (k in meta) continue;
    try {
      meta[k] = JSON.parse(v);
    } catch {
      meta[k] = v;
    }
  }
  return { tensors, meta };
}

function runner(kind: DiffusionFixtureKind, name: string): ParityRunner {
  return {
    name,
    matches: (f) => diffusionFixtureKind(asDiffusionFixture(f)) === kind,
    tolerance: (n) => diffusionTolerance(kind, n),
    // scheduler fixtures keep expected values (betas, step.*) without an output. prefix
    referenceNames: (f) => diffusionReferenceNames(asDiffusionFixture(f), kind),
    async run(f, wanted) {
      const produce = await diffusionFixtureOutputs(asDiffusionFixture(f), kind);
      // Everything made while producing and not returned (unrequested intermediates) is freed.
      return tidy(() => {
        const out: Record<string, Tensor> = {};
        for (const n of wanted) if (produce[n]) out[n] = produce[n]!();
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

for (const r of diffusionParityRunners) registerParityRunner(r);
