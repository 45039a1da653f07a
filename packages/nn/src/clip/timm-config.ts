/**
 * timm VisionTransformer configs (its constructor argument names) and the named models open_clip loads
 * through `timm_model_name` (SigLIP and plain ViTs), resolved from the name plus `timm_model_kwargs`.
 */
import { checkActivation, type ActivationName } from "../layers/activation.js";
import { mlpWidth, toPair, type ClipVisionCfg } from "./config.js";

/** timm `VisionTransformer` arguments (the ones that shape or change the forward pass). */
export interface TimmVitConfig {
  /** Input size (default 224). */
  img_size?: number | readonly [number, number];
  /** Patch size (default 16). */
  patch_size?: number | readonly [number, number];
  /** Input channels (default 3). */
  in_chans?: number;
  /** Classifier width; 0 means no `head` (default 0 here: open_clip's proj "none"). */
  num_classes?: number;
  /** "token", "avg", "max", "avgmax", "map" (attention pool), or "" (default "token"). */
  global_pool?: "" | "token" | "avg" | "max" | "avgmax" | "map";
  /** Width (default 768). */
  embed_dim?: number;
  /** Blocks (default 12). */
  depth?: number;
  /** Heads (default 12). */
  num_heads?: number;
  /** MLP ratio (default 4). */
  mlp_ratio?: number;
  /** Bias on qkv (default true). */
  qkv_bias?: boolean;
  /** Bias on attn.proj and the MLP (default true). */
  proj_bias?: boolean;
  /** Layer-scale init (adds `ls1.gamma`, `ls2.gamma`). */
  init_values?: number | null;
  /** Class token (default true; false for SigLIP). */
  class_token?: boolean;
  /** Register tokens (default 0). */
  reg_tokens?: number;
  /** Position table excludes prefix tokens (default false). */
  no_embed_class?: boolean;
  /** "learn" (default) or "none". */
  pos_embed?: "learn" | "none" | "";
  /** Norm after embedding (CLIP-style; patch embed then has no bias). */
  pre_norm?: boolean;
  /** Final norm (default true). */
  final_norm?: boolean;
  /** Norm after pooling instead of before (default: true for avg/max pools). */
  fc_norm?: boolean | null;
  /** MLP activation (default "gelu", exact). */
  act_layer?: ActivationName;
  /** LayerNorm eps (timm's LayerNorm default 1e-6). */
  norm_eps?: number;
}

/** Resolved sizes of a timm ViT. */
export interface TimmVitSpec {
  /** Image [h, w]. */
  image: [number, number];
  /** Patch [h, w]. */
  patch: [number, number];
  /** Grid [h, w]. */
  grid: [number, number];
  /** Input channels. */
  inChans: number;
  /** Width. */
  width: number;
  /** Depth. */
  depth: number;
  /** Heads. */
  heads: number;
  /** MLP hidden width. */
  mlpWidth: number;
  /** qkv bias. */
  qkvBias: boolean;
  /** proj / mlp bias. */
  projBias: boolean;
  /** Layer scale init or null. */
  layerScale: number | null;
  /** Class token. */
  classToken: boolean;
  /** Register tokens. */
  regTokens: number;
  /** Prefix tokens (class + registers). */
  numPrefixTokens: number;
  /** Position table excludes the prefix tokens. */
  noEmbedClass: boolean;
  /** Has a position table. */
  posEmbed: boolean;
  /** norm_pre present (and no patch-embed bias). */
  preNorm: boolean;
  /** Pooling. */
  globalPool: "" | "token" | "avg" | "max" | "avgmax" | "map";
  /** `norm` before pooling. */
  norm: boolean;
  /** `fc_norm` after pooling. */
  fcNorm: boolean;
  /** Head width (0: none). */
  numClasses: number;
  /** Activation. */
  act: ActivationName;
  /** LayerNorm eps. */
  eps: number;
}

const VARIANTS: Record<string, Partial<TimmVitConfig>> = {
  tiny: { embed_dim: 192, depth: 12, num_heads: 3 },
  small: { embed_dim: 384, depth: 12, num_heads: 6 },
  medium: { embed_dim: 512, depth: 12, num_heads: 8 },
  base: { embed_dim: 768, depth: 12, num_heads: 12 },
  large: { embed_dim: 1024, depth: 24, num_heads: 16 },
  huge: { embed_dim: 1280, depth: 32, num_heads: 16 },
  so150m: { embed_dim: 896, depth: 18, num_heads: 14, mlp_ratio: 2.572 },
  so400m: { embed_dim: 1152, depth: 27, num_heads: 16, mlp_ratio: 3.7362 },
  giantopt: { embed_dim: 1536, depth: 40, num_heads: 16 },
};

/**
 * The arguments of a named timm ViT: `vit_<variant>_patch<P>[_siglip][_gap]_<size>` (SigLIP: no class token,
 * "map" pool, or "avg" for `_gap_`). Unknown names are an error naming the name.
 */
export function timmVitPreset(name: string): TimmVitConfig {
  const m = /^vit_([a-z0-9]+)_patch(\d+)((?:_[a-z0-9]+)*?)_(\d+)(?:\.[\w-]+)?$/.exec(name);
  const variant = m ? VARIANTS[m[1]!] : undefined;
  if (!m || !variant) throw new Error(`timm_model_name ${JSON.stringify(name)} is not a known timm ViT (expected vit_<${Object.keys(VARIANTS).join("|")}>_patch<P>_..._<size>)`);
  const tags = m[3]!.split("_").filter(Boolean);
  const cfg: TimmVitConfig = { ...variant, patch_size: Number(m[2]), img_size: Number(m[4]) };
  if (tags.includes("siglip")) {
    cfg.class_token = false;
    cfg.global_pool = tags.includes("gap") ? "avg" : "map";
  }
  return cfg;
}

/**
 * The timm config open_clip builds for a vision_cfg with `timm_model_name`: the named model's arguments,
 * overridden by `timm_model_kwargs`, with `num_classes` = embed_dim unless `timm_proj` is set (open_clip
 * then builds its own head) and `global_pool` = `timm_pool`.
 */
export function openClipTimmConfig(embedDim: number, v: ClipVisionCfg): TimmVitConfig {
  if (!v.timm_model_name) throw new Error("vision_cfg.timm_model_name is required for the timm tower");
  const base = timmVitPreset(v.timm_model_name);
  const proj = v.timm_proj ?? "linear";
  const pool = v.timm_pool ?? "avg";
  if (pool === "abs_attn" || pool === "rot_attn") throw new Error(`vision_cfg.timm_pool ${JSON.stringify(pool)} is not supported`);
  const extraProj = proj === "linear" || proj === "mlp";
  const kwargs = (v.timm_model_kwargs ?? {}) as Partial<TimmVitConfig>;
  // open_clip: with its own head the trunk is reset to num_classes 0 (and to timm_pool when one is given);
  // otherwise the trunk's classifier is the projection (num_classes embed_dim, or 0 for proj "none").
  const trunk: TimmVitConfig = extraProj
    ? { num_classes: 0, ...(pool ? { global_pool: pool as TimmVitConfig["global_pool"] } : {}) }
    : { num_classes: proj === "none" ? 0 : embedDim, global_pool: pool as TimmVitConfig["global_pool"] };
  return { ...base, ...trunk, ...kwargs };
}

function posInt(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new Error(`${field}: expected a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Resolves a timm ViT config with timm's defaults. */
export function resolveTimmVit(c: TimmVitConfig): TimmVitSpec {
  const image = toPair(c.img_size ?? 224, "img_size");
  const patch = toPair(c.patch_size ?? 16, "patch_size");
  const width = posInt(c.embed_dim ?? 768, "embed_dim");
  const heads = posInt(c.num_heads ?? 12, "num_heads");
  if (width % heads !== 0) throw new Error(`num_heads ${heads} does not divide embed_dim ${width}`);
  const globalPool = c.global_pool ?? "token";
  if (!["", "token", "avg", "max", "avgmax", "map"].includes(globalPool)) throw new Error(`global_pool: unknown pool ${JSON.stringify(globalPool)}`);
  const classToken = c.class_token ?? true;
  if (globalPool === "token" && !classToken) throw new Error('global_pool "token" needs class_token');
  const regTokens = c.reg_tokens ?? 0;
  const useFcNorm = c.fc_norm ?? ["avg", "avgmax", "max"].includes(globalPool);
  const finalNorm = c.final_norm ?? true;
  return {
    image,
    patch,
    grid: [Math.trunc(image[0] / patch[0]), Math.trunc(image[1] / patch[1])],
    inChans: c.in_chans ?? 3,
    width,
    depth: posInt(c.depth ?? 12, "depth"),
    heads,
    mlpWidth: mlpWidth(width, c.mlp_ratio ?? 4),
    qkvBias: c.qkv_bias ?? true,
    projBias: c.proj_bias ?? true,
    layerScale: c.init_values ? c.init_values : null,
    classToken,
    regTokens,
    numPrefixTokens: (classToken ? 1 : 0) + regTokens,
    noEmbedClass: c.no_embed_class ?? false,
    posEmbed: (c.pos_embed ?? "learn") === "learn",
    preNorm: c.pre_norm ?? false,
    globalPool,
    norm: finalNorm && !useFcNorm,
    fcNorm: finalNorm && useFcNorm,
    numClasses: c.num_classes ?? 0,
    act: checkActivation(c.act_layer ?? "gelu", "act_layer"),
    eps: c.norm_eps ?? 1e-6,
  };
}
