import type { Tensor } from "@diva/tensor";
import type { EvalResize, Normalization, PaperFeatures } from "../presets.js";

/** What the evaluations need of a CLIP model. */
export interface ClipForEval {
  /** Input resolution of the vision tower. */
  readonly imageSize: number;
  /** Mean/std the images are normalised with. */
  readonly normalization: Normalization;
  /** How images are resized to the resolution (default: shorter side + centre crop; SigLIP: squash). */
  readonly resize?: EvalResize;
  /** Image embeddings [B, E] for normalised images [B, 3, R, R]. */
  encodeImage(images: Tensor): Tensor;
  /** Text embeddings [N, E]. */
  encodeText(texts: readonly string[]): Tensor;
  /**
   * Visual tokens [B, 1 + P, E] after `ln_post` and the output projection, the class token (SigLIP: the pooled
   * token) first: what the paper's MMVP features read. Needed only for `features: "paper"`.
   */
  visionTokens?(images: Tensor): Tensor;
  /** The image feature the paper's MMVP-VLM scripts used for this model (from its preset). */
  readonly paperFeatures?: {
    /** Which feature. */
    readonly kind: PaperFeatures;
    /** Patch tokens drawn per image and call for `cls-random-patch-mean` (76). */
    readonly patchTokens?: number;
  };
}
