import { normal, randomKey, tidy } from "@diva/tensor";
import { describe, expect, it } from "vitest";
import { loadSharedFixture } from "../../../test/support/shared-fixtures.js";
import { SD21_BASE_VAE_CONFIG, type AutoencoderKLConfig } from "./config.js";
import { vaeDecode, vaeEncode } from "./forward.js";
import { initVAE } from "./init.js";
import { vaeParamCount, vaeParamShapes } from "./specs.js";

const fixture = await loadSharedFixture("vae_tiny");

describe.skipIf(!fixture)("AutoencoderKL parity with diffusers (vae_tiny fixture)", () => {
  // the body still runs to collect tests when the suite is skipped: register none without the fixture
  if (!fixture) return;
  const f = fixture;
  const config = f.config as AutoencoderKLConfig;
  const weights = f.weights;

  it("declares exactly the fixture's parameter names and shapes, in state_dict order", () => {
    const shapes = vaeParamShapes(config);
    expect([...shapes.keys()]).toEqual(Object.keys(weights));
    for (const [name, shape] of shapes) expect(weights[name]!.shape, name).toEqual(shape);
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
