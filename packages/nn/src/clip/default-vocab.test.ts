// The CLIP BPE vocabulary ships inside @diva/nn (ClipTokenizer.default()), and missing files say which file
// is missing and how to get it instead of a bare ENOENT.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLIP_CHECKPOINT_SOURCES, CLIP_PRESETS, clipCheckpointHint, clipDownloadCommand, sdDownloadCommand } from "../presets/index.js";
import { loadClip } from "./load.js";
import { ClipTokenizer } from "./tokenizer.js";

const SHARED_VOCAB = join(import.meta.dirname, "..", "..", "..", "..", "..", "shared", "data", "bpe_simple_vocab_16e6.txt.gz");

describe("ClipTokenizer.default", () => {
  it("loads the vocabulary shipped in packages/nn/assets, once per process", async () => {
    const path = await ClipTokenizer.defaultVocabPath();
    expect(path).toBe(join(import.meta.dirname, "..", "..", "assets", "bpe_simple_vocab_16e6.txt.gz"));
    const t = await ClipTokenizer.default();
    expect(t.vocabSize).toBe(49408);
    expect(t.encode("a photo of a .")).toEqual([320, 1125, 539, 320, 269]);
    expect(Array.from(t.tokenize("a dog").ids.slice(0, 4))).toEqual([49406, 320, 1929, 49407]);
    expect(await ClipTokenizer.default()).toBe(t);
  });

  it("is byte for byte open_clip's bpe_simple_vocab_16e6.txt.gz", async (ctx) => {
    if (!existsSync(SHARED_VOCAB)) {
      ctx.skip(`${SHARED_VOCAB} is not on this machine`);
      return;
    }
    expect(readFileSync(await ClipTokenizer.defaultVocabPath()).equals(readFileSync(SHARED_VOCAB))).toBe(true);
  });

  it("fromFile on a missing file names it and points at default()", async () => {
    await expect(ClipTokenizer.fromFile("no/such/vocab.txt.gz")).rejects.toThrow(
      "ClipTokenizer.fromFile: no/such/vocab.txt.gz does not exist; OpenAI's CLIP vocabulary ships with @diva/nn: ClipTokenizer.default()",
    );
  });
});

describe("missing checkpoints", () => {
  it("loadClip names the missing file and the command that downloads one", async () => {
    const err = await loadClip("ViT-L-14/open_clip_model.safetensors").then(() => null, (e: Error) => e);
    expect(err?.message).toBe(`loadClip: the CLIP checkpoint ViT-L-14/open_clip_model.safetensors does not exist; ${clipCheckpointHint()}`);
    expect(err?.message).toContain("huggingface-cli download timm/vit_large_patch14_clip_224.openai open_clip_model.safetensors");
    expect(err?.message).not.toContain("ENOENT");
  });

  it("every CLIP preset has a hub source and a download command; SD-2.1-base too", () => {
    expect(Object.keys(CLIP_CHECKPOINT_SOURCES).sort()).toEqual(Object.keys(CLIP_PRESETS).sort());
    expect(clipDownloadCommand("dfn-vit-h-14")).toBe("huggingface-cli download apple/DFN5B-CLIP-ViT-H-14 open_clip_pytorch_model.bin open_clip_config.json --local-dir dfn-vit-h-14");
    expect(clipCheckpointHint("siglip-so400m-14-384")).toContain("timm/ViT-SO400M-14-SigLIP-384");
    expect(clipCheckpointHint("not-a-preset")).toContain("timm/vit_large_patch14_clip_224.openai");
    expect(sdDownloadCommand("sd")).toMatch(/^huggingface-cli download stabilityai\/stable-diffusion-2-1-base --local-dir sd --include /);
  });
});
