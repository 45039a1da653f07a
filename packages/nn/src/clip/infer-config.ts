/**
 * Reading an open_clip config off the tensor shapes of an OpenAI / open_clip ViT checkpoint, as open_clip's
 * `build_model_from_openai_state_dict` does: widths, depths, patch and grid from the shapes; heads from the
 * OpenAI convention width / 64; QuickGELU (OpenAI weights). Configs that shapes cannot pin down (SigLIP/timm
 * towers, other head widths, GELU models) must be given explicitly.
 */
import type { OpenClipConfig } from "./config.js";

type Shaped = { readonly shape: readonly number[] };

function countBlocks(names: readonly string[], prefix: string): number {
  let n = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const i = Number(name.slice(prefix.length).split(".")[0]);
    if (Number.isInteger(i)) n = Math.max(n, i + 1);
  }
  return n;
}

function need(flat: Record<string, Shaped>, name: string): readonly number[] {
  const t = flat[name];
  if (!t) throw new Error(`cannot infer the CLIP config: "${name}" is missing (pass options.config)`);
  return t.shape;
}

/** The open_clip config implied by the shapes of an open_clip-named CLIP state dict (ViT vision tower). */
export function inferOpenClipConfig(flat: Record<string, Shaped>): OpenClipConfig {
  const names = Object.keys(flat);
  if (names.some((n) => n.startsWith("visual.trunk."))) throw new Error("cannot infer the config of a timm (SigLIP) tower from shapes; pass options.config");
  const conv = need(flat, "visual.conv1.weight");
  const width = conv[0]!;
  const patch = conv[3]!;
  const posRows = need(flat, "visual.positional_embedding")[0]!;
  const grid = Math.round(Math.sqrt(posRows - 1));
  if (grid * grid + 1 !== posRows) throw new Error(`cannot infer the image size: visual.positional_embedding has ${posRows} rows, not 1 + a square grid`);
  const vFc = need(flat, "visual.transformer.resblocks.0.mlp.c_fc.weight")[0]!;
  const tWidth = need(flat, "ln_final.weight")[0]!;
  const tFc = need(flat, "transformer.resblocks.0.mlp.c_fc.weight")[0]!;
  const proj = flat["text_projection"]?.shape ?? flat["text_projection.weight"]?.shape;
  const embedDim = flat["text_projection"] ? proj![1]! : flat["text_projection.weight"] ? proj![0]! : (flat["visual.proj"]?.shape[1] ?? 0);
  return {
    embed_dim: embedDim,
    quick_gelu: true,
    vision_cfg: {
      image_size: grid * patch,
      patch_size: patch,
      width,
      layers: countBlocks(names, "visual.transformer.resblocks."),
      head_width: 64,
      mlp_ratio: vFc / width,
      ...(flat["visual.ln_pre.weight"] ? {} : { no_ln_pre: true }),
    },
    text_cfg: {
      context_length: need(flat, "positional_embedding")[0]!,
      vocab_size: need(flat, "token_embedding.weight")[0]!,
      width: tWidth,
      heads: Math.max(1, Math.floor(tWidth / 64)),
      layers: countBlocks(names, "transformer.resblocks."),
      mlp_ratio: tFc / tWidth,
      ...(flat["text_projection.weight"] ? { proj_bias: !!flat["text_projection.bias"] } : {}),
    },
    ...(flat["logit_bias"] ? { init_logit_bias: 0 } : {}),
  };
}
