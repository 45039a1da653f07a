/**
 * open_clip's `TimmModel` vision tower (`visual.trunk` = a timm ViT, `visual.head` = open_clip's optional
 * projection: `head.proj` linear or `head.mlp`), configured by an open_clip vision_cfg with `timm_model_name`
 * (SigLIP: "map" pool, proj "none").
 */
import { tidy, type RandomKey, type Tensor } from "@diva/tensor";
import { applyLinear, linearSpecs, type LinearParams } from "../layers/linear.js";
import { applyMlp, mlpSpecs, type FcMlpParams } from "../layers/mlp.js";
import { initFromSpecs, prefixSpecs, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";
import type { ClipVisionTowerConfig } from "./config.js";
import { openClipTimmConfig, resolveTimmVit, type TimmVitConfig } from "./timm-config.js";
import { applyTimmVit, timmVitSpecs, type TimmForwardOptions, type TimmVitOutput, type TimmVitParams } from "./timm-vit.js";

/** Parameters of open_clip's TimmModel (prefix `visual.` in a full checkpoint). */
export interface TimmVisualParams {
  /** The timm model. */
  trunk: TimmVitParams;
  /** open_clip's head after the trunk ("linear": proj, "mlp": mlp). */
  head?: {
    /** Linear projection (proj "linear"). */
    proj?: LinearParams;
    /** Two-layer GELU MLP projection (proj "mlp"). */
    mlp?: FcMlpParams;
  };
}

/**
 * The timm config of the trunk of an open_clip vision_cfg with timm_model_name.
 * @internal
 */
export function timmTrunkConfig(config: ClipVisionTowerConfig): TimmVitConfig {
  return openClipTimmConfig(config.embed_dim, config.vision_cfg);
}

/** Runs the tower: the trunk, then open_clip's head on the pooled vector (and on every token for projectedTokens). */
export function applyTimmVisual(params: TimmVisualParams, pixels: Tensor, config: ClipVisionTowerConfig, options: TimmForwardOptions = {}): TimmVitOutput {
  const trunkCfg = timmTrunkConfig(config);
  return tidy(() => {
    const out = applyTimmVit(params.trunk, pixels, trunkCfg, options);
    const head = params.head;
    const apply = (x: Tensor): Tensor => {
      if (head?.proj) return applyLinear(head.proj, x);
      if (head?.mlp) return applyMlp(head.mlp, x, "gelu");
      return x;
    };
    if (!head?.proj && !head?.mlp) return out;
    return { ...out, imageEmbeds: apply(out.imageEmbeds), projectedTokens: apply(out.projectedTokens) };
  });
}

/** Specs of the tower (`trunk.*`, `head.*`). */
export function timmVisualSpecs(config: ClipVisionTowerConfig): SpecsOf<TimmVisualParams> {
  const trunkCfg = timmTrunkConfig(config);
  const width = resolveTimmVit(trunkCfg).width;
  const proj = config.vision_cfg.timm_proj ?? "linear";
  const bias = config.vision_cfg.timm_proj_bias ?? false;
  const specs = prefixSpecs("trunk.", timmVitSpecs(trunkCfg));
  if (proj === "linear") Object.assign(specs, prefixSpecs("head.proj.", linearSpecs({ in_features: width, out_features: config.embed_dim, bias })));
  if (proj === "mlp") {
    const m = mlpSpecs({ in_features: width, hidden_features: 2 * config.embed_dim, out_features: config.embed_dim, naming: "fc" });
    if (!bias) delete m["fc2.bias"];
    Object.assign(specs, prefixSpecs("head.mlp.", m));
  }
  return specs;
}

/** A freshly initialised open_clip timm tower. */
export function initTimmVisual(key: RandomKey, config: ClipVisionTowerConfig, options?: InitOptions): TimmVisualParams {
  return initFromSpecs(key, timmVisualSpecs(config), options);
}
