/**
 * The Hugging Face `CLIPTextModel` (and `CLIPTextModelWithProjection`) layout:
 * text_model.embeddings.{token_embedding, position_embedding} -> text_model.encoder.layers.N
 * (layer_norm1 -> self_attn {q,k,v,out}_proj -> residual, layer_norm2 -> mlp fc1/fc2 -> residual; causal)
 * -> text_model.final_layer_norm; pooled = the EOS position; optional text_projection (no bias).
 *
 * Stable Diffusion 2.x's `text_encoder` is this model converted from OpenCLIP ViT-H/14 with its last block
 * dropped (num_hidden_layers 23 of 24, hidden_act "gelu"): the SD-2 pipelines condition on
 * `last_hidden_state`, which is final_layer_norm applied to the output of block 23, i.e. the reference's
 * "penultimate" layer of the 24-block OpenCLIP tower followed by ln_final.
 */
import { add, slice, tidy, type RandomKey, type Tensor } from "@diva/tensor";
import type { ActivationName } from "../layers/activation.js";
import { applySeparateAttention, type SeparateAttentionParams } from "../layers/attention.js";
import { applyEmbedding, type EmbeddingParams } from "../layers/embedding.js";
import { applyLinear, type LinearParams } from "../layers/linear.js";
import { applyMlp, type FcMlpParams } from "../layers/mlp.js";
import { applyLayerNorm, layerNormSpecs, type NormParams } from "../layers/norm.js";
import { initFromSpecs, prefixSpecs, spec, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";
import { checkHiddenAct } from "./config.js";
import { takeAlongSequence, textPoolIndex } from "./text.js";
import { selectedBlocks, type BlockSelection } from "./transformer.js";

/** Hugging Face `CLIPTextConfig` (config.json of a `text_encoder/` folder). */
export interface HfClipTextConfig {
  /** Vocabulary (default 49408). */
  vocab_size?: number;
  /** Width (default 512). */
  hidden_size?: number;
  /** MLP width (default 2048). */
  intermediate_size?: number;
  /** Projection width of CLIPTextModelWithProjection (default 512). */
  projection_dim?: number;
  /** Depth (default 12). */
  num_hidden_layers?: number;
  /** Heads (default 8). */
  num_attention_heads?: number;
  /** Positions (default 77). */
  max_position_embeddings?: number;
  /** Activation (default "quick_gelu"; SD 2.x "gelu"). */
  hidden_act?: string;
  /** LayerNorm eps (default 1e-5). */
  layer_norm_eps?: number;
  /** EOS id (default 2: the legacy rule, pool at argmax of the ids; otherwise the first EOS position). */
  eos_token_id?: number;
  /** BOS id (unused by the forward pass). */
  bos_token_id?: number;
  /** Padding id (unused by the forward pass). */
  pad_token_id?: number;
}

/** One `CLIPEncoderLayer`. */
export interface HfClipEncoderLayerParams {
  /** Attention. */
  self_attn: SeparateAttentionParams;
  /** Norm before attention. */
  layer_norm1: NormParams;
  /** MLP. */
  mlp: FcMlpParams;
  /** Norm before the MLP. */
  layer_norm2: NormParams;
}

/** `CLIPTextModel` parameters (`CLIPTextModelWithProjection` adds `text_projection`). */
export interface HfClipTextParams {
  /** The transformer. */
  text_model: {
    /** Token and position tables. */
    embeddings: {
      /** Token table [vocab, hidden]. */
      token_embedding: EmbeddingParams;
      /** Position table [positions, hidden]. */
      position_embedding: EmbeddingParams;
    };
    /** Blocks. */
    encoder: {
      /** The encoder layers, in order. */
      layers: HfClipEncoderLayerParams[];
    };
    /** Final norm. */
    final_layer_norm: NormParams;
  };
  /** Projection [projection_dim, hidden] without bias. */
  text_projection?: LinearParams;
}

/** Outputs of the HF text model. */
export interface HfClipTextOutput {
  /** final_layer_norm of the last block's output ([B, L, hidden]). */
  lastHiddenState: Tensor;
  /** lastHiddenState at the EOS position ([B, hidden]). */
  pooledOutput: Tensor;
  /** pooledOutput @ text_projection^T when the projection exists. */
  textEmbeds?: Tensor;
  /** Token + position embeddings (HF hidden_states[0]). */
  embeddings: Tensor;
  /** Raw outputs of the selected layers (layer i is HF hidden_states[i + 1]). */
  blocks: Record<number, Tensor>;
}

/** Resolved HF text config with HF's defaults. */
export interface HfTextSpec {
  /** Vocabulary. */
  vocab: number;
  /** Width. */
  hidden: number;
  /** MLP width. */
  intermediate: number;
  /** Projection width. */
  projection: number;
  /** Depth. */
  layers: number;
  /** Heads. */
  heads: number;
  /** Positions. */
  positions: number;
  /** Activation. */
  act: ActivationName;
  /** LayerNorm eps. */
  eps: number;
  /** EOS id. */
  eos: number;
}

/** Fills HF's defaults in a CLIPTextConfig. */
export function resolveHfClipText(c: HfClipTextConfig): HfTextSpec {
  const hidden = c.hidden_size ?? 512;
  const heads = c.num_attention_heads ?? 8;
  if (hidden % heads !== 0) throw new Error(`num_attention_heads ${heads} does not divide hidden_size ${hidden}`);
  return {
    vocab: c.vocab_size ?? 49408,
    hidden,
    intermediate: c.intermediate_size ?? 2048,
    projection: c.projection_dim ?? 512,
    layers: c.num_hidden_layers ?? 12,
    heads,
    positions: c.max_position_embeddings ?? 77,
    act: checkHiddenAct(c.hidden_act ?? "quick_gelu"),
    eps: c.layer_norm_eps ?? 1e-5,
    eos: c.eos_token_id ?? 2,
  };
}

/** Runs the HF text model on ids [B, L]. */
export function applyHfClipText(params: HfClipTextParams, ids: Tensor, config: HfClipTextConfig, options: { blocks?: BlockSelection } = {}): HfClipTextOutput {
  const s = resolveHfClipText(config);
  if (ids.rank !== 2) throw new Error(`hf clip text: expected token ids [B, L], got [${ids.shape}]`);
  const l = ids.shape[1]!;
  const tm = params.text_model;
  const pos = tm.embeddings.position_embedding.weight;
  if (l > pos.shape[0]!) throw new Error(`hf clip text: sequence length ${l} exceeds the ${pos.shape[0]} positions`);
  const keep = selectedBlocks(options.blocks, tm.encoder.layers.length);
  return tidy(() => {
    const embeddings = add(applyEmbedding(tm.embeddings.token_embedding, ids), slice(pos, [[0, l]]));
    const blocks: Record<number, Tensor> = {};
    let h = embeddings;
    tm.encoder.layers.forEach((layer, i) => {
      h = tidy(() => {
        const a = add(h, applySeparateAttention(layer.self_attn, applyLayerNorm(layer.layer_norm1, h, { eps: s.eps }), { num_heads: s.heads }, { isCausal: true }));
        return add(a, applyMlp(layer.mlp, applyLayerNorm(layer.layer_norm2, a, { eps: s.eps }), s.act));
      });
      if (keep.has(i)) blocks[i] = h;
    });
    const lastHiddenState = applyLayerNorm(tm.final_layer_norm, h, { eps: s.eps });
    const pooledOutput = takeAlongSequence(lastHiddenState, textPoolIndex(ids, s.eos === 2 ? "argmax" : "eos", s.eos));
    const out: HfClipTextOutput = { lastHiddenState, pooledOutput, embeddings, blocks };
    if (params.text_projection) out.textEmbeds = applyLinear(params.text_projection, pooledOutput);
    return out;
  });
}

/**
 * Specs in state-dict order with HF's `_init_weights` (factor 1): embeddings normal(0.02), q/k/v
 * normal(hidden^-0.5 (2 layers)^-0.5), out_proj normal(hidden^-0.5), fc1 normal((2 hidden)^-0.5), fc2 as
 * q/k/v, zero biases, unit norms; `withProjection` adds text_projection normal(hidden^-0.5).
 */
export function hfClipTextSpecs(config: HfClipTextConfig, withProjection = false): SpecsOf<HfClipTextParams> {
  const s = resolveHfClipText(config);
  const h = s.hidden;
  const inStd = h ** -0.5 * (2 * s.layers) ** -0.5;
  const outStd = h ** -0.5;
  const fcStd = (2 * h) ** -0.5;
  const lin = (o: number, i: number, std: number): ParamSpecs => ({ weight: spec([o, i], { kind: "normal", std }), bias: spec([o], { kind: "zeros" }) });
  const specs: ParamSpecs = {
    "text_model.embeddings.token_embedding.weight": spec([s.vocab, h], { kind: "normal", std: 0.02 }),
    "text_model.embeddings.position_embedding.weight": spec([s.positions, h], { kind: "normal", std: 0.02 }),
  };
  for (let i = 0; i < s.layers; i++) {
    Object.assign(
      specs,
      prefixSpecs(`text_model.encoder.layers.${i}.`, {
        ...prefixSpecs("self_attn.k_proj.", lin(h, h, inStd)),
        ...prefixSpecs("self_attn.v_proj.", lin(h, h, inStd)),
        ...prefixSpecs("self_attn.q_proj.", lin(h, h, inStd)),
        ...prefixSpecs("self_attn.out_proj.", lin(h, h, outStd)),
        ...prefixSpecs("layer_norm1.", layerNormSpecs({ normalized_shape: h })),
        ...prefixSpecs("mlp.fc1.", lin(s.intermediate, h, fcStd)),
        ...prefixSpecs("mlp.fc2.", lin(h, s.intermediate, inStd)),
        ...prefixSpecs("layer_norm2.", layerNormSpecs({ normalized_shape: h })),
      }),
    );
  }
  Object.assign(specs, prefixSpecs("text_model.final_layer_norm.", layerNormSpecs({ normalized_shape: h })));
  if (withProjection) specs["text_projection.weight"] = spec([s.projection, h], { kind: "normal", std: h ** -0.5 });
  return specs;
}

/** A freshly initialised HF text model. */
export function initHfClipText(key: RandomKey, config: HfClipTextConfig, options?: InitOptions & { withProjection?: boolean }): HfClipTextParams {
  return initFromSpecs(key, hfClipTextSpecs(config, options?.withProjection ?? false), options);
}
