/** Embedding lookup over a `{ weight }` parameter tree (torch.nn.Embedding layout: weight [num_embeddings, dim]). */
import { cast, embedding, type RandomKey, type Tensor } from "@diva/tensor";
import { initFromSpecs, spec, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";

/** Parameters of an embedding table. */
export interface EmbeddingParams {
  /** [num_embeddings, embedding_dim]. */
  weight: Tensor;
}

/** torch.nn.Embedding constructor arguments (plus the init std, which torch fixes at 1). */
export interface EmbeddingConfig {
  /** Table size. */
  num_embeddings: number;
  /** Row width. */
  embedding_dim: number;
  /** Init std (torch default 1; CLIP uses 0.02). */
  std?: number;
}

/** Rows of the table for integer ids of any shape -> [...ids.shape, dim]. */
export function applyEmbedding(params: EmbeddingParams, ids: Tensor): Tensor {
  return embedding(params.weight, ids.dtype === "int32" ? ids : cast(ids, "int32"));
}

/** Specs of an embedding table (normal init). */
export function embeddingSpecs(config: EmbeddingConfig): SpecsOf<EmbeddingParams> {
  return { weight: spec([config.num_embeddings, config.embedding_dim], { kind: "normal", std: config.std ?? 1 }) };
}

/** A freshly initialised embedding table. */
export function initEmbedding(key: RandomKey, config: EmbeddingConfig, options?: InitOptions): EmbeddingParams {
  return initFromSpecs(key, embeddingSpecs(config), options);
}
