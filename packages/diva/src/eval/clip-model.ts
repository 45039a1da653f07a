import type { Tensor } from "@diva/tensor";
import type { Normalization } from "../presets.js";

/** What the evaluations need of a CLIP model. */
export interface ClipForEval {
  /** Input resolution of the vision tower. */
  readonly imageSize: number;
  /** Mean/std the images are normalised with. */
  readonly normalization: Normalization;
  /** Image embeddings [B, E] for normalised images [B, 3, R, R]. */
  encodeImage(images: Tensor): Tensor;
  /** Text embeddings [N, E]. */
  encodeText(texts: readonly string[]): Tensor;
}
