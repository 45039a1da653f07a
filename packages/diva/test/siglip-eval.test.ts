import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { fromHost, readSafetensors, writeSafetensors, type Tensor } from "@diva/tensor";
import { loadClip, SentencePieceTokenizer, type ClipModel, type ClipTokenizer } from "@diva/nn";
import { loadedClipForEval } from "../src/eval/loaded-clip.js";
import { getPreset } from "../src/presets.js";
import { TINY_SENTENCEPIECE_JSON } from "./fixtures/tiny-sentencepiece.js";
import { diva } from "./fixtures/run-diva.js";

const REPO = join(import.meta.dirname, "..", "..", "..");
/** A tiny open_clip SigLIP (timm tower, custom text tower: vocab 64, context 8, 32 px) made by open_clip. */
const SIGLIP_FIXTURE = join(REPO, "packages", "nn", "test", "fixtures", "siglip_tiny.safetensors");

let root: string;
let clipPath: string;
let tokenizerPath: string;
let model: ClipModel;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "diva-siglip-"));
  // the fixture's weights alone, as a checkpoint would hold them
  const { tensors, metadata } = await readSafetensors(SIGLIP_FIXTURE);
  const weights = Object.fromEntries(Object.entries(tensors).filter(([n]) => !/^(input|output)\./.test(n)));
  clipPath = join(root, "siglip", "siglip_tiny.safetensors");
  await mkdir(join(root, "siglip"), { recursive: true });
  await writeSafetensors(clipPath, weights, { metadata: { config: metadata.config! } });
  tokenizerPath = join(root, "tokenizer.json");
  await writeFile(tokenizerPath, JSON.stringify(TINY_SENTENCEPIECE_JSON));
  model = (await loadClip(clipPath)).model;
});

async function maxDiff(a: Tensor, b: Tensor): Promise<number> {
  const [x, y] = await Promise.all([a.data(), b.data()]);
  return Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i]!)));
}

describe("SigLIP evaluation", () => {
  it("refuses to run without SigLIP's tokenizer.json, naming the file and how to pass it", () => {
    const preset = getPreset("siglip-so400m-14-224");
    expect(() => loadedClipForEval(model, preset)).toThrow(/SentencePiece tokenizer.*tokenizer\.json of timm\/ViT-B-16-SigLIP.*--tokenizer/);
    // CLIP's BPE tokenizer is refused too (its ids run past SigLIP's vocabulary)
    const bpeLike = { kind: undefined, tokenize: () => ({ ids: new Int32Array(8), shape: [1, 8] }) } as unknown as ClipTokenizer;
    expect(() => loadedClipForEval(model, preset, bpeLike)).toThrow(/not CLIP's BPE/);
    // without a preset the timm tower says SigLIP
    expect(() => loadedClipForEval(model, preset.evalNormalization)).toThrow(/SentencePiece tokenizer/);
  });

  it("tokenizes with the tokenizer.json at the tower's context (canonicalized, </s>, padded with </s>) and squashes at 0.5/0.5", async () => {
    const preset = getPreset("siglip-so400m-14-224");
    const tok = SentencePieceTokenizer.fromJson(TINY_SENTENCEPIECE_JSON);
    const clip = loadedClipForEval(model, preset, tok);
    expect(clip.resize).toBe("squash");
    expect(clip.normalization).toEqual({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    expect(clip.paperFeatures).toEqual({ kind: "pooled" });
    // "A photo of red squares!" -> ▁a ▁photo ▁of ▁red ▁square s </s> <pad=</s>> at context 8
    const ids = fromHost(new Int32Array([3, 4, 5, 7, 9, 10, 1, 1]), "int32", [1, 8]);
    expect(await maxDiff(clip.encodeText(["A photo of red squares!"]), model.encodeText(ids))).toBeLessThan(1e-6);
  });
});

describe("diva eval on SigLIP", () => {
  it("refuses without --tokenizer and scores MMVP with it (paper features: the pooled token)", async () => {
    const preset = join(root, "tiny-siglip.json");
    await writeFile(preset, JSON.stringify({ base: "siglip-so400m-14-224", name: "tiny-siglip", vision: { imageSize: 32 }, eval: { contextLength: 8 } }));
    const mmvp = join(root, "mmvp");
    const dir = join(mmvp, "MLLM_VLM Images", "Color and Appearance");
    await mkdir(dir, { recursive: true });
    const rows = ["Question ID,Type,Statement"];
    for (const [id, [r, b]] of [[1, [200, 0]], [2, [0, 200]]] as const) {
      await sharp({ create: { width: 40, height: 32, channels: 3, background: { r, g: 0, b } } }).png().toFile(join(dir, `${id}.png`));
      rows.push(`${id},Color and Appearance,"a ${r ? "red" : "blue"} square"`);
    }
    await writeFile(join(mmvp, "Questions.csv"), rows.join("\n"));
    const common = ["eval", "mmvp", "--clip", clipPath, "--preset", preset, "--benchmark", mmvp, "--json"];
    const [refused, scored] = await Promise.all([diva(common), diva([...common, "--tokenizer", tokenizerPath, "--features", "paper"])]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/SigLIP text needs its SentencePiece tokenizer .*tokenizer\.json of timm\/ViT-B-16-SigLIP.*--tokenizer/s);
    expect(scored.code, scored.err).toBe(0);
    const r = JSON.parse(scored.out.slice(scored.out.indexOf("{"))) as { feature: string; seeds: number; average: { mean: number; std: number } };
    expect(r.feature).toBe("pooled");
    expect(r.seeds).toBe(1);
    expect(r.average.std).toBe(0);
  }, 60_000);
});
