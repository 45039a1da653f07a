import { concat, slice, tidy, unsqueeze, type Tensor } from "@diva/tensor";
import {
  applyClipVision,
  applyTimmVisual,
  resolveTimmVit,
  resolveVitTower,
  timmTrunkConfig,
  usesTimmTower,
  type ClipVisionParams,
  type ClipVisionTowerConfig,
  type ClipVisualParams,
  type TimmVisualParams,
} from "@diva/nn";

/**
 * The visual tokens DIVA conditions on, for a CLIP config: images [B, 3, R, R] -> [B, 1 + P, D].
 * - OpenAI/open_clip ViT: every token after `ln_post` and the output projection (class token first);
 * - timm towers (SigLIP): the pooled embedding (attention pooling and head) followed by the patch tokens
 *   after the final norm and head (prefix tokens dropped).
 * With `checkpoint`, each transformer block is recomputed in the backward pass instead of keeping its
 * intermediates (activation checkpointing; same gradients).
 */
export function clipVisionTokens(config: ClipVisionTowerConfig, options: { checkpoint?: boolean } = {}): (visual: ClipVisualParams, images: Tensor) => Tensor {
  const forward = options.checkpoint ? { checkpoint: true } : {};
  if (usesTimmTower(config)) {
    return (visual, images) =>
      tidy(() => {
        const out = applyTimmVisual(visual as TimmVisualParams, images, config, forward);
        const patches = slice(out.projectedTokens, [null, [out.numPrefixTokens, null]]);
        return concat([unsqueeze(out.imageEmbeds, 1), patches], 1);
      });
  }
  return (visual, images) => tidy(() => applyClipVision(visual as ClipVisionParams, images, config, forward).projectedTokens);
}

/**
 * The width D of {@link clipVisionTokens}' tokens, from the config: the output projection's (`embed_dim`) when
 * the tower has one (ViT `proj`; timm `head.proj`/`head.mlp`, or the trunk's classifier head), else the tower's width.
 */
export function clipVisionTokenDim(config: ClipVisionTowerConfig): number {
  if (!usesTimmTower(config)) {
    const s = resolveVitTower(config);
    return s.outputDim > 0 ? s.outputDim : s.width;
  }
  const proj = config.vision_cfg.timm_proj ?? "linear";
  if (proj === "linear" || proj === "mlp") return config.embed_dim;
  const trunk = resolveTimmVit(timmTrunkConfig(config));
  return trunk.numClasses > 0 ? trunk.numClasses : trunk.width;
}
