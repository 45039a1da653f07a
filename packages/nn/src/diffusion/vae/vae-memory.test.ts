/**
 * The VAE frees each block's intermediates when the block returns. At SD's 512 px the encoder makes about
 * 3 GB of intermediates ([1, 128, 512, 512] is 128 MiB); kept until the end of the encode they were most of
 * the full-size DIVA step's peak memory with activation checkpointing (docs/benchmarks.md).
 *
 * Live bytes are sampled whenever the forward reads a parameter (a Proxy over the parameter tree), so the
 * samples see the tensors alive inside the encode and decode.
 */
import { add, dispose, mul, normal, randomKey, sub, sum, tidy, valueAndGrad, type Tensor } from "@diva/tensor";
import { describe, expect, it } from "vitest";
import type { AutoencoderKLConfig } from "./config.js";
import { vaeDecode, vaeEncode, vaeEncodeWithIntermediates } from "./forward.js";
import { initVAE } from "./init.js";
import { liveBytes, sampling } from "../../../test/support/live-bytes.js";


const config: AutoencoderKLConfig = { block_out_channels: [8, 16, 16], norm_num_groups: 4, layers_per_block: 2, latent_channels: 2, mid_block_add_attention: true };
const SIZE = 64;
/** One float32 activation at the first level: [1, 8, 64, 64]. */
const LEVEL0 = 4 * 8 * SIZE * SIZE;

describe("VAE memory", () => {
  const params = initVAE(randomKey(0), config);

  it("encode keeps at most a few first-level activations alive at once", () => {
    const samples: number[] = [];
    const p = sampling(params, samples);
    tidy(() => {
      const x = normal(randomKey(1), [1, 3, SIZE, SIZE]);
      const base = liveBytes();
      const post = vaeEncode(p, x, config);
      expect(post.mean.shape).toEqual([1, 2, SIZE / 4, SIZE / 4]);
      // the old encoder held every intermediate until it returned: 22 first-level activations at once here (the decoder 36)
      expect(Math.max(...samples) - base).toBeLessThan(12 * LEVEL0);
    });
  });

  it("decode keeps at most a few last-level activations alive at once", () => {
    const samples: number[] = [];
    const p = sampling(params, samples);
    tidy(() => {
      const z = normal(randomKey(2), [1, 2, SIZE / 4, SIZE / 4]);
      const base = liveBytes();
      expect(vaeDecode(p, z, config).shape).toEqual([1, 3, SIZE, SIZE]);
      expect(Math.max(...samples) - base).toBeLessThan(12 * LEVEL0);
    });
  });

  it("keeps the tape intact: the gradient matches finite differences, tapped intermediates stay alive", async () => {
    const x = normal(randomKey(3), [1, 3, 32, 32]);
    const d = normal(randomKey(4), [1, 3, 32, 32]);
    const f = (xs: Tensor) => sum(vaeEncode(params, xs, config).mean);
    const [loss, g] = valueAndGrad(f)(x);
    const eps = 1e-2;
    const [up, down, dot] = tidy(() => [f(add(x, mul(d, eps))), f(sub(x, mul(d, eps))), sum(mul(g, d))]);
    const numeric = ((await up!.item()) - (await down!.item())) / (2 * eps);
    const analytic = await dot!.item();
    expect(Math.abs(numeric - analytic)).toBeLessThan(2e-2 * Math.max(1, Math.abs(analytic)));
    const again = vaeEncodeWithIntermediates(params, x, config);
    expect(Object.keys(again.intermediates).sort()).toEqual(["encoder", "encoder.mid_block"]);
    for (const t of Object.values(again.intermediates)) expect(t.isDisposed).toBe(false);
    expect(Number.isFinite(await loss.item())).toBe(true);
    dispose([x, d, loss, g, up, down, dot, again]);
  });
});
