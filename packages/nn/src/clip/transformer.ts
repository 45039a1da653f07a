/**
 * open_clip / OpenAI CLIP transformer: pre-LN residual attention blocks
 * (`x = x + ls_1(attn(ln_1(x))); x = x + ls_2(mlp(ln_2(x)))`) with fused `in_proj` attention and a
 * `c_fc` -> activation -> `c_proj` MLP, under `transformer.resblocks.N`.
 */
import { add, checkpoint, mul, tidy, type Tensor } from "@diva/tensor";
import type { ActivationName } from "../layers/activation.js";
import { applyFusedAttention, fusedAttentionSpecs, type FusedAttentionParams } from "../layers/attention.js";
import { applyMlp, mlpSpecs, type ClipMlpParams } from "../layers/mlp.js";
import { applyLayerNorm, layerNormSpecs, type NormParams } from "../layers/norm.js";
import { prefixSpecs, spec, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";

/** open_clip LayerScale parameters. */
export interface LayerScaleParams {
  /** Per-channel scale [width]. */
  gamma: Tensor;
}

/** One `ResidualAttentionBlock`. */
export interface ClipResblockParams {
  /** Norm before attention. */
  ln_1: NormParams;
  /** Fused-projection attention. */
  attn: FusedAttentionParams;
  /** Layer scale after attention (when ls_init_value is set). */
  ls_1?: LayerScaleParams;
  /** Norm before the MLP. */
  ln_2: NormParams;
  /** MLP. */
  mlp: ClipMlpParams;
  /** Layer scale after the MLP. */
  ls_2?: LayerScaleParams;
}

/** open_clip `Transformer`. */
export interface ClipTransformerParams {
  /** The blocks in order. */
  resblocks: ClipResblockParams[];
}

/** Sizes and options of the transformer. */
export interface ClipTransformerSpec {
  /** Width. */
  width: number;
  /** Depth. */
  layers: number;
  /** Heads. */
  heads: number;
  /** MLP hidden width. */
  mlpWidth: number;
  /** MLP activation. */
  act: ActivationName;
  /** LayerNorm eps. */
  eps: number;
  /** Layer-scale init value, or null for none. */
  layerScale: number | null;
}

/** Which block outputs to return: indices (negative from the end) or "all". */
export type BlockSelection = readonly number[] | "all";

/** Result of running the transformer. */
export interface TransformerRun {
  /** Output of the last block. */
  output: Tensor;
  /** Raw outputs of the selected blocks, by block index. */
  blocks: Record<number, Tensor>;
}

/** Block indices selected (normalised to 0..layers-1, sorted). */
export function selectedBlocks(selection: BlockSelection | undefined, layers: number): Set<number> {
  if (!selection) return new Set();
  if (selection === "all") return new Set(Array.from({ length: layers }, (_, i) => i));
  const out = new Set<number>();
  for (const i of selection) {
    const j = i < 0 ? layers + i : i;
    if (!Number.isInteger(j) || j < 0 || j >= layers) throw new Error(`block index ${i} is out of range for ${layers} blocks`);
    out.add(j);
  }
  return out;
}

/** One residual attention block. */
export function applyClipResblock(
  p: ClipResblockParams,
  x: Tensor,
  s: Pick<ClipTransformerSpec, "heads" | "act" | "eps">,
  options: { mask?: Tensor | null; isCausal?: boolean } = {},
): Tensor {
  let a = applyFusedAttention(p.attn, applyLayerNorm(p.ln_1, x, { eps: s.eps }), { num_heads: s.heads }, options);
  if (p.ls_1) a = mul(a, p.ls_1.gamma);
  const h = add(x, a);
  let m = applyMlp(p.mlp, applyLayerNorm(p.ln_2, h, { eps: s.eps }), s.act);
  if (p.ls_2) m = mul(m, p.ls_2.gamma);
  return add(h, m);
}

/**
 * Runs all blocks, keeping the selected block outputs. Each block runs in its own tidy scope, so a forward pass
 * holds one block's intermediates at a time (the blocks themselves do not scope; see docs/architecture.md).
 */
export function applyClipTransformer(
  p: ClipTransformerParams,
  x: Tensor,
  s: Pick<ClipTransformerSpec, "heads" | "act" | "eps">,
  options: { mask?: Tensor | null; isCausal?: boolean; blocks?: BlockSelection; checkpoint?: boolean } = {},
): TransformerRun {
  const keepSet = selectedBlocks(options.blocks, p.resblocks.length);
  const block = (blk: ClipResblockParams, hh: Tensor) => applyClipResblock(blk, hh, s, options);
  // activation checkpointing: a block keeps only its input for the backward pass and re-runs there
  const run = options.checkpoint ? checkpoint(block) : block;
  const blocks: Record<number, Tensor> = {};
  let h = x;
  p.resblocks.forEach((blk, i) => {
    h = tidy(() => run(blk, h));
    if (keepSet.has(i)) blocks[i] = h;
  });
  return { output: h, blocks };
}

/**
 * Specs of the blocks with open_clip's text-tower init (normal in_proj std width^-0.5, out_proj and
 * c_proj std width^-0.5 * (2 layers)^-0.5, c_fc std (2 width)^-0.5; zero biases, unit norms). The vision
 * tower in open_clip keeps torch's module defaults instead: pass `init: "torch"`.
 */
export function clipTransformerSpecs(s: ClipTransformerSpec, init: "clip" | "torch" = "clip"): SpecsOf<ClipTransformerParams> {
  const w = s.width;
  const projStd = w ** -0.5 * (2 * s.layers) ** -0.5;
  const attnStd = w ** -0.5;
  const fcStd = (2 * w) ** -0.5;
  const out: ParamSpecs = {};
  for (let i = 0; i < s.layers; i++) {
    const attn = fusedAttentionSpecs({ embed_dim: w, num_heads: s.heads });
    const mlp = mlpSpecs({ in_features: w, hidden_features: s.mlpWidth });
    if (init === "clip") {
      attn.in_proj_weight = spec([3 * w, w], { kind: "normal", std: attnStd });
      attn["out_proj.weight"] = spec([w, w], { kind: "normal", std: projStd });
      mlp["c_fc.weight"] = spec([s.mlpWidth, w], { kind: "normal", std: fcStd });
      mlp["c_proj.weight"] = spec([w, s.mlpWidth], { kind: "normal", std: projStd });
    }
    const block: ParamSpecs = {
      ...prefixSpecs("ln_1.", layerNormSpecs({ normalized_shape: w })),
      ...prefixSpecs("attn.", attn),
      ...(s.layerScale !== null ? { "ls_1.gamma": spec([w], { kind: "constant", value: s.layerScale }) } : {}),
      ...prefixSpecs("ln_2.", layerNormSpecs({ normalized_shape: w })),
      ...prefixSpecs("mlp.", mlp),
      ...(s.layerScale !== null ? { "ls_2.gamma": spec([w], { kind: "constant", value: s.layerScale }) } : {}),
    };
    Object.assign(out, prefixSpecs(`resblocks.${i}.`, block));
  }
  return out;
}
