/**
 * CLIP configs with open_clip's own field names (its model config JSON: `embed_dim`, `vision_cfg`,
 * `text_cfg`, `quick_gelu`, ...), and their resolution into the sizes the towers use. Options open_clip has
 * that these towers do not implement (ModifiedResNet, attentional pooler, custom blocks, HF text towers)
 * are refused with an error naming the field.
 */
import { checkActivation, type ActivationName } from "../layers/activation.js";

/** The layer arguments both towers' configs take. */
export interface ClipLayerKwargs {
  /** LayerNorm arguments (`eps`). */
  norm_kwargs?: {
    /** LayerNorm epsilon (default 1e-5). */
    eps?: number;
  } | null;
  /** nn.GELU arguments (`approximate: "tanh"`). */
  act_kwargs?: {
    /** "tanh" selects the tanh approximation of GELU. */
    approximate?: "none" | "tanh";
  } | null;
}

/** open_clip `CLIPVisionCfg` (the fields that matter for the ViT and timm towers). */
export interface ClipVisionCfg extends ClipLayerKwargs {
  /** Input resolution (default 224). */
  image_size?: number | readonly [number, number];
  /** Transformer depth (default 12). A list selects open_clip's ModifiedResNet, which is not supported. */
  layers?: number | readonly number[];
  /** Transformer width (default 768). */
  width?: number;
  /** Width per head (default 64): heads = width / head_width. */
  head_width?: number;
  /** MLP width = int(width * mlp_ratio) (default 4). */
  mlp_ratio?: number;
  /** Patch size (default 16). */
  patch_size?: number | readonly [number, number];
  /** Layer-scale init; present means `ls_1.gamma`/`ls_2.gamma` parameters exist. */
  ls_init_value?: number | null;
  /** Patch dropout (training only; ignored at inference, as in open_clip's eval mode). */
  patch_dropout?: number;
  /** Skip `ln_pre`. */
  no_ln_pre?: boolean;
  /** "learnable" (default) or "sin_cos_2d" (a fixed table stored under the same name). */
  pos_embed_type?: "learnable" | "sin_cos_2d";
  /** Apply `ln_post` to the pooled vector instead of all tokens. */
  final_ln_after_pool?: boolean;
  /** "tok" (class token, default), "avg" (mean of patch tokens), "none". */
  pool_type?: "tok" | "avg" | "none";
  /** open_clip returns tokens too (informational here: the towers always return them). */
  output_tokens?: boolean;
  /** CoCa attentional pooler (not supported). */
  attentional_pool?: boolean | string;
  /** open_clip custom blocks (not supported). */
  block_type?: string | null;
  /** Custom-block options (not supported when true). */
  qk_norm?: boolean;
  /** Custom-block option (not supported). */
  scaled_cosine_attn?: boolean;
  /** Custom-block option (not supported). */
  scale_heads?: boolean;
  /** Custom-block option (not supported). */
  scale_attn_inner?: boolean;
  /** Custom-block option (not supported). */
  scale_attn?: boolean;
  /** Custom-block option (not supported). */
  scale_fc?: boolean;
  /** timm model name: selects the timm tower (SigLIP: "vit_so400m_patch14_siglip_224", ...). */
  timm_model_name?: string | null;
  /** Whether timm loads ImageNet weights (ignored: weights come from the checkpoint). */
  timm_model_pretrained?: boolean;
  /** timm global pool ("map" for SigLIP, "avg", "token", ""). Default "avg". */
  timm_pool?: string;
  /** open_clip head after the timm trunk: "linear" (default), "mlp", "none" or "" (trunk's own head). */
  timm_proj?: string;
  /** Bias on the open_clip head projection. */
  timm_proj_bias?: boolean;
  /** Head dropout (training only). */
  timm_drop?: number;
  /** Stochastic depth (training only). */
  timm_drop_path?: number | null;
  /** Extra `timm.create_model` arguments (override the named model's). */
  timm_model_kwargs?: Record<string, unknown> | null;
}

/** open_clip `CLIPTextCfg` (the fields of its native TextTransformer). */
export interface ClipTextCfg extends ClipLayerKwargs {
  /** Number of positions (default 77). */
  context_length?: number;
  /** Vocabulary size (default 49408). */
  vocab_size?: number;
  /** Width (default 512). */
  width?: number;
  /** Heads (default 8). */
  heads?: number;
  /** Depth (default 12). */
  layers?: number;
  /** MLP ratio (default 4). */
  mlp_ratio?: number;
  /** Layer-scale init (adds `ls_1`/`ls_2`). */
  ls_init_value?: number | null;
  /** CoCa class embedding (not supported). */
  embed_cls?: boolean;
  /** Padding id (default 0). */
  pad_id?: number;
  /** End-of-sequence id for pool_type "eos". */
  eos_id?: number | null;
  /** Bidirectional attention (SigLIP). */
  no_causal_mask?: boolean;
  /** "argmax" (default: position of the largest id, the EOT token), "eos", "first", "last", "none". */
  pool_type?: "argmax" | "eos" | "first" | "last" | "none";
  /** text_projection is an nn.Linear with bias (`text_projection.weight/bias`) instead of a [width, embed_dim] matrix. */
  proj_bias?: boolean;
  /** "linear" (default) or "none" (no projection). */
  proj_type?: "linear" | "none";
  /** open_clip returns tokens too (informational). */
  output_tokens?: boolean;
  /** Hugging Face text tower (not supported in this layout; see the HF CLIPTextModel instead). */
  hf_model_name?: string | null;
  /** "clip" (default); "modern" is not supported. */
  text_arch?: string;
  /** Custom-block options (not supported when true). */
  qk_norm?: boolean;
  /** Custom-block option (not supported). */
  block_type?: string | null;
  /** Tokenizer settings (not used by the tower). */
  hf_tokenizer_name?: string | null;
  /** Tokenizer settings (not used by the tower). */
  tokenizer_kwargs?: Record<string, unknown> | null;
}

/** An open_clip model config (model_configs/*.json). */
export interface OpenClipConfig {
  /** Output (joint embedding) width. */
  embed_dim: number;
  /** Vision tower. */
  vision_cfg: ClipVisionCfg;
  /** Text tower. */
  text_cfg: ClipTextCfg;
  /** QuickGELU in the open_clip towers (OpenAI weights); else exact GELU. */
  quick_gelu?: boolean;
  /** Initial logit scale (default log(1/0.07)). */
  init_logit_scale?: number;
  /** Initial logit bias (SigLIP); present means a `logit_bias` parameter. */
  init_logit_bias?: number | null;
  /** Text tower lives under `text.` (open_clip CustomTextCLIP, used by SigLIP). */
  custom_text?: boolean;
}

/** The part of an open_clip config the vision tower needs. */
export type ClipVisionTowerConfig = Pick<OpenClipConfig, "embed_dim" | "vision_cfg" | "quick_gelu">;

/** The part of an open_clip config the text tower needs. */
export type ClipTextTowerConfig = Pick<OpenClipConfig, "embed_dim" | "text_cfg" | "quick_gelu">;

/** Resolved sizes of an open_clip ViT tower. */
export interface VitTowerSpec {
  /** Width. */
  width: number;
  /** Depth. */
  layers: number;
  /** Heads. */
  heads: number;
  /** MLP hidden width. */
  mlpWidth: number;
  /** Patch [h, w]. */
  patch: [number, number];
  /** Image [h, w]. */
  image: [number, number];
  /** Patch grid [h, w]. */
  grid: [number, number];
  /** Activation. */
  act: ActivationName;
  /** LayerNorm eps. */
  eps: number;
  /** Whether `ln_pre` exists. */
  lnPre: boolean;
  /** Pooling. */
  poolType: "tok" | "avg" | "none";
  /** ln_post after pooling. */
  finalLnAfterPool: boolean;
  /** Layer scale present. */
  layerScale: number | null;
  /** Projection width (0: no `proj`). */
  outputDim: number;
}

/** Resolved sizes of an open_clip text tower. */
export interface TextTowerSpec {
  /** Positions. */
  contextLength: number;
  /** Vocabulary. */
  vocabSize: number;
  /** Width. */
  width: number;
  /** Heads. */
  heads: number;
  /** Depth. */
  layers: number;
  /** MLP hidden width. */
  mlpWidth: number;
  /** Activation. */
  act: ActivationName;
  /** LayerNorm eps. */
  eps: number;
  /** Causal mask. */
  causal: boolean;
  /** Pooling. */
  poolType: "argmax" | "eos" | "first" | "last" | "none";
  /** EOS id for "eos" pooling. */
  eosId: number | null;
  /** Projection: none, a [width, embed] matrix, or a Linear with bias. */
  projection: "none" | "matrix" | "linear";
  /** Projection width. */
  outputDim: number;
  /** Layer scale present. */
  layerScale: number | null;
}

/** int(width * ratio) as Python computes it, forgiving float noise from ratios like 4304 / 1152. */
export function mlpWidth(width: number, ratio: number): number {
  const m = width * ratio;
  const r = Math.round(m);
  return Math.abs(m - r) < 1e-6 * Math.max(1, m) ? r : Math.trunc(m);
}

/** `n` or `[h, w]` as a pair. */
export function toPair(v: number | readonly number[], field: string): [number, number] {
  if (typeof v === "number") return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((d) => Number.isInteger(d) && d > 0)) return [v[0]!, v[1]!];
  throw new Error(`${field}: expected a positive integer or [h, w], got ${JSON.stringify(v)}`);
}

function posInt(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new Error(`${field}: expected a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function refuse(cond: unknown, field: string, why = "is not supported"): void {
  if (cond) throw new Error(`${field} ${why}`);
}

/**
 * The activation open_clip builds for a tower: QuickGELU with quick_gelu, else nn.GELU (with act_kwargs).
 * @internal
 */
export function openClipActivation(quickGelu: boolean | undefined, actKwargs: { approximate?: "none" | "tanh" } | null | undefined): ActivationName {
  if (quickGelu) return "quick_gelu";
  return actKwargs?.approximate === "tanh" ? "gelu_tanh" : "gelu";
}

/** Resolves an open_clip ViT vision config (refusing timm and ResNet configs, which other towers handle). */
export function resolveVitTower(config: ClipVisionTowerConfig): VitTowerSpec {
  const v = config.vision_cfg ?? {};
  refuse(v.timm_model_name, "vision_cfg.timm_model_name", "selects the timm tower (use applyTimmVisual)");
  refuse(Array.isArray(v.layers), "vision_cfg.layers as a list (open_clip ModifiedResNet)");
  refuse(v.attentional_pool, "vision_cfg.attentional_pool (CoCa attentional pooler)");
  refuse(v.block_type === "custom", "vision_cfg.block_type \"custom\"");
  for (const f of ["qk_norm", "scaled_cosine_attn", "scale_heads", "scale_attn_inner", "scale_attn", "scale_fc"] as const) refuse(v[f], `vision_cfg.${f}`);
  const width = posInt(v.width ?? 768, "vision_cfg.width");
  const headWidth = posInt(v.head_width ?? 64, "vision_cfg.head_width");
  if (width % headWidth !== 0) throw new Error(`vision_cfg.head_width ${headWidth} does not divide vision_cfg.width ${width}`);
  const patch = toPair(v.patch_size ?? 16, "vision_cfg.patch_size");
  const image = toPair(v.image_size ?? 224, "vision_cfg.image_size");
  const pool = v.pool_type ?? "tok";
  if (!["tok", "avg", "none"].includes(pool)) throw new Error(`vision_cfg.pool_type: unknown pool type ${JSON.stringify(pool)}`);
  return {
    width,
    layers: posInt(v.layers ?? 12, "vision_cfg.layers"),
    heads: width / headWidth,
    mlpWidth: mlpWidth(width, v.mlp_ratio ?? 4),
    patch,
    image,
    grid: [Math.trunc(image[0] / patch[0]), Math.trunc(image[1] / patch[1])],
    act: openClipActivation(config.quick_gelu, v.act_kwargs),
    eps: v.norm_kwargs?.eps ?? 1e-5,
    lnPre: !v.no_ln_pre,
    poolType: pool,
    finalLnAfterPool: !!v.final_ln_after_pool,
    layerScale: v.ls_init_value ?? null,
    outputDim: config.embed_dim,
  };
}

/** Resolves an open_clip text config. */
export function resolveTextTower(config: ClipTextTowerConfig): TextTowerSpec {
  const t = config.text_cfg ?? {};
  refuse(t.hf_model_name, "text_cfg.hf_model_name", "(HF text tower inside open_clip) is not supported; use the HF CLIPTextModel layout");
  refuse(t.text_arch && t.text_arch !== "clip", `text_cfg.text_arch ${JSON.stringify(t.text_arch)}`);
  refuse(t.embed_cls, "text_cfg.embed_cls (CoCa)");
  refuse(t.qk_norm, "text_cfg.qk_norm");
  refuse(t.block_type === "custom", "text_cfg.block_type \"custom\"");
  const pool = t.pool_type ?? "argmax";
  if (!["argmax", "eos", "first", "last", "none"].includes(pool)) throw new Error(`text_cfg.pool_type: unknown pool type ${JSON.stringify(pool)}`);
  if (pool === "eos" && (t.eos_id === undefined || t.eos_id === null)) throw new Error("text_cfg.pool_type \"eos\" requires text_cfg.eos_id");
  const width = posInt(t.width ?? 512, "text_cfg.width");
  const heads = posInt(t.heads ?? 8, "text_cfg.heads");
  if (width % heads !== 0) throw new Error(`text_cfg.heads ${heads} does not divide text_cfg.width ${width}`);
  const noProj = t.proj_type === "none" || !config.embed_dim;
  return {
    contextLength: posInt(t.context_length ?? 77, "text_cfg.context_length"),
    vocabSize: posInt(t.vocab_size ?? 49408, "text_cfg.vocab_size"),
    width,
    heads,
    layers: posInt(t.layers ?? 12, "text_cfg.layers"),
    mlpWidth: mlpWidth(width, t.mlp_ratio ?? 4),
    act: openClipActivation(config.quick_gelu, t.act_kwargs),
    eps: t.norm_kwargs?.eps ?? 1e-5,
    causal: !t.no_causal_mask,
    poolType: pool,
    eosId: t.eos_id ?? null,
    projection: noProj ? "none" : t.proj_bias ? "linear" : "matrix",
    outputDim: config.embed_dim,
    layerScale: t.ls_init_value ?? null,
  };
}

/**
 * Validates the activation field of a config (re-exported helper for HF configs).
 * @internal
 */
export const checkHiddenAct = (name: unknown): ActivationName => checkActivation(name, "hidden_act");
