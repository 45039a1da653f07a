/** DIVA's presets describe the same towers as @diva/nn's CLIP presets that build them. */
import { describe, expect, it } from "vitest";
import { clipPreset, openClipTimmConfig, resolveTimmVit, resolveVitTower } from "@diva/nn";
import { PRESETS } from "../src/presets.js";

describe("DIVA presets agree with the @diva/nn CLIP configs", () => {
  for (const p of Object.values(PRESETS)) {
    it(p.name, () => {
      const ref = clipPreset(p.name);
      expect(ref.openClip).toEqual(p.openClip);
      const { config } = ref;
      const v = p.vision;
      if (v.family === "siglip-vit") {
        const t = resolveTimmVit(openClipTimmConfig(config.embed_dim, config.vision_cfg));
        expect([t.image[0], t.patch[0], t.width, t.depth, t.heads, t.mlpWidth, t.act]).toEqual([
          v.imageSize, v.patchSize, v.width, v.layers, v.heads, v.mlpDim, v.activation,
        ]);
        expect(v.embedDim).toBe(t.width);
      } else {
        const t = resolveVitTower(config);
        expect([t.image[0], t.patch[0], t.width, t.layers, t.heads, t.mlpWidth, t.act, t.outputDim]).toEqual([
          v.imageSize, v.patchSize, v.width, v.layers, v.heads, v.mlpDim, v.activation, v.embedDim,
        ]);
      }
    });
  }
});
