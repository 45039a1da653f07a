import { concat, slice, tidy, unsqueeze, type Tensor } from "@diva/tensor";
import { applyTimmVisual, clipVisionForward, usesTimmTower, type ClipParams, type ClipVisualParams, type OpenClipConfig, type TimmVisualParams } from "@diva/nn";

/**
 * The visual tokens DIVA conditions on, for a CLIP config: images [B, 3, R, R] -> [B, 1 + P, D].
 * - OpenAI/open_clip ViT: every token after `ln_post` and the output projection (class token first);
 * - timm towers (SigLIP): the pooled embedding (attention pooling and head) followed by the patch tokens
 *   after the final norm and head (prefix tokens dropped).
 * With `checkpoint`, each transformer block is recomputed in the backward pass instead of keeping its
 * intermediates (activation checkpointing; same gradients).
 */
export function clipVisionTokens(config: OpenClipConfig, options: { checkpoint?: boolean } = {}): (visual: ClipVisualParams, images: Tensor) => Tensor {
  const forward = options.checkpoint ? { checkpoint: true } : {};
  if (usesTimmTower(config)) {
    return (visual, images) =>
      tidy(() => {
        const out = applyTimmVisual(visual as TimmVisualParams, images, config, forward);
        const patches = slice(out.projectedTokens, [null, [out.numPrefixTokens, null]]);
        return concat([unsqueeze(out.imageEmbeds, 1), patches], 1);
      });
  }
  return (visual, images) => tidy(() => clipVisionForward({ visual } as ClipParams, config, images, forward).projectedTokens);
}
