/**
 * Activation checkpointing in the models: a tiny open_clip ViT, a tiny timm ViT and a tiny UNet give the same
 * loss and gradients with `checkpoint: true` as without (within 1e-6), and keep fewer tensors alive
 * between the forward and the backward pass.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dispose, flattenTree, memory, mul, normal, randomKey, sum, valueAndGrad, type Tensor } from "@diva/tensor";
import { applyClipVision, applyTimmVit, initClipVision, initTimmVit, initUNet, unetForward, type ClipVisionParams, type ClipVisionTowerConfig, type TimmVitConfig, type TimmVitParams, type UNet2DConditionConfig, type UNetParams } from "../src/index.js";

const VIT: ClipVisionTowerConfig = { embed_dim: 6, vision_cfg: { image_size: 8, patch_size: 4, width: 8, head_width: 4, layers: 3, mlp_ratio: 2 }, quick_gelu: true };
const TIMM: TimmVitConfig = { img_size: 8, patch_size: 4, embed_dim: 8, depth: 2, num_heads: 2, mlp_ratio: 2, global_pool: "map", num_classes: 0 };
const UNET: UNet2DConditionConfig = {
  block_out_channels: [4, 8],
  down_block_types: ["CrossAttnDownBlock2D", "DownBlock2D"],
  up_block_types: ["UpBlock2D", "CrossAttnUpBlock2D"],
  layers_per_block: 1,
  attention_head_dim: [2, 2],
  cross_attention_dim: 6,
  norm_num_groups: 2,
  use_linear_projection: true,
};

/** Loss and gradients w.r.t. (params, input) of `f`, plus the live-tensor count at the loss. */
function run<P>(f: (p: P, x: Tensor) => Tensor, params: P, x: Tensor): { values: number[][]; live: number } {
  const before = memory().tensors;
  let live = 0;
  const [loss, g] = valueAndGrad(
    (p: P, xx: Tensor) => {
      const l = sum(mul(f(p, xx), 0.25));
      live = memory().tensors - before;
      return l;
    },
    { argnums: [0, 1] },
  )(params, x);
  const values = [loss, ...Object.values(flattenTree(g))].map((t) => Array.from(t.dataSync()));
  dispose([loss, g]);
  expect(memory().tensors, "nothing left behind").toBe(before);
  return { values, live };
}

function compare<P>(name: string, f: (p: P, x: Tensor, checkpoint: boolean) => Tensor, params: P, x: Tensor): void {
  const plain = run((p: P, xx) => f(p, xx, false), params, x);
  const ckpt = run((p: P, xx) => f(p, xx, true), params, x);
  expect(ckpt.values.length).toBe(plain.values.length);
  // the same ops on the same values; only the order in which a tensor's several cotangents are summed may
  // differ (the re-run's reverse pass visits a block's consumers in its own order), so: within 1e-6
  ckpt.values.forEach((v, i) => {
    const want = plain.values[i]!;
    const scale = 1 + Math.max(...want.map(Math.abs));
    v.forEach((got, j) => {
      if (!(Math.abs(got - want[j]!) <= 1e-6 * scale)) expect.fail(`${name}: loss/gradient ${i}, element ${j}: ${got} vs ${want[j]}`);
    });
  });
  expect(ckpt.live, `${name}: live tensors at the loss`).toBeLessThan(plain.live);
}

describe("activation checkpointing in the models", () => {
  it("open_clip ViT: same loss and gradients w.r.t. every weight and the pixels, fewer live tensors", async () => {
    await fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 2 }), (seed, b) => {
        const params = initClipVision(randomKey(seed), VIT);
        const x = normal(randomKey(seed + 1), [b, 3, 8, 8]);
        compare("vit", (p: ClipVisionParams, xx, checkpoint) => applyClipVision(p, xx, VIT, { checkpoint }).projectedTokens, params, x);
        dispose([params, x]);
      }),
      { numRuns: 4 },
    );
  });

  it("timm ViT (map pool): same loss and gradients, fewer live tensors", () => {
    const params = initTimmVit(randomKey(3), TIMM);
    const x = normal(randomKey(4), [2, 3, 8, 8]);
    compare("timm", (p: TimmVitParams, xx, checkpoint) => applyTimmVit(p, xx, TIMM, { checkpoint }).lastHiddenState, params, x);
    dispose([params, x]);
  });

  it("UNet: same loss and gradients w.r.t. its weights and the condition, fewer live tensors", async () => {
    await fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
        const params = initUNet(randomKey(seed), UNET);
        const sample = normal(randomKey(seed + 1), [2, 4, 4, 4]);
        const ctx = normal(randomKey(seed + 2), [2, 3, 6]);
        compare("unet", (p: UNetParams, c, checkpoint) => unetForward(p, sample, [3, 700], c, UNET, { checkpoint }), params, ctx);
        dispose([params, sample, ctx]);
      }),
      { numRuns: 3 },
    );
  });
});
