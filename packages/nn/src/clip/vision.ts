/**
 * The OpenAI / open_clip ViT vision tower (`open_clip.transformer.VisionTransformer`):
 * conv1 patch embedding (no bias) -> [class_embedding; patches] + positional_embedding -> ln_pre ->
 * transformer.resblocks -> ln_post -> pool -> @ proj.
 */
import { add, concat, conv2d, expand, matmul, mean, permute, reshape, slice, tidy, type RandomKey, type Tensor } from "@diva/tensor";
import { applyLayerNorm, layerNormSpecs, type NormParams } from "../layers/norm.js";
import type { ResampleOptions } from "../layers/resample.js";
import { initFromSpecs, kaimingUniformInit, prefixSpecs, spec, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";
import { resolveVitTower, type ClipVisionTowerConfig, type VitTowerSpec } from "./config.js";
import { resizePosEmbed, squareGrid } from "./pos-embed.js";
import { applyClipTransformer, clipTransformerSpecs, type BlockSelection, type ClipTransformerParams } from "./transformer.js";

/** Parameters of the ViT tower under their open_clip names (prefix `visual.` in a full CLIP checkpoint). */
export interface ClipVisionParams {
  /** Patch embedding conv, [width, 3, patch, patch], no bias. */
  conv1: {
    /** [width, 3, patch, patch]. */
    weight: Tensor;
  };
  /** Class token [width]. */
  class_embedding: Tensor;
  /** Position table [1 + grid_h * grid_w, width]. */
  positional_embedding: Tensor;
  /** Norm before the transformer (absent with no_ln_pre). */
  ln_pre?: NormParams;
  /** The blocks. */
  transformer: ClipTransformerParams;
  /** Final norm. */
  ln_post: NormParams;
  /** Output projection [width, embed_dim]. */
  proj?: Tensor;
}

/** Options of a vision forward pass. */
export interface VisionForwardOptions {
  /** Block outputs to return (indices, negative from the end, or "all"). */
  blocks?: BlockSelection;
  /**
   * How the position table is resampled when the input's patch grid differs from the table's (default:
   * bicubic with antialias, as open_clip's resize_pos_embed and timm's resample_abs_pos_embed).
   */
  posEmbed?: ResampleOptions;
  /** Recompute each transformer block in the backward pass instead of keeping its intermediates. */
  checkpoint?: boolean;
}

/** Everything a vision forward pass yields. */
export interface ClipVisionOutput {
  /** The image embedding: pooled @ proj ([B, embed_dim]; open_clip's `encode_image`). */
  imageEmbeds: Tensor;
  /** The pooled vector before the projection ([B, width]). */
  pooled: Tensor;
  /**
   * All tokens (class token first) after the final norm ([B, 1 + N, width]). With final_ln_after_pool the
   * reference norms only the pooled vector; here the tokens are still normed so that this stays "tokens after ln_post".
   */
  lastHiddenState: Tensor;
  /** lastHiddenState @ proj ([B, 1 + N, embed_dim]): the tokens DIVA conditions on. */
  projectedTokens: Tensor;
  /** Input of block 0 (after ln_pre). */
  embeddings: Tensor;
  /** Raw outputs of the selected blocks, by index. */
  blocks: Record<number, Tensor>;
}

/** The position table for a `grid`, resampled from the stored one when the grids differ. */
export function clipPositionalEmbedding(params: Pick<ClipVisionParams, "positional_embedding">, s: VitTowerSpec, grid: readonly [number, number], options?: ResampleOptions): Tensor {
  const table = params.positional_embedding;
  const rows = table.shape[0]!;
  const stored: [number, number] = rows === 1 + s.grid[0] * s.grid[1] ? s.grid : squareGrid(rows, 1);
  return resizePosEmbed(table, stored, grid, { ...options, numPrefixTokens: 1 });
}

/** Patch embedding + class token + positions + ln_pre: pixels [B, 3, H, W] -> tokens [B, 1 + N, width]. */
export function clipVisionEmbed(params: ClipVisionParams, pixels: Tensor, s: VitTowerSpec, options: VisionForwardOptions = {}): Tensor {
  if (pixels.rank !== 4) throw new Error(`clip vision: expected pixels [B, C, H, W], got [${pixels.shape}]`);
  const b = pixels.shape[0]!;
  const patches = conv2d(pixels, params.conv1.weight, null, { stride: s.patch });
  const [, w, gh, gw] = patches.shape as [number, number, number, number];
  const tokens = permute(reshape(patches, [b, w, gh * gw]), [0, 2, 1]);
  const cls = expand(reshape(params.class_embedding, [1, 1, w]), [b, 1, w]);
  const x = add(concat([cls, tokens], 1), clipPositionalEmbedding(params, s, [gh, gw], options.posEmbed));
  return params.ln_pre && s.lnPre ? applyLayerNorm(params.ln_pre, x, { eps: s.eps }) : x;
}

function globalPool(x: Tensor, pool: VitTowerSpec["poolType"]): Tensor {
  if (pool === "tok") return slice(x, [null, 0]);
  if (pool === "avg") return mean(slice(x, [null, [1, null]]), 1);
  return x;
}

/** Runs the tower (see {@link ClipVisionOutput} for what comes back). */
export function applyClipVision(params: ClipVisionParams, pixels: Tensor, config: ClipVisionTowerConfig, options: VisionForwardOptions = {}): ClipVisionOutput {
  const s = resolveVitTower(config);
  return tidy(() => {
    const embeddings = clipVisionEmbed(params, pixels, s, options);
    const run = applyClipTransformer(params.transformer, embeddings, s, { blocks: options.blocks, checkpoint: options.checkpoint });
    const lastHiddenState = applyLayerNorm(params.ln_post, run.output, { eps: s.eps });
    const pooled = s.finalLnAfterPool ? applyLayerNorm(params.ln_post, globalPool(run.output, s.poolType), { eps: s.eps }) : globalPool(lastHiddenState, s.poolType);
    const proj = params.proj;
    return {
      imageEmbeds: proj ? matmul(pooled, proj) : pooled,
      pooled,
      lastHiddenState,
      projectedTokens: proj ? matmul(lastHiddenState, proj) : lastHiddenState,
      embeddings,
      blocks: run.blocks,
    };
  });
}

/**
 * Specs of the tower in state-dict order, with open_clip's init: class and position embeddings and proj
 * normal(std width^-0.5); conv1, attention and MLP keep torch's module defaults (open_clip defines no other
 * vision init).
 */
export function clipVisionSpecs(config: ClipVisionTowerConfig): SpecsOf<ClipVisionParams> {
  const s = resolveVitTower(config);
  const w = s.width;
  const std = w ** -0.5;
  const specs: ParamSpecs = {
    class_embedding: spec([w], { kind: "normal", std }),
    positional_embedding: spec([s.grid[0] * s.grid[1] + 1, w], { kind: "normal", std }),
  };
  if (s.outputDim > 0) specs.proj = spec([w, s.outputDim], { kind: "normal", std });
  specs["conv1.weight"] = spec([w, 3, s.patch[0], s.patch[1]], kaimingUniformInit(3 * s.patch[0] * s.patch[1]));
  if (s.lnPre) Object.assign(specs, prefixSpecs("ln_pre.", layerNormSpecs({ normalized_shape: w })));
  Object.assign(specs, prefixSpecs("transformer.", clipTransformerSpecs(s, "torch")));
  Object.assign(specs, prefixSpecs("ln_post.", layerNormSpecs({ normalized_shape: w })));
  return specs;
}

/** A freshly initialised vision tower. */
export function initClipVision(key: RandomKey, config: ClipVisionTowerConfig, options?: InitOptions): ClipVisionParams {
  return initFromSpecs(key, clipVisionSpecs(config), options);
}
