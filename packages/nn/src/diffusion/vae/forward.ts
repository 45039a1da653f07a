import { add, chunk, clamp, exp, mul, normal, tidy, type RandomKey, type Tensor } from "@diva/tensor";
import { spatialSelfAttention } from "../blocks/attention.js";
import { checkActivation } from "../../layers/activation.js";
import { applyConv2d } from "../../layers/conv.js";
import { applyGroupNorm } from "../../layers/norm.js";
import { resnetForward } from "../blocks/resnet.js";
import { downsampleForward, upsampleForward } from "../blocks/sampling.js";
import { resolveVAEConfig, type AutoencoderKLConfig, type ResolvedVAEConfig } from "./config.js";
import type { VAEDecoderParams, VAEEncoderParams, VAEMidBlockParams, VAEParams } from "./params.js";
import { VAE_EPS, vaeResnet } from "./specs.js";

type Tap = (name: string, t: Tensor) => void;

const resolved = new WeakMap<object, ResolvedVAEConfig>();
function resolve(config: AutoencoderKLConfig): ResolvedVAEConfig {
  let r = resolved.get(config);
  if (!r) {
    r = resolveVAEConfig(config);
    resolved.set(config, r);
  }
  return r;
}

/**
 * Runs the layers of a VAE path one at a time, each in its own tidy scope, and disposes each layer's input once
 * the next layer has it (except the caller's input and tensors handed to a tap). Without this every
 * intermediate of the encoder lived until the encode returned: about 3 GB at 512 px ([1, 128, 512, 512] is
 * 128 MiB), most of a full-size DIVA step's peak with activation checkpointing. Under autograd a disposed
 * tensor that the tape holds stays readable until the gradient computation ends, so gradients are unchanged.
 */
class Chain {
  /** Tensors never disposed here: the input and tapped ones. */
  private readonly keep = new Set<Tensor>();
  constructor(public h: Tensor) {
    this.keep.add(h);
  }
  /** Applies the next layer. */
  next(layer: (h: Tensor) => Tensor): this {
    const prev = this.h;
    this.h = tidy(() => layer(prev));
    if (this.h !== prev && !this.keep.has(prev)) prev.dispose();
    return this;
  }
  /** Keeps the current tensor alive (it was handed out). */
  hold(): Tensor {
    this.keep.add(this.h);
    return this.h;
  }
}

function midBlock(p: VAEMidBlockParams, chain: Chain, c: ResolvedVAEConfig): void {
  const C = chain.h.shape[1]!;
  const spec = vaeResnet(c, C, C);
  chain.next((h) => resnetForward(p.resnets[0]!, h, null, spec));
  if (c.midBlockAttention) chain.next((h) => spatialSelfAttention(p.attentions![0]!, h, 1, c.groups, VAE_EPS));
  chain.next((h) => resnetForward(p.resnets[1]!, h, null, spec));
}

function encoderCore(p: VAEEncoderParams, x: Tensor, c: ResolvedVAEConfig, tap: Tap | null): Tensor {
  if (x.rank !== 4 || x.shape[1] !== c.inChannels) throw new Error(`VAE encode: expected [B, ${c.inChannels}, H, W], got [${x.shape.join(",")}]`);
  const chain = new Chain(x).next((h) => applyConv2d(p.conv_in, h, { padding: 1 }));
  let inC = c.blockOutChannels[0]!;
  c.blockOutChannels.forEach((outC, i) => {
    const block = p.down_blocks[i]!;
    for (let j = 0; j < c.layersPerBlock; j++) {
      const spec = vaeResnet(c, j === 0 ? inC : outC, outC);
      chain.next((h) => resnetForward(block.resnets[j]!, h, null, spec));
    }
    if (i < c.blockOutChannels.length - 1) chain.next((h) => downsampleForward(block.downsamplers![0]!, h, 0));
    inC = outC;
  });
  midBlock(p.mid_block, chain, c);
  if (tap) tap("encoder.mid_block", chain.hold());
  chain.next((h) => applyGroupNorm(p.conv_norm_out, h, { num_groups: c.groups, eps: VAE_EPS, activation: checkActivation(c.act, "act_fn") }));
  return chain.next((h) => applyConv2d(p.conv_out, h, { padding: 1 })).h;
}

function decoderCore(p: VAEDecoderParams, z: Tensor, c: ResolvedVAEConfig): Tensor {
  const chain = new Chain(z).next((h) => applyConv2d(p.conv_in, h, { padding: 1 }));
  midBlock(p.mid_block, chain, c);
  const rev = [...c.blockOutChannels].reverse();
  let inC = rev[0]!;
  rev.forEach((outC, i) => {
    const block = p.up_blocks[i]!;
    for (let j = 0; j <= c.layersPerBlock; j++) {
      const spec = vaeResnet(c, j === 0 ? inC : outC, outC);
      chain.next((h) => resnetForward(block.resnets[j]!, h, null, spec));
    }
    if (i < rev.length - 1) chain.next((h) => upsampleForward(block.upsamplers![0]!, h));
    inC = outC;
  });
  chain.next((h) => applyGroupNorm(p.conv_norm_out, h, { num_groups: c.groups, eps: VAE_EPS, activation: checkActivation(c.act, "act_fn") }));
  return chain.next((h) => applyConv2d(p.conv_out, h, { padding: 1 })).h;
}

/** The diagonal Gaussian posterior q(z | x) of an AutoencoderKL. */
export interface LatentDistribution {
  /** quant_conv output: mean and raw logvar concatenated along channels [B, 2 * latent, h, w]. */
  moments: Tensor;
  /** Posterior mean [B, latent, h, w] (DIVA scales it by `scaling_factor`). */
  mean: Tensor;
  /** Log-variance, clamped to [-30, 20]. */
  logvar: Tensor;
  /** exp(0.5 * logvar). */
  std: Tensor;
}

function posterior(moments: Tensor): LatentDistribution {
  const [mean, raw] = chunk(moments, 2, 1) as [Tensor, Tensor];
  const logvar = clamp(raw, -30, 20);
  return { moments, mean, logvar, std: exp(mul(logvar, 0.5)) };
}

function encodeCore(params: VAEParams, x: Tensor, c: ResolvedVAEConfig, tap: Tap | null): LatentDistribution {
  let h = encoderCore(params.encoder, x, c, tap);
  tap?.("encoder", h);
  if (c.useQuantConv && params.quant_conv) h = applyConv2d(params.quant_conv, h);
  return posterior(h);
}

/**
 * AutoencoderKL.encode: the latent posterior of images `x` [B, in_channels, H, W] (values in [-1, 1]).
 * The latents are not scaled; multiply the mean (or a sample) by `scaling_factor` for the UNet.
 *
 * @example
 * ```ts
 * const latents = mul(vaeEncode(vae, images, config).mean, 0.18215);
 * ```
 */
export function vaeEncode(params: VAEParams, x: Tensor, config: AutoencoderKLConfig): LatentDistribution {
  const c = resolve(config);
  return tidy(() => encodeCore(params, x, c, null));
}

/** {@link vaeEncode} that also returns `encoder` (before quant_conv) and `encoder.mid_block` outputs. */
export function vaeEncodeWithIntermediates(
  params: VAEParams,
  x: Tensor,
  config: AutoencoderKLConfig,
): {
  /** The latent distribution, as vaeEncode returns it. */
  posterior: LatentDistribution;
  /** `encoder` and `encoder.mid_block` outputs. */
  intermediates: Record<string, Tensor>;
} {
  const c = resolve(config);
  return tidy(() => {
    const intermediates: Record<string, Tensor> = {};
    const post = encodeCore(params, x, c, (name, t) => {
      intermediates[name] = t;
    });
    return { posterior: post, intermediates };
  });
}

/** AutoencoderKL.decode: images [B, out_channels, 8x, 8x...] from unscaled latents `z` [B, latent, h, w]. */
export function vaeDecode(params: VAEParams, z: Tensor, config: AutoencoderKLConfig): Tensor {
  const c = resolve(config);
  if (z.rank !== 4 || z.shape[1] !== c.latentChannels) throw new Error(`VAE decode: expected [B, ${c.latentChannels}, h, w], got [${z.shape.join(",")}]`);
  return tidy(() => decoderCore(params.decoder, c.usePostQuantConv && params.post_quant_conv ? applyConv2d(params.post_quant_conv, z) : z, c));
}

/** A sample mean + std * N(0, 1) of the posterior, drawn from `key`. */
export function sampleLatent(dist: LatentDistribution, key: RandomKey): Tensor {
  return tidy(() => add(dist.mean, mul(dist.std, normal(key, dist.mean.shape, { device: dist.mean.device }))));
}
