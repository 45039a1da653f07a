import {
  add,
  avgPool1d,
  concat,
  expand,
  gather,
  linear,
  mean,
  randint,
  reshape,
  slice,
  tidy,
  transpose,
  unsqueeze,
  type RandomKey,
  type Tensor,
} from "@diva/tensor";

/**
 * How CLIP's visual tokens become the UNet's condition ("visual dense recap"), per reference model:
 * - `clsRandomPatches`: class token + `numPatches` patch tokens drawn uniformly with replacement, per image
 *   and per forward (OpenAI ViT-L/14: 76; DFN H/14-378: int(0.5 * 729) = 364);
 * - `clsAllPatches`: class token + every patch token (MetaCLIP, DFN H/14-224);
 * - `pooledAvgPool`: the attention-pooled token + 1-D average pooling of the patch sequence with `window`
 *   (SigLIP: 6 at 224, 10 at 384);
 * - `clsOnly`: the class (or pooled) token alone, the embedding the zero-shot and MMVP-VLM scores read (not a
 *   reference setting; the demo's small world may choose it so that the feedback reaches that token only).
 * `text` says how the constant SD text embedding of "a photo of a ." joins: `add` token by token (the
 * condition must then have as many tokens as the embedding, 77, or a single token, which is added to every
 * token of the embedding) or `mean` (its mean over tokens, added to every condition token).
 */
export type ConditionSpec =
  | {
      /** Class token + random patch tokens. */
      readonly kind: "clsRandomPatches";
      /** Patch tokens drawn per image, with replacement. */
      readonly numPatches: number;
      /** How the text embedding joins. */
      readonly text: "add" | "mean";
    }
  | {
      /** Class token + every patch token. */
      readonly kind: "clsAllPatches";
      /** How the text embedding joins. */
      readonly text: "add" | "mean";
    }
  | {
      /** The class (or pooled) token alone. */
      readonly kind: "clsOnly";
      /** How the text embedding joins. */
      readonly text: "add" | "mean";
    }
  | {
      /** Pooled token + average-pooled patch tokens. */
      readonly kind: "pooledAvgPool";
      /** Window (and stride) of the 1-D average pooling. */
      readonly window: number;
      /** How the text embedding joins. */
      readonly text: "add" | "mean";
    };

/**
 * Whose visual tokens condition each image's denoising: `own` (DIVA) or `shuffled`, the placebo control, where
 * image i of a (micro-)batch is conditioned on image (i + 1) mod B's tokens (a fixed derangement: no image gets
 * its own), so the diffusion loss cannot reward image-specific detail while everything else stays the same.
 */
export type ConditionSource = "own" | "shuffled";

/**
 * The tokens each image is conditioned on under `source`: `own` returns `tokens` itself; `shuffled` rolls the
 * batch by one (image i gets image i + 1's tokens, the last gets the first's). Gradients flow through the roll.
 *
 * @param tokens [B, T, D] visual tokens of the batch.
 */
export function conditionTokensFrom(tokens: Tensor, source: ConditionSource): Tensor {
  if (source === "own") return tokens;
  if (source !== "shuffled") throw new Error(`conditionSource must be "own" or "shuffled", got ${JSON.stringify(source)}`);
  const B = tokens.shape[0] ?? 0;
  if (B < 2) throw new Error(`conditionSource "shuffled" needs at least 2 images per batch to take each condition from another image, got ${B}`);
  return concat([slice(tokens, [[1, B]]), slice(tokens, [[0, 1]])], 0);
}

/** The trainable projection from CLIP's embedding dim to the UNet's cross-attention dim (torch.nn.Linear layout). */
export interface Projection {
  /** [crossAttentionDim, clipDim] */
  readonly weight: Tensor;
  /** [crossAttentionDim] */
  readonly bias: Tensor;
}

/**
 * Selects the condition tokens from CLIP's visual tokens.
 *
 * @param tokens [B, 1 + P, D]: the class (or pooled) token first, then P patch tokens, after ln_post and the
 *   output projection.
 * @param key random key for `clsRandomPatches` (ignored otherwise).
 * @returns [B, T, D] with T = 1 + numPatches, 1 + P, 1 (clsOnly) or 1 + floor(P / window).
 */
export function selectConditionTokens(tokens: Tensor, spec: ConditionSpec, key?: RandomKey): Tensor {
  if (tokens.rank !== 3 || tokens.shape[1]! < 2) {
    throw new Error(`divaCondition: tokens must be [batch, 1 + patches, dim], got [${tokens.shape.join(",")}]`);
  }
  const [B, T, D] = tokens.shape as [number, number, number];
  const P = T - 1;
  return tidy(() => {
    switch (spec.kind) {
      case "clsAllPatches":
        return tokens;
      case "clsOnly":
        return slice(tokens, [null, [0, 1]]);
      case "clsRandomPatches": {
        if (!key) throw new Error("divaCondition: clsRandomPatches needs a random key");
        if (!Number.isInteger(spec.numPatches) || spec.numPatches < 1) {
          throw new Error(`divaCondition: numPatches must be a positive integer, got ${spec.numPatches}`);
        }
        // patch indices 1..P with replacement, one draw per image
        const idx = randint(key, [B, spec.numPatches], 1, P + 1, { device: tokens.device });
        const picked = gather(tokens, 1, expand(unsqueeze(idx, 2), [B, spec.numPatches, D]));
        return concat([slice(tokens, [null, [0, 1]]), picked], 1);
      }
      case "pooledAvgPool": {
        if (!Number.isInteger(spec.window) || spec.window < 1 || spec.window > P) {
          throw new Error(`divaCondition: window ${spec.window} must be an integer in [1, ${P}]`);
        }
        const patches = transpose(slice(tokens, [null, [1, T]]), 1, 2); // [B, D, P]
        const pooled = transpose(avgPool1d(patches, spec.window), 1, 2); // [B, P / window, D]
        return concat([slice(tokens, [null, [0, 1]]), pooled], 1);
      }
    }
  });
}

/**
 * The DIVA condition: selected visual tokens, projected to the cross-attention dim, plus the constant text
 * embedding of "a photo of a ." from the SD text encoder.
 *
 * @param tokens [B, 1 + P, D] visual tokens (see `selectConditionTokens`).
 * @param projection trainable linear map D -> C.
 * @param textEmbedding [L, C] the SD text encoder's output for "a photo of a ." (a constant).
 * @returns the UNet's `encoder_hidden_states`, [B, T, C] (T = the embedding's length when a single token is added).
 *
 * @example
 * ```ts
 * const cond = divaCondition(tokens, { kind: "clsRandomPatches", numPatches: 76, text: "add" }, proj, text77, key);
 * ```
 */
export function divaCondition(tokens: Tensor, spec: ConditionSpec, projection: Projection, textEmbedding: Tensor, key?: RandomKey): Tensor {
  if (textEmbedding.rank !== 2) throw new Error(`divaCondition: textEmbedding must be [tokens, dim], got [${textEmbedding.shape.join(",")}]`);
  const C = textEmbedding.shape[1]!;
  if (projection.weight.rank !== 2 || projection.weight.shape[0] !== C || projection.weight.shape[1] !== tokens.shape[2]) {
    throw new Error(
      `divaCondition: projection weight [${projection.weight.shape.join(",")}] must be [${C}, ${tokens.shape[2]}] (text dim, CLIP token dim)`,
    );
  }
  return tidy(() => {
    const selected = selectConditionTokens(tokens, spec, key);
    const projected = linear(selected, projection.weight, projection.bias); // [B, T, C]
    if (spec.text === "add") {
      // token by token, or one token added to every token of the embedding (broadcast over its length)
      if (selected.shape[1] !== textEmbedding.shape[0] && selected.shape[1] !== 1) {
        throw new Error(`divaCondition: ${selected.shape[1]} condition tokens cannot be added token by token to a ${textEmbedding.shape[0]}-token text embedding`);
      }
      return add(projected, textEmbedding);
    }
    return add(projected, reshape(mean(textEmbedding, 0), [1, 1, C]));
  });
}
