import { normal, randomKey, tidy, type Tensor } from "@diva/tensor";
import { describe, expect, it } from "vitest";
import { unflattenParams } from "../../params.js";
import { compare, loadFixture } from "../test-utils.js";
import { SD21_BASE_VAE_CONFIG, type AutoencoderKLConfig } from "./config.js";
import { vaeDecode, vaeEncode, vaeEncodeWithIntermediates } from "./forward.js";
import { initVAE } from "./init.js";
import type { VAEParams } from "./params.js";
import { vaeParamCount, vaeParamShapes } from "./shapes.js";

const fixture = await loadFixture("vae_tiny");

describe.skipIf(!fixture)("AutoencoderKL parity with diffusers (vae_tiny fixture)", () => {
  const f = fixture!;
  const config = f.meta.config as AutoencoderKLConfig;
  const weights = Object.fromEntries(Object.entries(f.tensors).filter(([k]) => !/^(input|output|intermediate|grad)\./.test(k)));

  it("declares exactly the fixture's parameter names and shapes, in state_dict order", () => {
    const shapes = vaeParamShapes(config);
    expect([...shapes.keys()]).toEqual(Object.keys(weights));
    for (const [name, shape] of shapes) expect(weights[name]!.shape, name).toEqual(shape);
  });

  it("matches every output and intermediate", async () => {
    const params = unflattenParams(weights) as unknown as VAEParams;
    const T = f.tensors;
    const { posterior, intermediates } = vaeEncodeWithIntermediates(params, T["input.pixel_values"]!, config);
    const produced: Record<string, () => Tensor> = {
      "output.latent_mean": () => posterior.mean,
      "output.latent_logvar": () => posterior.logvar,
      "output.latent_std": () => posterior.std,
      "output.moments": () => posterior.moments,
      "output.decoded_mean": () => vaeDecode(params, posterior.mean, config),
    };
    for (const [k, v] of Object.entries(intermediates)) produced[`intermediate.${k}`] = () => v;
    const rows: string[] = [];
    for (const name of Object.keys(T).filter((k) => /^(output|intermediate)\./.test(k))) {
      expect(produced[name], `no output for ${name}`).toBeDefined();
      const { maxAbs, maxRel } = await compare(produced[name]!(), T[name]!);
      rows.push(`${name}: max abs ${maxAbs.toExponential(2)}, rel ${maxRel.toExponential(2)}`);
      expect(maxRel, name).toBeLessThan(1e-4);
    }
    console.log(`vae_tiny parity\n  ${rows.join("\n  ")}`);
  });
});

describe("AutoencoderKL", () => {
  it("has the SD-2.1-base parameter count", () => {
    expect(vaeParamCount(SD21_BASE_VAE_CONFIG)).toBe(83_653_863);
  });

  it("round-trips shapes through a freshly initialised tiny model", () => {
    const config: AutoencoderKLConfig = { block_out_channels: [8, 16, 16], norm_num_groups: 4, layers_per_block: 1, latent_channels: 2 };
    const params = initVAE(randomKey(0), config);
    tidy(() => {
      const x = normal(randomKey(1), [2, 3, 16, 16]);
      const post = vaeEncode(params, x, config);
      expect(post.mean.shape).toEqual([2, 2, 4, 4]);
      expect(vaeDecode(params, post.mean, config).shape).toEqual([2, 3, 16, 16]);
    });
  });
});
