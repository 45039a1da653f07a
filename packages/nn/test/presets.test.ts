/**
 * Parameter counts of every named reference configuration, from the specs (shapes only, nothing allocated),
 * against the reference figures: exact counts where the reference publishes them or they are pinned down by a
 * published count plus a stated difference, and open_clip's `docs/model_profile.csv` (millions, two decimals)
 * for the SigLIP models it lists.
 */
import { describe, expect, it } from "vitest";
import {
  CLIP_PRESETS,
  clipPreset,
  clipSpecs,
  countParams,
  hfClipTextSpecs,
  SD21_BASE,
  unetParamCount,
  vaeParamCount,
  type ClipPresetName,
  type ParamSpecs,
} from "../src/index.js";

/** Sum of the parameters whose name starts with one of the prefixes. */
function countWhere(specs: ParamSpecs, keep: (name: string) => boolean): number {
  return countParams(Object.fromEntries(Object.entries(specs).filter(([n]) => keep(n))));
}
const total = (name: ClipPresetName) => countParams(clipSpecs(CLIP_PRESETS[name].config));
const visual = (name: ClipPresetName) => countWhere(clipSpecs(CLIP_PRESETS[name].config), (n) => n.startsWith("visual."));
const text = (name: ClipPresetName) =>
  countWhere(clipSpecs(CLIP_PRESETS[name].config), (n) => !n.startsWith("visual.") && n !== "logit_scale" && n !== "logit_bias");
/** Millions with two decimals, as open_clip's model_profile.csv prints them. */
const millions = (n: number) => Math.round(n / 1e4) / 100;

describe("CLIP presets", () => {
  it("OpenAI and MetaCLIP ViT-L/14 (224 and 336): 427,616,513 and 427,944,193", () => {
    expect(total("openai-vit-l-14")).toBe(427_616_513);
    expect(total("metaclip-vit-l-14")).toBe(427_616_513);
    expect(total("openai-vit-l-14-336")).toBe(427_944_193);
    // model_profile.csv: ViT-L-14 image 303.97 / text 123.65; ViT-L-14-336 image 304.29
    expect([millions(visual("openai-vit-l-14")), millions(text("openai-vit-l-14"))]).toEqual([303.97, 123.65]);
    expect(millions(visual("openai-vit-l-14-336"))).toBe(304.29);
  });

  it("MetaCLIP and DFN ViT-H/14: 986,109,441; DFN ViT-H/14-378 adds 473 positions of width 1280", () => {
    expect(total("metaclip-vit-h-14")).toBe(986_109_441);
    expect(total("dfn-vit-h-14")).toBe(986_109_441);
    // (378/14)^2 + 1 = 730 positions instead of (224/14)^2 + 1 = 257; everything else is shared
    expect(total("dfn-vit-h-14-378")).toBe(986_109_441 + (730 - 257) * 1280);
    expect([millions(visual("dfn-vit-h-14")), millions(text("dfn-vit-h-14"))]).toEqual([632.08, 354.03]);
  });

  it("SigLIP SO400M/14 at 224 and 384 match open_clip's model profile", () => {
    // model_profile.csv: ViT-SO400M-14-SigLIP 877.36 (image 427.68, text 449.68); -384 877.96 (428.23, 449.73)
    expect([millions(total("siglip-so400m-14-224")), millions(visual("siglip-so400m-14-224")), millions(text("siglip-so400m-14-224"))]).toEqual([
      877.36, 427.68, 449.68,
    ]);
    expect([millions(total("siglip-so400m-14-384")), millions(visual("siglip-so400m-14-384")), millions(text("siglip-so400m-14-384"))]).toEqual([
      877.96, 428.23, 449.73,
    ]);
    // the trunk alone is timm's vit_so400m_patch14_siglip_224 (427,680,704); 384 adds (27^2 - 16^2) positions
    expect(visual("siglip-so400m-14-224")).toBe(427_680_704);
    expect(visual("siglip-so400m-14-384")).toBe(427_680_704 + (27 * 27 - 16 * 16) * 1152);
  });

  it("clipPreset names the known presets when the name is wrong", () => {
    expect(clipPreset("dfn-vit-h-14-378").openClip).toEqual({ model: "ViT-H-14-378-quickgelu", pretrained: "dfn5b" });
    expect(() => clipPreset("openai-vit-b-32")).toThrow(/unknown CLIP preset "openai-vit-b-32"; known presets: openai-vit-l-14, /);
  });
});

describe("Stable Diffusion 2.1-base preset", () => {
  it("UNet 865,910,724, VAE 83,653,863, text encoder 340,387,840", () => {
    expect(unetParamCount(SD21_BASE.unet)).toBe(865_910_724);
    expect(vaeParamCount(SD21_BASE.vae)).toBe(83_653_863);
    expect(countParams(hfClipTextSpecs(SD21_BASE.textEncoder))).toBe(340_387_840);
  });
});
