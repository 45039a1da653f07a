/**
 * The models of a full-size DIVA run, as configs: the preset's CLIP (open_clip config) and SD-2.1-base's
 * UNet, VAE and text encoder, at full size or at a reduced width for tests. A reduced width keeps every layer,
 * block type and tensor name (the same file layout), shrinks channels and head widths, and picks group-norm
 * group counts that divide every channel count, so the reduced configs are valid for the real code path.
 */
import { clipPreset, SD21_BASE, usesTimmTower, type AutoencoderKLConfig, type HfClipTextConfig, type OpenClipConfig, type UNet2DConditionConfig } from "@diva/nn";

/** The configs of the four models. */
export interface FullScaleModels {
  /** The preset's CLIP (open_clip fields). */
  readonly clip: OpenClipConfig;
  /** SD-2.1-base's UNet. */
  readonly unet: UNet2DConditionConfig;
  /** SD-2.1-base's VAE. */
  readonly vae: AutoencoderKLConfig;
  /** SD-2.1-base's text encoder (Hugging Face CLIPTextModel). */
  readonly textEncoder: HfClipTextConfig;
}

/** The largest divisor of `n` that is at most `max`. */
function largestDivisorUpTo(n: number, max: number): number {
  for (let d = Math.min(n, max); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

/**
 * The configs for `preset` at `widthScale` (1: the real models). With a scale below 1, head widths become
 * max(1, round(64 scale)) everywhere (so channel counts stay multiples of the head counts), the VAE's base
 * width max(1, round(128 scale)); SigLIP's timm tower is only available at full width.
 */
export function fullScaleModels(preset: string, widthScale = 1): FullScaleModels {
  if (!(widthScale > 0 && widthScale <= 1)) throw new Error(`width scale must be in (0, 1], got ${widthScale}`);
  const clip = clipPreset(preset).config;
  if (widthScale === 1) return { clip, unet: SD21_BASE.unet, vae: SD21_BASE.vae, textEncoder: SD21_BASE.textEncoder };
  if (usesTimmTower(clip)) throw new Error(`preset ${preset}: the timm (SigLIP) tower has no reduced-width form; use width scale 1`);
  const hd = Math.max(1, Math.round(64 * widthScale));
  const scale = (n: number) => Math.max(1, Math.round(n * widthScale));

  const v = clip.vision_cfg;
  const visionHeads = (v.width ?? 768) / (v.head_width ?? 64);
  const t = clip.text_cfg;
  const textHeads = t.heads ?? 8;
  const scaledClip: OpenClipConfig = {
    ...clip,
    embed_dim: scale(clip.embed_dim),
    vision_cfg: { ...v, width: visionHeads * hd, head_width: hd },
    text_cfg: { ...t, width: textHeads * hd },
  };

  // SD-2.1's attention_head_dim is the number of heads per level (5, 10, 20, 20: 64-wide heads)
  const unet = SD21_BASE.unet;
  const heads = unet.attention_head_dim as readonly number[];
  const channels = heads.map((h) => h * hd);
  const unetGroups = largestDivisorUpTo(channels.reduce(gcd), 32);
  const textHidden = (SD21_BASE.textEncoder.num_attention_heads ?? 16) * hd;
  const scaledUnet: UNet2DConditionConfig = { ...unet, block_out_channels: channels, norm_num_groups: unetGroups, cross_attention_dim: textHidden };

  const vae = SD21_BASE.vae;
  const base = scale(128);
  const vaeChannels = (vae.block_out_channels ?? [128, 256, 512, 512]).map((c) => (c / 128) * base);
  const scaledVae: AutoencoderKLConfig = { ...vae, block_out_channels: vaeChannels, norm_num_groups: largestDivisorUpTo(base, 32) };

  const te = SD21_BASE.textEncoder;
  const scaledText: HfClipTextConfig = { ...te, hidden_size: textHidden, intermediate_size: 4 * textHidden, projection_dim: scale(te.projection_dim ?? 512) };
  return { clip: scaledClip, unet: scaledUnet, vae: scaledVae, textEncoder: scaledText };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
