import { cast, fromHost, mapTree, mul, normal, randomKey, sum, tidy, valueAndGrad, type Tensor } from "@diva/tensor";
import { describe, expect, it } from "vitest";
import type { UNet2DConditionConfig } from "./config.js";
import { unetForward } from "./forward.js";
import { initUNet } from "./init.js";

const CONFIG: UNet2DConditionConfig = {
  block_out_channels: [4, 8],
  down_block_types: ["CrossAttnDownBlock2D", "DownBlock2D"],
  up_block_types: ["UpBlock2D", "CrossAttnUpBlock2D"],
  layers_per_block: 1,
  attention_head_dim: [2, 2],
  cross_attention_dim: 6,
  norm_num_groups: 2,
  use_linear_projection: true,
};

describe("UNet gradients", () => {
  it("d(loss)/d(encoder_hidden_states) matches central differences in float64", async () => {
    const params = mapTree((t: Tensor) => cast(t, "float64"), initUNet(randomKey(0), CONFIG));
    const x = cast(normal(randomKey(1), [2, 4, 4, 4]), "float64");
    const ctx = cast(normal(randomKey(2), [2, 3, 6]), "float64");
    const weights = cast(normal(randomKey(3), [2, 4, 4, 4]), "float64");
    const loss = (c: Tensor): Tensor => sum(mul(unetForward(params, x, [3, 700], c, CONFIG), weights));
    const [, g] = valueAndGrad(loss)(ctx);
    const grad = await g.data();
    const base = Float64Array.from(await ctx.data());
    const h = 1e-6;
    for (const i of [0, 7, 17, 35]) {
      const at = (delta: number): number =>
        tidy(() => {
          const v = Float64Array.from(base);
          v[i] += delta;
          return loss(fromData(v)).dataSync()[0]!;
        });
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(fd - grad[i]!), `element ${i}: ${fd} vs ${grad[i]}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
  });
});

function fromData(v: Float64Array): Tensor {
  return fromHost(v, "float64", [2, 3, 6]);
}
