/**
 * Name map between the Hugging Face `CLIPModel` layout and the open_clip / OpenAI layout:
 * - `vision_model.embeddings.{class_embedding, patch_embedding.weight, position_embedding.weight}` <->
 *   `visual.{class_embedding, conv1.weight, positional_embedding}`; `vision_model.pre_layrnorm` (sic) <->
 *   `visual.ln_pre`; `vision_model.post_layernorm` <-> `visual.ln_post`; `visual_projection.weight` <->
 *   `visual.proj` transposed;
 * - `text_model.embeddings.{token_embedding, position_embedding}` <-> `token_embedding`, `positional_embedding`;
 *   `text_model.final_layer_norm` <-> `ln_final`; `text_projection.weight` <-> `text_projection` transposed;
 * - encoder layers: `{q,k,v}_proj` stacked (q, k, v rows) <-> `attn.in_proj_weight/bias`; `out_proj` <->
 *   `attn.out_proj`; `layer_norm1/2` <-> `ln_1/2`; `mlp.fc1/fc2` <-> `mlp.c_fc/c_proj`;
 * - `logit_scale` is shared. Position-id buffers (`*.position_ids`) have no counterpart and are dropped.
 * The conversion is exact (concatenation, slicing and transposes only).
 */
import { concat, contiguous, nameRecord, slice, transpose, type Tensor } from "@diva/tensor";
import type { OpenClipConfig } from "../clip/config.js";

/** Hugging Face `CLIPVisionConfig`. */
export interface HfClipVisionConfig {
  /** Width (default 768). */
  hidden_size?: number;
  /** MLP width (default 3072). */
  intermediate_size?: number;
  /** Projection width (default 512). */
  projection_dim?: number;
  /** Depth (default 12). */
  num_hidden_layers?: number;
  /** Heads (default 12). */
  num_attention_heads?: number;
  /** Input size (default 224). */
  image_size?: number;
  /** Patch size (default 32). */
  patch_size?: number;
  /** Activation (default "quick_gelu"). */
  hidden_act?: string;
  /** LayerNorm eps (default 1e-5). */
  layer_norm_eps?: number;
  /** Channels (default 3). */
  num_channels?: number;
}

/** Hugging Face `CLIPConfig` (config.json of a CLIPModel). */
export interface HfClipConfig {
  /** Text tower config. */
  text_config?: import("../clip/hf-text.js").HfClipTextConfig;
  /** Vision tower config. */
  vision_config?: HfClipVisionConfig;
  /** Joint embedding width (default 512). */
  projection_dim?: number;
  /** Initial logit scale (default 2.6592). */
  logit_scale_init_value?: number;
}

const LAYER_MAP: readonly [string, string][] = [
  ["self_attn.out_proj.weight", "attn.out_proj.weight"],
  ["self_attn.out_proj.bias", "attn.out_proj.bias"],
  ["layer_norm1.weight", "ln_1.weight"],
  ["layer_norm1.bias", "ln_1.bias"],
  ["layer_norm2.weight", "ln_2.weight"],
  ["layer_norm2.bias", "ln_2.bias"],
  ["mlp.fc1.weight", "mlp.c_fc.weight"],
  ["mlp.fc1.bias", "mlp.c_fc.bias"],
  ["mlp.fc2.weight", "mlp.c_proj.weight"],
  ["mlp.fc2.bias", "mlp.c_proj.bias"],
];

const FIXED_HF_TO_OC: readonly [string, string][] = [
  ["vision_model.embeddings.class_embedding", "visual.class_embedding"],
  ["vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"],
  ["vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"],
  ["vision_model.pre_layrnorm.weight", "visual.ln_pre.weight"],
  ["vision_model.pre_layrnorm.bias", "visual.ln_pre.bias"],
  ["vision_model.post_layernorm.weight", "visual.ln_post.weight"],
  ["vision_model.post_layernorm.bias", "visual.ln_post.bias"],
  ["text_model.embeddings.token_embedding.weight", "token_embedding.weight"],
  ["text_model.embeddings.position_embedding.weight", "positional_embedding"],
  ["text_model.final_layer_norm.weight", "ln_final.weight"],
  ["text_model.final_layer_norm.bias", "ln_final.bias"],
  ["logit_scale", "logit_scale"],
];

const TRANSPOSED_HF_TO_OC: readonly [string, string][] = [
  ["visual_projection.weight", "visual.proj"],
  ["text_projection.weight", "text_projection"],
];

const TOWERS: readonly [string, string][] = [
  ["vision_model.encoder.layers.", "visual.transformer.resblocks."],
  ["text_model.encoder.layers.", "transformer.resblocks."],
];

/** True when the names look like a Hugging Face CLIPModel / CLIPTextModel / CLIPVisionModel checkpoint. */
export function isHfClipLayout(names: Iterable<string>): boolean {
  for (const n of names) if (n.startsWith("text_model.") || n.startsWith("vision_model.")) return true;
  return false;
}

/** A state dict under the other naming. */
export interface RenamedClip {
  /** The tensors under the target names. */
  tensors: Record<string, Tensor>;
  /** Tensors the map does not know, under their source names. */
  unmapped: Record<string, Tensor>;
}

/** The bookkeeping of a renaming: the output record, `take` (marks a source name used) and what was never taken. */
function renaming(flat: Record<string, Tensor>) {
  const out = nameRecord<Tensor>();
  const used = new Set<string>();
  const take = (n: string): Tensor => {
    used.add(n);
    return flat[n]!;
  };
  /** The source tensors never taken, except those `dropped` names. */
  const unmapped = (dropped: (name: string) => boolean): Record<string, Tensor> => {
    const rest = nameRecord<Tensor>();
    for (const [n, t] of Object.entries(flat)) if (!used.has(n) && !dropped(n)) rest[n] = t;
    return rest;
  };
  return { out, take, unmapped };
}

/** The layer indices present under `prefix` (`prefix` + `i.` ...), ascending. */
function layerIndices(flat: Record<string, Tensor>, prefix: string): number[] {
  const layers = new Set<number>();
  for (const n of Object.keys(flat)) {
    if (!n.startsWith(prefix)) continue;
    const i = Number(n.slice(prefix.length).split(".")[0]);
    if (Number.isInteger(i)) layers.add(i);
  }
  return [...layers].sort((a, b) => a - b);
}

/**
 * Renames (and restacks) a Hugging Face CLIPModel state dict to open_clip names. Keys it does not know are
 * returned under `unmapped` with their HF names (position-id buffers are dropped silently). The input is
 * not modified or disposed; new tensors are made only for stacked q/k/v and transposed projections.
 */
export function hfClipToOpenClip(flat: Record<string, Tensor>): RenamedClip {
  const { out, take, unmapped } = renaming(flat);
  for (const [hf, oc] of FIXED_HF_TO_OC) if (flat[hf]) out[oc] = take(hf);
  for (const [hf, oc] of TRANSPOSED_HF_TO_OC) if (flat[hf]) out[oc] = contiguous(transpose(take(hf)));
  for (const [hfPrefix, ocPrefix] of TOWERS) {
    for (const i of layerIndices(flat, hfPrefix)) {
      const hp = `${hfPrefix}${i}.`;
      const op = `${ocPrefix}${i}.`;
      for (const part of ["weight", "bias"]) {
        const qkv = ["q", "k", "v"].map((c) => `${hp}self_attn.${c}_proj.${part}`);
        if (qkv.every((n) => flat[n])) out[`${op}attn.in_proj_${part}`] = concat(qkv.map(take), 0);
      }
      for (const [h, o] of LAYER_MAP) if (flat[hp + h]) out[op + o] = take(hp + h);
    }
  }
  return { tensors: out, unmapped: unmapped((n) => /(^|\.)position_ids$/.test(n)) };
}

/** The inverse of {@link hfClipToOpenClip}: open_clip names (root text tower, `visual.` ViT) to HF CLIPModel names. */
export function openClipToHfClip(flat: Record<string, Tensor>): RenamedClip {
  const { out, take, unmapped } = renaming(flat);
  for (const [hf, oc] of FIXED_HF_TO_OC) if (flat[oc]) out[hf] = take(oc);
  for (const [hf, oc] of TRANSPOSED_HF_TO_OC) if (flat[oc] && flat[oc]!.rank === 2) out[hf] = contiguous(transpose(take(oc)));
  for (const [hfPrefix, ocPrefix] of TOWERS) {
    for (const i of layerIndices(flat, ocPrefix)) {
      const hp = `${hfPrefix}${i}.`;
      const op = `${ocPrefix}${i}.`;
      for (const part of ["weight", "bias"]) {
        const n = `${op}attn.in_proj_${part}`;
        if (!flat[n]) continue;
        const t = take(n);
        const e = t.shape[0]! / 3;
        ["q", "k", "v"].forEach((c, j) => {
          out[`${hp}self_attn.${c}_proj.${part}`] = contiguous(slice(t, [[j * e, (j + 1) * e]]));
        });
      }
      for (const [h, o] of LAYER_MAP) if (flat[op + o]) out[hp + h] = take(op + o);
    }
  }
  return { tensors: out, unmapped: unmapped(() => false) };
}

/** The open_clip config equivalent to a Hugging Face CLIPConfig (HF defaults filled in). */
export function hfClipConfigToOpenClip(c: HfClipConfig): OpenClipConfig {
  const v = c.vision_config ?? {};
  const t = c.text_config ?? {};
  const vw = v.hidden_size ?? 768;
  const vh = v.num_attention_heads ?? 12;
  const tw = t.hidden_size ?? 512;
  const vAct = v.hidden_act ?? "quick_gelu";
  const tAct = t.hidden_act ?? "quick_gelu";
  if (vAct !== tAct) throw new Error(`hfClipConfigToOpenClip: vision hidden_act ${vAct} and text hidden_act ${tAct} differ (open_clip has one quick_gelu flag)`);
  if (!["quick_gelu", "gelu"].includes(vAct)) throw new Error(`hfClipConfigToOpenClip: hidden_act ${JSON.stringify(vAct)} has no open_clip equivalent`);
  const eos = t.eos_token_id ?? 2;
  return {
    embed_dim: c.projection_dim ?? 512,
    quick_gelu: vAct === "quick_gelu",
    vision_cfg: {
      image_size: v.image_size ?? 224,
      patch_size: v.patch_size ?? 32,
      width: vw,
      layers: v.num_hidden_layers ?? 12,
      head_width: vw / vh,
      mlp_ratio: (v.intermediate_size ?? 3072) / vw,
      norm_kwargs: { eps: v.layer_norm_eps ?? 1e-5 },
    },
    text_cfg: {
      context_length: t.max_position_embeddings ?? 77,
      vocab_size: t.vocab_size ?? 49408,
      width: tw,
      heads: t.num_attention_heads ?? 8,
      layers: t.num_hidden_layers ?? 12,
      mlp_ratio: (t.intermediate_size ?? 2048) / tw,
      norm_kwargs: { eps: t.layer_norm_eps ?? 1e-5 },
      ...(eos === 2 ? { pool_type: "argmax" as const } : { pool_type: "eos" as const, eos_id: eos }),
    },
    init_logit_scale: c.logit_scale_init_value ?? 2.6592,
  };
}
