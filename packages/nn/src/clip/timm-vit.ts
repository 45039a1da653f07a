/**
 * timm's VisionTransformer as open_clip loads it for SigLIP (`visual.trunk.*`): patch_embed.proj (conv with
 * bias) -> [cls/reg tokens] + pos_embed -> norm_pre -> blocks (norm1, attn.qkv, attn.proj, ls1, norm2,
 * mlp.fc1, mlp.fc2, ls2) -> norm -> pool (AttentionPoolLatent "map" head: latent query, q, kv, proj, then
 * x + mlp(norm(x)); or token/avg/max) -> fc_norm -> head.
 */
import { add, checkpoint, concat, conv2d, expand, max, mean, mul, permute, reshape, slice, tidy, type RandomKey, type Tensor } from "@diva/tensor";
import { applyQkvAttention, multiHeadAttention, qkvAttentionSpecs, type QkvAttentionParams } from "../layers/attention.js";
import { applyLinear, type LinearParams } from "../layers/linear.js";
import { applyMlp, type FcMlpParams } from "../layers/mlp.js";
import { applyLayerNorm, layerNormSpecs, type NormParams } from "../layers/norm.js";
import { initFromSpecs, kaimingUniformInit, prefixSpecs, spec, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";
import type { ResampleOptions } from "../layers/resample.js";
import { resizePosEmbed, squareGrid } from "./pos-embed.js";
import { selectedBlocks, type BlockSelection, type LayerScaleParams } from "./transformer.js";
import { resolveTimmVit, type TimmVitConfig, type TimmVitSpec } from "./timm-config.js";
import type { ClipVisionOutput } from "./vision.js";

/** timm ViT `Block`. */
export interface TimmBlockParams {
  /** Norm before attention. */
  norm1: NormParams;
  /** qkv + proj attention. */
  attn: QkvAttentionParams;
  /** Layer scale (init_values). */
  ls1?: LayerScaleParams;
  /** Norm before the MLP. */
  norm2: NormParams;
  /** fc1/fc2 MLP. */
  mlp: FcMlpParams;
  /** Layer scale (init_values). */
  ls2?: LayerScaleParams;
}

/** timm `AttentionPoolLatent` (the SigLIP "map" head). */
export interface AttentionPoolLatentParams {
  /** Learned query [1, latent_len, width]. */
  latent: Tensor;
  /** Query projection. */
  q: LinearParams;
  /** Key/value projection [2 * width, width] (k rows, then v rows). */
  kv: LinearParams;
  /** Output projection. */
  proj: LinearParams;
  /** Norm before the MLP. */
  norm: NormParams;
  /** MLP. */
  mlp: FcMlpParams;
}

/** timm `VisionTransformer` parameters. */
export interface TimmVitParams {
  /** Patch embedding. */
  patch_embed: {
    /** The patch conv. */
    proj: {
      /** [width, 3, patch, patch]. */
      weight: Tensor;
      /** [width]. */
      bias?: Tensor;
    };
  };
  /** Class token [1, 1, width]. */
  cls_token?: Tensor;
  /** Register tokens [1, R, width]. */
  reg_token?: Tensor;
  /** Position table [1, N (+ prefix), width]. */
  pos_embed?: Tensor;
  /** Norm after embedding (pre_norm). */
  norm_pre?: NormParams;
  /** The blocks. */
  blocks: TimmBlockParams[];
  /** Final norm (before pooling). */
  norm?: NormParams;
  /** Attention-pool head ("map"). */
  attn_pool?: AttentionPoolLatentParams;
  /** Norm after pooling (avg pools). */
  fc_norm?: NormParams;
  /** Classifier / projection. */
  head?: LinearParams;
}

/**
 * Everything a timm ViT forward pass yields: the fields of an open_clip vision pass (here `pooled` is the
 * attention-pooled token for SigLIP and `projectedTokens` the tokens through the head, or unchanged without one),
 * plus the number of prefix tokens.
 */
export interface TimmVitOutput extends ClipVisionOutput {
  /** Number of prefix (class/register) tokens at the start of the sequence. */
  numPrefixTokens: number;
}

/** Options of a timm ViT forward pass. */
export interface TimmForwardOptions {
  /** Block outputs to return. */
  blocks?: BlockSelection;
  /** Position-table resampling for other resolutions (default bicubic with antialias, as timm). */
  posEmbed?: ResampleOptions;
  /** Recompute each block in the backward pass instead of keeping its intermediates. */
  checkpoint?: boolean;
}

function applyBlock(p: TimmBlockParams, x: Tensor, s: TimmVitSpec): Tensor {
  let a = applyQkvAttention(p.attn, applyLayerNorm(p.norm1, x, { eps: s.eps }), { num_heads: s.heads });
  if (p.ls1) a = mul(a, p.ls1.gamma);
  const h = add(x, a);
  let m = applyMlp(p.mlp, applyLayerNorm(p.norm2, h, { eps: s.eps }), s.act);
  if (p.ls2) m = mul(m, p.ls2.gamma);
  return add(h, m);
}

/** AttentionPoolLatent forward (pool "token": the first latent). */
export function applyAttentionPoolLatent(p: AttentionPoolLatentParams, x: Tensor, s: Pick<TimmVitSpec, "heads" | "eps" | "act">): Tensor {
  const b = x.shape[0]!;
  const latentLen = p.latent.shape[1]!;
  const q = applyLinear(p.q, expand(p.latent, [b, latentLen, p.latent.shape[2]!]));
  const kv = applyLinear(p.kv, x);
  const e = kv.shape[2]! / 2;
  const o = applyLinear(p.proj, multiHeadAttention(q, slice(kv, [null, null, [0, e]]), slice(kv, [null, null, [e, 2 * e]]), s.heads));
  const y = add(o, applyMlp(p.mlp, applyLayerNorm(p.norm, o, { eps: s.eps }), s.act));
  return slice(y, [null, 0]);
}

function pool(params: TimmVitParams, x: Tensor, s: TimmVitSpec): Tensor {
  if (s.globalPool === "map") {
    if (!params.attn_pool) throw new Error('timm vit: global_pool "map" needs attn_pool parameters');
    return applyAttentionPoolLatent(params.attn_pool, slice(x, [null, [s.numPrefixTokens, null]]), s);
  }
  if (s.globalPool === "") return x;
  if (s.globalPool === "token") return slice(x, [null, 0]);
  const patches = slice(x, [null, [s.numPrefixTokens, null]]);
  if (s.globalPool === "avg") return mean(patches, 1);
  if (s.globalPool === "max") return max(patches, 1);
  return mul(add(max(patches, 1), mean(patches, 1)), 0.5);
}

/** Patch embedding with prefix tokens and positions, then norm_pre. */
export function timmVitEmbed(params: TimmVitParams, pixels: Tensor, s: TimmVitSpec, options: TimmForwardOptions = {}): Tensor {
  if (pixels.rank !== 4) throw new Error(`timm vit: expected pixels [B, C, H, W], got [${pixels.shape}]`);
  const b = pixels.shape[0]!;
  const pe = params.patch_embed.proj;
  const y = conv2d(pixels, pe.weight, pe.bias ?? null, { stride: s.patch });
  const [, w, gh, gw] = y.shape as [number, number, number, number];
  let x = permute(reshape(y, [b, w, gh * gw]), [0, 2, 1]);
  const prefix: Tensor[] = [];
  if (params.cls_token) prefix.push(expand(params.cls_token, [b, 1, w]));
  if (params.reg_token) prefix.push(expand(params.reg_token, [b, params.reg_token.shape[1]!, w]));
  if (params.pos_embed) {
    const tablePrefix = s.noEmbedClass ? 0 : s.numPrefixTokens;
    const rows = params.pos_embed.shape[1]!;
    const stored: [number, number] = rows === tablePrefix + s.grid[0] * s.grid[1] ? s.grid : squareGrid(rows, tablePrefix);
    const pos = resizePosEmbed(params.pos_embed, stored, [gh, gw], { ...options.posEmbed, numPrefixTokens: tablePrefix });
    if (s.noEmbedClass) {
      x = add(x, pos);
      if (prefix.length) x = concat([...prefix, x], 1);
    } else {
      if (prefix.length) x = concat([...prefix, x], 1);
      x = add(x, pos);
    }
  } else if (prefix.length) x = concat([...prefix, x], 1);
  return params.norm_pre ? applyLayerNorm(params.norm_pre, x, { eps: s.eps }) : x;
}

/** Runs a timm ViT. */
export function applyTimmVit(params: TimmVitParams, pixels: Tensor, config: TimmVitConfig, options: TimmForwardOptions = {}): TimmVitOutput {
  const s = resolveTimmVit(config);
  const keep = selectedBlocks(options.blocks, params.blocks.length);
  return tidy(() => {
    const embeddings = timmVitEmbed(params, pixels, s, options);
    const blocks: Record<number, Tensor> = {};
    let x = embeddings;
    const block = (blk: TimmBlockParams, h: Tensor) => applyBlock(blk, h, s);
    const run = options.checkpoint ? checkpoint(block) : block;
    params.blocks.forEach((blk, i) => {
      x = tidy(() => run(blk, x));
      if (keep.has(i)) blocks[i] = x;
    });
    const lastHiddenState = params.norm ? applyLayerNorm(params.norm, x, { eps: s.eps }) : x;
    let pooled = pool(params, lastHiddenState, s);
    if (params.fc_norm) pooled = applyLayerNorm(params.fc_norm, pooled, { eps: s.eps });
    const head = params.head;
    return {
      imageEmbeds: head ? applyLinear(head, pooled) : pooled,
      pooled,
      lastHiddenState,
      projectedTokens: head ? applyLinear(head, lastHiddenState) : lastHiddenState,
      embeddings,
      blocks,
      numPrefixTokens: s.numPrefixTokens,
    };
  });
}

/** Specs of a timm ViT in state-dict order with timm's default init (trunc-normal 0.02 linears, zero biases). */
export function timmVitSpecs(config: TimmVitConfig): SpecsOf<TimmVitParams> {
  const s = resolveTimmVit(config);
  const w = s.width;
  const tn = (std: number) => ({ kind: "truncNormal", std }) as const;
  const specs: ParamSpecs = {};
  if (s.classToken) specs.cls_token = spec([1, 1, w], { kind: "normal", std: 1e-6 });
  if (s.regTokens) specs.reg_token = spec([1, s.regTokens, w], { kind: "normal", std: 1e-6 });
  if (s.posEmbed) specs.pos_embed = spec([1, s.grid[0] * s.grid[1] + (s.noEmbedClass ? 0 : s.numPrefixTokens), w], tn(0.02));
  const fanIn = s.inChans * s.patch[0] * s.patch[1];
  specs["patch_embed.proj.weight"] = spec([w, s.inChans, s.patch[0], s.patch[1]], kaimingUniformInit(fanIn));
  if (!s.preNorm) specs["patch_embed.proj.bias"] = spec([w], kaimingUniformInit(fanIn));
  if (s.preNorm) Object.assign(specs, prefixSpecs("norm_pre.", layerNormSpecs({ normalized_shape: w })));
  const mlp = (prefix: string, hidden: number, bias: boolean): ParamSpecs => ({
    [`${prefix}fc1.weight`]: spec([hidden, w], tn(0.02)),
    ...(bias ? { [`${prefix}fc1.bias`]: spec([hidden], { kind: "zeros" }) } : {}),
    [`${prefix}fc2.weight`]: spec([w, hidden], tn(0.02)),
    ...(bias ? { [`${prefix}fc2.bias`]: spec([w], { kind: "zeros" }) } : {}),
  });
  for (let i = 0; i < s.depth; i++) {
    const ls = (n: string): ParamSpecs => (s.layerScale !== null ? { [`${n}.gamma`]: spec([w], { kind: "constant", value: s.layerScale }) } : {});
    Object.assign(
      specs,
      prefixSpecs(`blocks.${i}.`, {
        ...prefixSpecs("norm1.", layerNormSpecs({ normalized_shape: w })),
        ...prefixSpecs("attn.", qkvAttentionSpecs({ embed_dim: w, num_heads: s.heads, bias: s.qkvBias, proj_bias: s.projBias })),
        ...ls("ls1"),
        ...prefixSpecs("norm2.", layerNormSpecs({ normalized_shape: w })),
        ...mlp("mlp.", s.mlpWidth, s.projBias),
        ...ls("ls2"),
      }),
    );
  }
  if (s.norm) Object.assign(specs, prefixSpecs("norm.", layerNormSpecs({ normalized_shape: w })));
  if (s.globalPool === "map") {
    Object.assign(
      specs,
      prefixSpecs("attn_pool.", {
        latent: spec([1, 1, w], tn(w ** -0.5)),
        "q.weight": spec([w, w], tn(0.02)),
        "q.bias": spec([w], { kind: "zeros" }),
        "kv.weight": spec([2 * w, w], tn(0.02)),
        "kv.bias": spec([2 * w], { kind: "zeros" }),
        "proj.weight": spec([w, w], tn(0.02)),
        "proj.bias": spec([w], { kind: "zeros" }),
        ...prefixSpecs("norm.", layerNormSpecs({ normalized_shape: w })),
        ...mlp("mlp.", s.mlpWidth, true),
      }),
    );
  }
  if (s.fcNorm) Object.assign(specs, prefixSpecs("fc_norm.", layerNormSpecs({ normalized_shape: w })));
  if (s.numClasses > 0) {
    specs["head.weight"] = spec([s.numClasses, w], tn(0.02));
    specs["head.bias"] = spec([s.numClasses], { kind: "zeros" });
  }
  return specs;
}

/** A freshly initialised timm ViT. */
export function initTimmVit(key: RandomKey, config: TimmVitConfig, options?: InitOptions): TimmVitParams {
  return initFromSpecs(key, timmVitSpecs(config), options);
}
