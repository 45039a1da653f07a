/**
 * The open_clip / OpenAI CLIP text tower: token_embedding + positional_embedding -> transformer.resblocks
 * (causal mask) -> ln_final -> pool (the EOT token: argmax of the ids) -> @ text_projection. In an open_clip
 * `CLIP` checkpoint these parameters sit at the root; in `CustomTextCLIP` (SigLIP) under `text.`.
 */
import { argmax, cast, eq, expand, gather, matmul, reshape, slice, tidy, add, type RandomKey, type Tensor } from "@diva/tensor";
import { applyEmbedding, embeddingSpecs, type EmbeddingParams } from "../layers/embedding.js";
import { applyLinear, type LinearParams } from "../layers/linear.js";
import { applyLayerNorm, layerNormSpecs, type NormParams } from "../layers/norm.js";
import { initFromSpecs, prefixSpecs, spec, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";
import { resolveTextTower, type ClipTextTowerConfig, type TextTowerSpec } from "./config.js";
import { applyClipTransformer, clipTransformerSpecs, type BlockSelection, type ClipTransformerParams } from "./transformer.js";

/** Parameters of the text tower under their open_clip names. */
export interface ClipTextParams {
  /** Token table [vocab, width]. */
  token_embedding: EmbeddingParams;
  /** Position table [context_length, width]. */
  positional_embedding: Tensor;
  /** The blocks. */
  transformer: ClipTransformerParams;
  /** Final norm. */
  ln_final: NormParams;
  /** [width, embed_dim] matrix, or a Linear with bias (proj_bias), or absent (proj_type "none"). */
  text_projection?: Tensor | LinearParams;
}

/** Everything a text forward pass yields. */
export interface ClipTextOutput {
  /** The text embedding: pooled @ text_projection ([B, embed_dim]; open_clip's `encode_text`). */
  textEmbeds: Tensor;
  /** ln_final output at the pooled position ([B, width]). */
  pooled: Tensor;
  /** ln_final output of every token ([B, L, width]). */
  lastHiddenState: Tensor;
  /** Raw outputs of the selected blocks, by index. */
  blocks: Record<number, Tensor>;
}

/** Options of a text forward pass. */
export interface TextForwardOptions {
  /** Block outputs to return (indices, negative from the end, or "all"). */
  blocks?: BlockSelection;
}

/**
 * Rows x[b, index[b]] of x [B, L, W] for int32 index [B] -> [B, W].
 * @internal
 */
export function takeAlongSequence(x: Tensor, index: Tensor): Tensor {
  const [b, , w] = x.shape as [number, number, number];
  return reshape(gather(x, 1, expand(reshape(index, [b, 1, 1]), [b, 1, w])), [b, w]);
}

/**
 * The pooling position per sequence for open_clip's text pool types (`text_global_pool`).
 * @internal
 */
export function textPoolIndex(ids: Tensor, poolType: "argmax" | "eos", eosId?: number | null): Tensor {
  const i32 = ids.dtype === "int32" ? ids : cast(ids, "int32");
  if (poolType === "argmax") return argmax(i32, -1);
  return argmax(cast(eq(i32, eosId ?? 0), "int32"), -1);
}

function pool(x: Tensor, ids: Tensor, s: TextTowerSpec): Tensor {
  switch (s.poolType) {
    case "first":
      return slice(x, [null, 0]);
    case "last":
      return slice(x, [null, -1]);
    case "none":
      return x;
    default:
      return takeAlongSequence(x, textPoolIndex(ids, s.poolType, s.eosId));
  }
}

function project(p: ClipTextParams["text_projection"], x: Tensor): Tensor {
  if (!p) return x;
  return "weight" in p ? applyLinear(p, x) : matmul(x, p as Tensor);
}

/** Runs the text tower on token ids [B, L] (L <= context_length). */
export function applyClipText(params: ClipTextParams, ids: Tensor, config: ClipTextTowerConfig, options: TextForwardOptions = {}): ClipTextOutput {
  const s = resolveTextTower(config);
  if (ids.rank !== 2) throw new Error(`clip text: expected token ids [B, L], got [${ids.shape}]`);
  const l = ids.shape[1]!;
  const ctx = params.positional_embedding.shape[0]!;
  if (l > ctx) throw new Error(`clip text: sequence length ${l} exceeds the ${ctx} positions`);
  return tidy(() => {
    const x = add(applyEmbedding(params.token_embedding, ids), slice(params.positional_embedding, [[0, l]]));
    const run = applyClipTransformer(params.transformer, x, s, { isCausal: s.causal, blocks: options.blocks });
    const lastHiddenState = applyLayerNorm(params.ln_final, run.output, { eps: s.eps });
    const pooled = pool(lastHiddenState, ids, s);
    return { textEmbeds: project(params.text_projection, pooled), pooled, lastHiddenState, blocks: run.blocks };
  });
}

/**
 * Specs of the text tower in state-dict order with open_clip's init (token_embedding std 0.02,
 * positional_embedding std 0.01, blocks as open_clip, text_projection std width^-0.5).
 */
export function clipTextSpecs(config: ClipTextTowerConfig): SpecsOf<ClipTextParams> {
  const s = resolveTextTower(config);
  const w = s.width;
  const specs: ParamSpecs = { positional_embedding: spec([s.contextLength, w], { kind: "normal", std: 0.01 }) };
  if (s.projection === "matrix") specs.text_projection = spec([w, s.outputDim], { kind: "normal", std: w ** -0.5 });
  Object.assign(specs, prefixSpecs("transformer.", clipTransformerSpecs(s, "clip")));
  Object.assign(specs, prefixSpecs("token_embedding.", embeddingSpecs({ num_embeddings: s.vocabSize, embedding_dim: w, std: 0.02 })));
  Object.assign(specs, prefixSpecs("ln_final.", layerNormSpecs({ normalized_shape: w })));
  if (s.projection === "linear") {
    specs["text_projection.weight"] = spec([s.outputDim, w], { kind: "normal", std: w ** -0.5 });
    specs["text_projection.bias"] = spec([s.outputDim], { kind: "zeros" });
  }
  return specs;
}

/** A freshly initialised text tower. */
export function initClipText(key: RandomKey, config: ClipTextTowerConfig, options?: InitOptions): ClipTextParams {
  return initFromSpecs(key, clipTextSpecs(config), options);
}
