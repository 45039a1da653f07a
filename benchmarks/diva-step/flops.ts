/**
 * An analytic estimate of the work in one DIVA step at a configuration: multiply-accumulates of the matrix
 * products and convolutions of each forward pass (normalisations and elementwise ops left out), walked from
 * the same resolved configs the models are built from.
 */
import { planUNet, resolveVAEConfig, resolveVitTower, type AutoencoderKLConfig, type ClipVisionTowerConfig, type DownBlockPlan, type UNet2DConditionConfig } from "@diva/nn";

type ResnetSpec = DownBlockPlan["resnets"][number];
type TransformerSpec = DownBlockPlan["attentions"][number];

/** Forward multiply-accumulates per model, and the step's estimated FLOPs. */
export interface StepWork {
  clip: number;
  vae: number;
  unet: number;
  /**
   * 2 x (3 x CLIP+projection forward [forward, input and weight gradients] + VAE forward + 2 x UNet forward
   * [forward, input gradients only: its weights are frozen]).
   */
  stepFlops: number;
}

/** CLIP vision tower + the condition projection on `batch` images: tokens after ln_post @ proj, then -> `condDim`. */
export function clipMacs(config: ClipVisionTowerConfig, batch: number, condDim: number): number {
  const s = resolveVitTower(config);
  const P = s.grid[0] * s.grid[1];
  const T = P + 1;
  const w = s.width;
  const patch = batch * P * w * 3 * s.patch[0] * s.patch[1];
  const layer = batch * T * (4 * w * w + 2 * w * s.mlpWidth) + 2 * batch * T * T * w;
  return patch + s.layers * layer + batch * T * w * s.outputDim + batch * T * s.outputDim * condDim;
}

function resnetMacs(r: Pick<ResnetSpec, "inChannels" | "outChannels" | "tembChannels">, batch: number, hw: number): number {
  const { inChannels: i, outChannels: o } = r;
  const convs = batch * hw * (i * o * 9 + o * o * 9 + (i !== o ? i * o : 0));
  return convs + (r.tembChannels ? batch * r.tembChannels * o : 0);
}

/** Self-attention over `n` positions of width `c` (q, k, v, out projections, scores and values). */
function selfAttentionMacs(batch: number, n: number, c: number): number {
  return batch * n * 4 * c * c + 2 * batch * n * n * c;
}

/** AutoencoderKL encoder + quant_conv on `batch` images of `size`. */
export function vaeEncoderMacs(config: AutoencoderKLConfig, batch: number, size: number): number {
  const c = resolveVAEConfig(config);
  let side = size;
  let macs = batch * side * side * c.inChannels * c.blockOutChannels[0]! * 9;
  let inC = c.blockOutChannels[0]!;
  c.blockOutChannels.forEach((outC, i) => {
    for (let j = 0; j < c.layersPerBlock; j++) macs += resnetMacs({ inChannels: j === 0 ? inC : outC, outChannels: outC, tembChannels: null }, batch, side * side);
    if (i < c.blockOutChannels.length - 1) {
      side /= 2;
      macs += batch * side * side * outC * outC * 9;
    }
    inC = outC;
  });
  const last = inC;
  macs += 2 * resnetMacs({ inChannels: last, outChannels: last, tembChannels: null }, batch, side * side);
  if (c.midBlockAttention) macs += selfAttentionMacs(batch, side * side, last);
  macs += batch * side * side * last * 2 * c.latentChannels * 9;
  if (c.useQuantConv) macs += batch * side * side * (2 * c.latentChannels) ** 2;
  return macs;
}

function transformerMacs(t: TransformerSpec, batch: number, n: number, contextTokens: number): number {
  const C = t.heads * t.headDim;
  let macs = batch * n * (t.channels * C + C * t.channels); // proj_in, proj_out
  for (let l = 0; l < t.layers; l++) {
    macs += selfAttentionMacs(batch, n, C); // attn1
    macs += batch * n * 2 * C * C + batch * contextTokens * 2 * t.crossAttentionDim * C + 2 * batch * n * contextTokens * C; // attn2
    macs += batch * n * 12 * C * C; // GEGLU: C -> 8C, 4C -> C
  }
  return macs;
}

/** UNet2DConditionModel on `batch` latents of `side` x `side` with `contextTokens` condition tokens. */
export function unetMacs(config: UNet2DConditionConfig, batch: number, side: number, contextTokens: number): number {
  const plan = planUNet(config);
  const te = plan.timeEmbedding;
  let macs = batch * (te.inDim * te.dim + te.dim * te.dim);
  let s = side;
  macs += batch * s * s * plan.inChannels * plan.blockOut0 * plan.convInKernel ** 2;
  for (const b of plan.down) {
    b.resnets.forEach((r, j) => {
      macs += resnetMacs(r, batch, s * s);
      if (b.attentions[j]) macs += transformerMacs(b.attentions[j]!, batch, s * s, contextTokens);
    });
    if (b.downsample) {
      s /= 2;
      macs += batch * s * s * b.downsample.channels ** 2 * 9;
    }
  }
  if (plan.mid) {
    for (const r of plan.mid.resnets) macs += resnetMacs(r, batch, s * s);
    for (const a of plan.mid.attentions) macs += transformerMacs(a, batch, s * s, contextTokens);
  }
  for (const b of plan.up) {
    b.resnets.forEach((r, j) => {
      macs += resnetMacs(r, batch, s * s);
      if (b.attentions[j]) macs += transformerMacs(b.attentions[j]!, batch, s * s, contextTokens);
    });
    if (b.upsample) {
      s *= 2;
      macs += batch * s * s * b.upsample.channels ** 2 * 9;
    }
  }
  macs += batch * s * s * plan.blockOut0 * plan.outChannels * plan.convOutKernel ** 2;
  return macs;
}

/** The work of one step at the given configuration. */
export function stepWork(o: { clip: ClipVisionTowerConfig; vae: AutoencoderKLConfig; unet: UNet2DConditionConfig; batch: number; imageSize: number; condDim: number }): StepWork {
  const s = resolveVitTower(o.clip);
  const tokens = 1 + s.grid[0] * s.grid[1];
  const down = 2 ** (resolveVAEConfig(o.vae).blockOutChannels.length - 1);
  const clip = clipMacs(o.clip, o.batch, o.condDim);
  const vae = vaeEncoderMacs(o.vae, o.batch, o.imageSize);
  const unet = unetMacs(o.unet, o.batch, o.imageSize / down, tokens);
  return { clip, vae, unet, stepFlops: 2 * (3 * clip + vae + 2 * unet) };
}
