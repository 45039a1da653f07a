import { describe, expect, it } from "vitest";
import { legacyVAEName } from "../index.js";
import { renameLegacyVAE } from "./legacy-vae.js";

describe("legacy VAE attention names", () => {
  it("maps each current name to its legacy name and back", () => {
    const pairs = [
      ["encoder.mid_block.attentions.0.to_q.weight", "encoder.mid_block.attentions.0.query.weight"],
      ["decoder.mid_block.attentions.1.to_k.bias", "decoder.mid_block.attentions.1.key.bias"],
      ["decoder.mid_block.attentions.0.to_v.weight", "decoder.mid_block.attentions.0.value.weight"],
      ["encoder.mid_block.attentions.0.to_out.0.bias", "encoder.mid_block.attentions.0.proj_attn.bias"],
    ];
    for (const [current, legacy] of pairs) {
      expect(legacyVAEName(current!)).toBe(legacy);
      expect(renameLegacyVAE(legacy!)).toBe(current);
    }
  });

  it("leaves every other name as it is", () => {
    for (const name of ["encoder.conv_in.weight", "decoder.mid_block.attentions.0.group_norm.weight", "decoder.up_blocks.0.attentions.0.to_q.weight"]) {
      expect(legacyVAEName(name)).toBe(name);
      expect(renameLegacyVAE(name)).toBeNull();
    }
  });
});
