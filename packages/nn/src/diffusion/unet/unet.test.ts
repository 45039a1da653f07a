import { randomKey, tidy, valueAndGrad, normal, sum, square, type Tensor } from "@diva/tensor";
import { describe, expect, it } from "vitest";
import { unflattenAs } from "../../checkpoint-names/params.js";
import { loadSharedFixture } from "../../../test/support/shared-fixtures.js";
import { SD21_BASE_UNET_CONFIG, type UNet2DConditionConfig } from "./config.js";
import { unetForward } from "./forward.js";
import { initUNet } from "./init.js";
import { unetParamCount, unetParamShapes, unetSpecs } from "./specs.js";

const fixture = await loadSharedFixture("unet_tiny");

describe.skipIf(!fixture)("UNet2DConditionModel parity with diffusers (unet_tiny fixture)", () => {
  // the body still runs to collect tests when the suite is skipped: register none without the fixture
  if (!fixture) return;
  const f = fixture;
  const config = f.config as UNet2DConditionConfig;
  const weights = f.weights;

  it("declares exactly the fixture's parameter names and shapes, in state_dict order", () => {
    const shapes = unetParamShapes(config);
    expect([...shapes.keys()]).toEqual(Object.keys(weights));
    for (const [name, shape] of shapes) expect(weights[name]!.shape, name).toEqual(shape);
  });

  it("backpropagates to encoder_hidden_states", async () => {
    const params = unflattenAs(weights, unetSpecs(config), `fixture ${f.name}`);
    const x = f.inputs;
    const loss = (ctx: Tensor): Tensor => sum(square(unetForward(params, x.sample!, x.timesteps!, ctx, config)));
    const [value, g] = valueAndGrad(loss)(x.encoder_hidden_states!);
    expect(g.shape).toEqual(x.encoder_hidden_states!.shape);
    const gd = await g.data();
    expect(gd.some((x) => x !== 0)).toBe(true);
    expect(Number.isFinite(await value.item())).toBe(true);
  });
});

describe("UNet2DConditionModel", () => {
  it("has the SD-2.1-base parameter count", () => {
    expect(unetParamCount(SD21_BASE_UNET_CONFIG)).toBe(865_910_724);
  });

  it("inits a tiny model with a conv projection, scale_shift, odd sizes and several transformer layers", () => {
    const config: UNet2DConditionConfig = {
      block_out_channels: [8, 16],
      down_block_types: ["DownBlock2D", "CrossAttnDownBlock2D"],
      up_block_types: ["CrossAttnUpBlock2D", "UpBlock2D"],
      layers_per_block: 1,
      attention_head_dim: 2,
      cross_attention_dim: 12,
      norm_num_groups: 4,
      use_linear_projection: false,
      transformer_layers_per_block: 2,
      resnet_time_scale_shift: "scale_shift",
      time_embedding_dim: 20,
    };
    const params = initUNet(randomKey(1), config);
    expect(params.down_blocks[1]!.attentions![0]!.proj_in.weight.shape).toEqual([16, 16, 1, 1]);
    expect(params.down_blocks[1]!.attentions![0]!.transformer_blocks.length).toBe(2);
    tidy(() => {
      const x = normal(randomKey(2), [1, 4, 7, 9]);
      const ctx = normal(randomKey(3), [1, 3, 12]);
      const y = unetForward(params, x, 500, ctx, config);
      expect(y.shape).toEqual([1, 4, 7, 9]);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    });
  });

  it("rejects unsupported config fields by name", () => {
    expect(() => unetParamShapes({ addition_embed_type: "text_time" })).toThrow(/addition_embed_type/);
    expect(() => unetParamShapes({ down_block_types: ["AttnDownBlock2D"], up_block_types: ["UpBlock2D"], block_out_channels: [8] })).toThrow(/down_block_types\[0\]/);
  });
});
