/**
 * A whole open_clip CLIP: vision tower under `visual.` (OpenAI ViT or timm trunk), text tower at the root
 * (`CLIP`) or under `text.` (`CustomTextCLIP`, used by SigLIP), `logit_scale` and optional `logit_bias`.
 * Pure functions over the parameter tree plus a small {@link ClipModel} wrapper that groups them.
 */
import { add, dispose, div, exp, flattenTree, matmul, mul, norm, tidy, transpose, type RandomKey, type Tensor } from "@diva/tensor";
import type { ClipTextParams, ClipTextOutput, TextForwardOptions } from "./text.js";
import { applyClipText, clipTextSpecs } from "./text.js";
import type { OpenClipConfig } from "./config.js";
import { applyClipVision, clipVisionSpecs, type ClipVisionOutput, type ClipVisionParams, type VisionForwardOptions } from "./vision.js";
import { applyTimmVisual, timmVisualSpecs, type TimmVisualParams } from "./timm-visual.js";
import { initFromSpecs, prefixSpecs, spec, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";

/** Either vision tower's parameters. */
export type ClipVisualParams = ClipVisionParams | TimmVisualParams;

/** An open_clip CLIP parameter tree (text tower at the root, or under `text` for custom_text configs). */
export interface ClipParams extends Partial<ClipTextParams> {
  /** Vision tower. */
  visual: ClipVisualParams;
  /** Text tower of a CustomTextCLIP. */
  text?: ClipTextParams;
  /** Log of the logit temperature (scalar). */
  logit_scale: Tensor;
  /** SigLIP logit bias (scalar). */
  logit_bias?: Tensor;
}

/** The text tower's parameters inside a CLIP tree. */
export function clipTextParams(params: ClipParams, config: Pick<OpenClipConfig, "custom_text">): ClipTextParams {
  if (config.custom_text) {
    if (!params.text) throw new Error("clip: custom_text config but no `text` parameters");
    return params.text;
  }
  const { token_embedding, positional_embedding, transformer, ln_final, text_projection } = params;
  if (!token_embedding || !positional_embedding || !transformer || !ln_final) throw new Error("clip: the text tower parameters are missing");
  return { token_embedding, positional_embedding, transformer, ln_final, ...(text_projection ? { text_projection } : {}) };
}

/** Whether the vision config selects the timm tower. */
export function usesTimmTower(config: Pick<OpenClipConfig, "vision_cfg">): boolean {
  return !!config.vision_cfg?.timm_model_name;
}

/** Runs the vision tower of a CLIP (either kind); see ClipVisionOutput. */
export function clipVisionForward(params: ClipParams, config: OpenClipConfig, pixels: Tensor, options: VisionForwardOptions = {}): ClipVisionOutput {
  if (usesTimmTower(config)) {
    const { numPrefixTokens: _n, ...out } = applyTimmVisual(params.visual as TimmVisualParams, pixels, config, options);
    return out;
  }
  return applyClipVision(params.visual as ClipVisionParams, pixels, config, options);
}

/** Runs the text tower of a CLIP. */
export function clipTextForward(params: ClipParams, config: OpenClipConfig, ids: Tensor, options: TextForwardOptions = {}): ClipTextOutput {
  return applyClipText(clipTextParams(params, config), ids, config, options);
}

function l2normalize(x: Tensor): Tensor {
  return div(x, norm(x, 2, -1, { keepdim: true }));
}

/** open_clip's `encode_image`: the image embedding, optionally L2-normalised. */
export function encodeImage(params: ClipParams, config: OpenClipConfig, pixels: Tensor, options: { normalize?: boolean } = {}): Tensor {
  return tidy(() => {
    const e = clipVisionForward(params, config, pixels).imageEmbeds;
    return options.normalize ? l2normalize(e) : e;
  });
}

/** open_clip's `encode_text`: the text embedding, optionally L2-normalised. */
export function encodeText(params: ClipParams, config: OpenClipConfig, ids: Tensor, options: { normalize?: boolean } = {}): Tensor {
  return tidy(() => {
    const e = clipTextForward(params, config, ids).textEmbeds;
    return options.normalize ? l2normalize(e) : e;
  });
}

/** open_clip's `get_logits`: exp(logit_scale) * normalised image @ normalised text^T (+ logit_bias). */
export function clipLogits(params: ClipParams, config: OpenClipConfig, pixels: Tensor, ids: Tensor): {
  /** [images, texts] scaled cosine similarities (plus the SigLIP bias). */
  logitsPerImage: Tensor;
  /** The transpose, [texts, images]. */
  logitsPerText: Tensor;
} {
  return tidy(() => {
    const img = encodeImage(params, config, pixels, { normalize: true });
    const txt = encodeText(params, config, ids, { normalize: true });
    let logits = matmul(img, transpose(txt));
    logits = mul(logits, exp(params.logit_scale));
    if (params.logit_bias) logits = add(logits, params.logit_bias);
    return { logitsPerImage: logits, logitsPerText: transpose(logits) };
  });
}

/** Flat specs of a whole CLIP in open_clip names (init: open_clip's). */
export function clipSpecs(config: OpenClipConfig): SpecsOf<ClipParams> {
  const visual = usesTimmTower(config) ? timmVisualSpecs(config) : clipVisionSpecs(config);
  const text = clipTextSpecs(config);
  const specs: ParamSpecs = {
    ...prefixSpecs("visual.", visual),
    ...(config.custom_text ? prefixSpecs("text.", text) : text),
    logit_scale: spec([], { kind: "constant", value: config.init_logit_scale ?? Math.log(1 / 0.07) }),
  };
  if (config.init_logit_bias !== undefined && config.init_logit_bias !== null) specs.logit_bias = spec([], { kind: "constant", value: config.init_logit_bias });
  return specs;
}

/** A freshly initialised CLIP. */
export function initClip(key: RandomKey, config: OpenClipConfig, options?: InitOptions): ClipParams {
  return initFromSpecs(key, clipSpecs(config), options);
}

/** A CLIP's parameters and config with the open_clip methods. */
export class ClipModel {
  /**
   * @param params The parameter tree (open_clip names).
   * @param config The open_clip config.
   */
  constructor(
    readonly params: ClipParams,
    readonly config: OpenClipConfig,
  ) {}

  /** Image embeddings [B, embed_dim] (open_clip `encode_image`). */
  encodeImage(pixels: Tensor, options: { normalize?: boolean } = {}): Tensor {
    return encodeImage(this.params, this.config, pixels, options);
  }

  /** Text embeddings [B, embed_dim] (open_clip `encode_text`). */
  encodeText(ids: Tensor, options: { normalize?: boolean } = {}): Tensor {
    return encodeText(this.params, this.config, ids, options);
  }

  /** Every vision output: pooled, tokens after the final norm, projected tokens, block outputs. */
  visionForward(pixels: Tensor, options: VisionForwardOptions = {}): ClipVisionOutput {
    return clipVisionForward(this.params, this.config, pixels, options);
  }

  /** Every text output. */
  textForward(ids: Tensor, options: TextForwardOptions = {}): ClipTextOutput {
    return clipTextForward(this.params, this.config, ids, options);
  }

  /** The log-temperature parameter. */
  get logitScale(): Tensor {
    return this.params.logit_scale;
  }

  /** The SigLIP logit bias, if any. */
  get logitBias(): Tensor | undefined {
    return this.params.logit_bias;
  }

  /** Similarity logits between images and texts. */
  logits(pixels: Tensor, ids: Tensor): {
    /** [images, texts] scaled cosine similarities (plus the SigLIP bias). */
    logitsPerImage: Tensor;
    /** The transpose, [texts, images]. */
    logitsPerText: Tensor;
  } {
    return clipLogits(this.params, this.config, pixels, ids);
  }

  /** Flat open_clip state-dict names -> tensors. */
  stateDict(): Record<string, Tensor> {
    return flattenTree(this.params);
  }

  /** Frees every parameter. */
  dispose(): void {
    dispose(this.params);
  }
}
