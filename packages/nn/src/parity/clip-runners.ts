/**
 * Parity runners of the CLIP family: the open_clip ViT vision tower, the timm (SigLIP) vision tower, the
 * open_clip text tower, the Hugging Face CLIPTextModel, and whole CLIP models (open_clip or HF names).
 * Result names understood (after `output.` / `intermediate.`):
 * - vision: image_embeds, pooled_pre_proj / pooled / pooler_output, last_hidden_state(_ln_post),
 *   projected_tokens, tokens (patch tokens after the final norm), embeddings(_ln_pre), block.i,
 *   hidden_states.i, penultimate_hidden_state, image_embeds_normalized, loss;
 * - text: text_embeds, pooled_pre_proj / pooled / pooler_output, last_hidden_state, embeddings, block.i,
 *   hidden_states.i, penultimate_hidden_state, text_embeds_normalized;
 * - whole CLIP: the above with `image_`/`vision_`/`text_` prefixes, logits_per_image, logits_per_text.
 */
import { exp, matmul, mul, add, nameRecord, slice, transpose, type Tensor } from "@diva/tensor";
import { unflattenAs } from "../checkpoint-names/params.js";
import { applyEmbedding } from "../layers/embedding.js";
import type { OpenClipConfig } from "../clip/config.js";
import { applyClipVision, clipVisionSpecs, type ClipVisionOutput, type ClipVisionParams } from "../clip/vision.js";
import { applyClipText, clipTextSpecs, type ClipTextOutput, type ClipTextParams } from "../clip/text.js";
import { applyTimmVisual, timmVisualSpecs, type TimmVisualParams } from "../clip/timm-visual.js";
import { applyTimmVit, timmVitSpecs, type TimmVitParams } from "../clip/timm-vit.js";
import type { TimmVitConfig } from "../clip/timm-config.js";
import { applyHfClipText, hfClipTextSpecs, type HfClipTextConfig, type HfClipTextParams, type HfClipTextOutput } from "../clip/hf-text.js";
import { clipSpecs, clipTextParams, usesTimmTower, type ClipParams } from "../clip/model.js";
import { hfClipConfigToOpenClip, hfClipToOpenClip, isHfClipLayout, type HfClipConfig } from "../checkpoint-names/hf-clip.js";
import type { Fixture } from "./fixture.js";
import { blockIndex, hiddenStateIndex, l2n, makeRunner, pickInput, stripPrefix, type ParityModel, type Resolver } from "./runner-kit.js";
import type { ParityRunner } from "./runner.js";

const PIXELS = ["pixel_values", "pixels", "image", "images", "x"];
const IDS = ["input_ids", "ids", "text", "tokens", "token_ids"];

/** The file a fixture came from (or its name), for errors about its tensor names. */
const fixtureLabel = (f: Fixture): string => f.source ?? f.name;

const has = (w: Record<string, Tensor>, ...names: string[]) => names.some((n) => Object.hasOwn(w, n));
const hasPrefix = (w: Record<string, Tensor>, prefix: string) => Object.keys(w).some((n) => n.startsWith(prefix));

function visionResolver(out: Omit<ClipVisionOutput, "blocks"> & { blocks: Record<number, Tensor> }, layers: number, prefixTokens: number): Resolver {
  return (key) => {
    switch (key) {
      case "image_embeds":
      case "image_features":
      case "embeds":
        return out.imageEmbeds;
      case "image_embeds_normalized":
      case "image_embeds_norm":
        return l2n(out.imageEmbeds);
      case "pooled_pre_proj":
      case "pooled":
      case "pooler_output":
      case "pooled_output":
        return out.pooled;
      case "last_hidden_state_ln_post":
      case "last_hidden_state":
      case "tokens_ln_post":
      case "hidden_state_ln_post":
        return out.lastHiddenState;
      case "projected_tokens":
      case "tokens_proj":
      case "last_hidden_state_proj":
        return out.projectedTokens;
      case "tokens":
        return slice(out.lastHiddenState, [null, [prefixTokens, null]]);
      case "embeddings_ln_pre":
      case "embeddings":
        return out.embeddings;
      case "penultimate_hidden_state":
        return out.blocks[layers - 2];
    }
    const b = blockIndex(key);
    if (b !== undefined) return out.blocks[b];
    const h = hiddenStateIndex(key);
    if (h !== undefined) return h === 0 ? out.embeddings : out.blocks[h - 1];
    return undefined;
  };
}

function textResolver(out: ClipTextOutput | HfClipTextOutput, layers: number, embeddings: () => Tensor): Resolver {
  const embeds = "textEmbeds" in out ? out.textEmbeds : undefined;
  const pooled = "pooled" in out ? out.pooled : out.pooledOutput;
  return (key) => {
    switch (key) {
      case "text_embeds":
      case "text_features":
      case "embeds":
        return embeds;
      case "text_embeds_normalized":
      case "text_embeds_norm":
        return embeds ? l2n(embeds) : undefined;
      case "pooled_pre_proj":
      case "pooled":
      case "pooler_output":
      case "pooled_output":
        return pooled;
      case "last_hidden_state":
      case "last_hidden_state_ln_final":
        return out.lastHiddenState;
      case "embeddings":
        return embeddings();
      case "penultimate_hidden_state":
        return out.blocks[layers - 2];
    }
    const b = blockIndex(key);
    if (b !== undefined) return out.blocks[b];
    const h = hiddenStateIndex(key);
    if (h !== undefined) return h === 0 ? embeddings() : out.blocks[h - 1];
    return undefined;
  };
}

function countLayers(w: Record<string, Tensor>, prefix: string): number {
  let n = 0;
  for (const k of Object.keys(w)) {
    if (!k.startsWith(prefix)) continue;
    const i = Number(k.slice(prefix.length).split(".")[0]);
    if (Number.isInteger(i)) n = Math.max(n, i + 1);
  }
  return n;
}

function openClipConfig(f: Fixture): OpenClipConfig {
  const c = f.config as Partial<OpenClipConfig>;
  return { embed_dim: c.embed_dim ?? 0, vision_cfg: c.vision_cfg ?? {}, text_cfg: c.text_cfg ?? {}, ...c } as OpenClipConfig;
}

/** The open_clip / OpenAI ViT vision tower (weights `conv1.weight`, optionally under `visual.`). */
const clipVisionRunner: ParityRunner = makeRunner<ClipVisionParams>(
  "clip-vision (open_clip ViT)",
  (f) => has(stripPrefix(f.weights, "visual."), "conv1.weight") && !has(f.weights, "token_embedding.weight", "text.token_embedding.weight") && "vision_cfg" in f.config,
  (f) => {
    const weights = stripPrefix(f.weights, "visual.");
    const config = openClipConfig(f);
    const layers = countLayers(weights, "transformer.resblocks.");
    return {
      params: unflattenAs(weights, clipVisionSpecs(config), fixtureLabel(f)),
      forward: (p, inputs) => visionResolver(applyClipVision(p, pickInput(inputs, PIXELS, "image"), config, { blocks: "all" }), layers, 1),
    };
  },
);

function timmTrunkAndConfig(f: Fixture): { weights: Record<string, Tensor>; openClip: boolean } {
  const w = stripPrefix(f.weights, "visual.");
  return { weights: w, openClip: hasPrefix(w, "trunk.") };
}

/**
 * The timm ViT / SigLIP tower (weights `patch_embed.proj.weight`, optionally under `visual.` and `trunk.`):
 * an open_clip tower (`trunk.*` + head) when the weights or the config say so, else a bare timm ViT.
 */
const timmVisionRunner: ParityRunner = makeRunner<TimmVisualParams | TimmVitParams>(
  "timm-vision (SigLIP)",
  (f) => {
    const w = timmTrunkAndConfig(f).weights;
    return (has(w, "patch_embed.proj.weight") || has(w, "trunk.patch_embed.proj.weight")) && !has(f.weights, "token_embedding.weight", "text.token_embedding.weight");
  },
  (f) => {
    const { weights, openClip } = timmTrunkAndConfig(f);
    const vc = (f.config.vision_cfg ?? {}) as OpenClipConfig["vision_cfg"];
    const layers = countLayers(weights, openClip ? "trunk.blocks." : "blocks.");
    if (openClip || vc.timm_model_name) {
      const config = openClipConfig(f);
      const flat = openClip ? weights : nameRecord(Object.entries(weights).map(([n, t]) => [`trunk.${n}`, t]));
      const tower: ParityModel<TimmVisualParams> = {
        params: unflattenAs(flat, timmVisualSpecs(config), fixtureLabel(f)),
        forward: (p, inputs) => {
          const out = applyTimmVisual(p, pickInput(inputs, PIXELS, "image"), config, { blocks: "all" });
          return visionResolver(out, layers, out.numPrefixTokens);
        },
      };
      return tower;
    }
    const tc = ((f.config.timm_config ?? f.config.model_args ?? f.config) as TimmVitConfig);
    const vit: ParityModel<TimmVitParams> = {
      params: unflattenAs(weights, timmVitSpecs(tc), fixtureLabel(f)),
      forward: (p, inputs) => {
        const out = applyTimmVit(p, pickInput(inputs, PIXELS, "image"), tc, { blocks: "all" });
        return visionResolver(out, layers, out.numPrefixTokens);
      },
    };
    return vit;
  },
);

/** The open_clip text tower (weights `token_embedding.weight`, optionally under `text.`). */
const clipTextRunner: ParityRunner = makeRunner<ClipTextParams>(
  "clip-text (open_clip)",
  (f) => has(stripPrefix(f.weights, "text."), "token_embedding.weight") && !hasPrefix(f.weights, "visual.") && "text_cfg" in f.config,
  (f) => {
    const weights = stripPrefix(f.weights, "text.");
    const config = openClipConfig(f);
    const layers = countLayers(weights, "transformer.resblocks.");
    return {
      params: unflattenAs(weights, clipTextSpecs(config), fixtureLabel(f)),
      forward: (p, inputs) => {
        const ids = pickInput(inputs, IDS, "token ids");
        const out = applyClipText(p, ids, config, { blocks: "all" });
        const l = ids.shape[1]!;
        return textResolver(out, layers, () => add(applyEmbedding(p.token_embedding, ids), slice(p.positional_embedding, [[0, l]])));
      },
    };
  },
);

/** The Hugging Face CLIPTextModel (weights `text_model.*`, no vision tower). */
const hfClipTextRunner: ParityRunner = makeRunner<HfClipTextParams>(
  "hf-clip-text (CLIPTextModel)",
  (f) => hasPrefix(f.weights, "text_model.") && !hasPrefix(f.weights, "vision_model."),
  (f) => {
    const config = ((f.config.text_config as HfClipTextConfig | undefined) ?? (f.config as HfClipTextConfig));
    const layers = countLayers(f.weights, "text_model.encoder.layers.");
    return {
      params: unflattenAs(f.weights, hfClipTextSpecs(config, has(f.weights, "text_projection.weight")), fixtureLabel(f)),
      forward: (p, inputs) => {
        const out = applyHfClipText(p, pickInput(inputs, IDS, "token ids"), config, { blocks: "all" });
        return textResolver(out, layers, () => out.embeddings);
      },
    };
  },
);

/** A whole CLIP (open_clip names with `visual.` + text, or a Hugging Face CLIPModel). */
const clipModelRunner: ParityRunner = makeRunner<ClipParams>(
  "clip (whole model)",
  (f) =>
    (isHfClipLayout(Object.keys(f.weights)) && hasPrefix(f.weights, "vision_model.") && hasPrefix(f.weights, "text_model.")) ||
    (hasPrefix(f.weights, "visual.") && has(f.weights, "token_embedding.weight", "text.token_embedding.weight")),
  (f) => {
    const hf = isHfClipLayout(Object.keys(f.weights));
    const config: OpenClipConfig = hf ? hfClipConfigToOpenClip(f.config as HfClipConfig) : openClipConfig(f);
    const flat = hf ? hfClipToOpenClip(f.weights).tensors : f.weights;
    const vLayers = countLayers(flat, usesTimmTower(config) ? "visual.trunk.blocks." : "visual.transformer.resblocks.");
    const tPrefix = config.custom_text ? "text.transformer.resblocks." : "transformer.resblocks.";
    const tLayers = countLayers(flat, tPrefix);
    return {
      params: unflattenAs(flat, clipSpecs(config), fixtureLabel(f)),
      forward: (p, inputs) => {
        const pixels = inputs[PIXELS.find((n) => inputs[n])!];
        const ids = inputs[IDS.find((n) => inputs[n])!];
        let vision: Resolver = () => undefined;
        let vOut: ClipVisionOutput | undefined;
        if (pixels) {
          if (usesTimmTower(config)) {
            const o = applyTimmVisual(p.visual as TimmVisualParams, pixels, config, { blocks: "all" });
            vOut = o;
            vision = visionResolver(o, vLayers, o.numPrefixTokens);
          } else {
            vOut = applyClipVision(p.visual as ClipVisionParams, pixels, config, { blocks: "all" });
            vision = visionResolver(vOut, vLayers, 1);
          }
        }
        let text: Resolver = () => undefined;
        let tOut: ClipTextOutput | undefined;
        if (ids) {
          const tp = clipTextParams(p, config);
          tOut = applyClipText(tp, ids, config, { blocks: "all" });
          text = textResolver(tOut, tLayers, () => add(applyEmbedding(tp.token_embedding, ids), slice(tp.positional_embedding, [[0, ids.shape[1]!]])));
        }
        const logits = (): Tensor | undefined => {
          if (!vOut || !tOut) return undefined;
          let l = mul(matmul(l2n(vOut.imageEmbeds), transpose(l2n(tOut.textEmbeds))), exp(p.logit_scale));
          if (p.logit_bias) l = add(l, p.logit_bias);
          return l;
        };
        return (key) => {
          if (key === "logits_per_image") return logits();
          if (key === "logits_per_text") {
            const l = logits();
            return l ? transpose(l) : undefined;
          }
          if (key === "logit_scale") return p.logit_scale;
          const m = /^(image|vision|visual|text)[._](.+)$/.exec(key);
          if (m) return m[1] === "text" ? text(m[2]!) ?? text(key) : vision(m[2]!) ?? vision(key);
          return vision(key) ?? text(key);
        };
      },
    };
  },
);

/** The CLIP-family runners, most specific first. */
export const clipParityRunners: readonly ParityRunner[] = [clipModelRunner, hfClipTextRunner, timmVisionRunner, clipVisionRunner, clipTextRunner];
