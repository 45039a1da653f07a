/**
 * The UNet runs each top-level block (down, mid, up) in a tidy scope of its own, so an inference forward holds
 * the skip connections and one block's intermediates at a time, not every intermediate until it returns.
 *
 * Live bytes are sampled whenever the forward reads a parameter (a Proxy over the parameter tree), so the
 * samples see the tensors alive inside the forward.
 */
import { noGrad, normal, randomKey, tidy } from "@diva/tensor";
import { describe, expect, it } from "vitest";
import type { UNet2DConditionConfig } from "./config.js";
import { unetForward } from "./forward.js";
import { initUNet } from "./init.js";
import { liveBytes, sampling } from "../../../test/support/live-bytes.js";

const config: UNet2DConditionConfig = {
  block_out_channels: [32, 64, 64],
  down_block_types: ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
  up_block_types: ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
  layers_per_block: 2,
  attention_head_dim: 8,
  cross_attention_dim: 16,
  norm_num_groups: 8,
  use_linear_projection: true,
};
const SIZE = 16;
/** One float32 activation at the first level: [1, 32, 16, 16]. */
const LEVEL0 = 4 * 32 * SIZE * SIZE;

describe("UNet memory", () => {
  it("an inference forward keeps the skips and one block's intermediates alive at once", () => {
    const samples: number[] = [];
    const p = sampling(initUNet(randomKey(0), config), samples);
    tidy(() => {
      const x = normal(randomKey(1), [1, 4, SIZE, SIZE]);
      const c = normal(randomKey(2), [1, 5, 16]);
      const base = liveBytes();
      expect(noGrad(() => unetForward(p, x, 10, c, config)).shape).toEqual([1, 4, SIZE, SIZE]);
      const peak = (Math.max(...samples) - base) / LEVEL0;
      // without a scope per block every intermediate lived until the forward returned: N first-level activations
      expect(peak).toBeLessThan(250);
    });
  });
});
