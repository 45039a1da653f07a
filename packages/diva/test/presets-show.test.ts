/** `diva presets list|show`: every preset's resolved configuration carries the reference values. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { program } from "../src/cli/program.js";
import { runCli } from "../src/cli/run.js";
import { resolveRunSettings } from "../src/train/post-train-options.js";
import { presetFromJson } from "../src/preset-file.js";
import { OPENAI_NORMALIZATION, PRESETS, SIGLIP_NORMALIZATION } from "../src/presets.js";

/** Runs the CLI in-process and returns what it printed. */
async function diva(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  const err = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void lines.push(`stderr: ${a.join(" ")}`));
  try {
    await runCli(program(), ["node", "diva", ...args]);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return lines.join("\n");
}

afterEach(() => {
  process.exitCode = undefined;
});

// per model, from the official DIVA scripts (DESIGN.md section 5) and open_clip's model configs
const MODELS = {
  "openai-vit-l-14": { model: "ViT-L-14", pretrained: "openai", imageSize: 224, kind: "clsRandomPatches", patchTokens: 76, text: "add", proj: [768, 1024], paper: "cls-random-patch-mean", paperPatches: 76 },
  "openai-vit-l-14-336": { model: "ViT-L-14-336", pretrained: "openai", imageSize: 336, kind: "clsRandomPatches", patchTokens: 76, text: "add", proj: [768, 1024], paper: "cls-random-patch-mean", paperPatches: 76 },
  "metaclip-vit-l-14": { model: "ViT-L-14-quickgelu", pretrained: "metaclip_fullcc", imageSize: 224, kind: "clsAllPatches", patchTokens: 256, text: "mean", proj: [768, 1024], paper: "l2-cls-patch-mean" },
  "metaclip-vit-h-14": { model: "ViT-H-14-quickgelu", pretrained: "metaclip_fullcc", imageSize: 224, kind: "clsAllPatches", patchTokens: 256, text: "mean", proj: [1024, 1024], paper: "l2-cls-patch-mean" },
  "siglip-so400m-14-224": { model: "ViT-SO400M-14-SigLIP", pretrained: "webli", imageSize: 224, kind: "pooledAvgPool", window: 6, patchTokens: 42, text: "mean", proj: [1152, 1024], paper: "pooled", siglip: 16 },
  "siglip-so400m-14-384": { model: "ViT-SO400M-14-SigLIP-384", pretrained: "webli", imageSize: 384, kind: "pooledAvgPool", window: 10, patchTokens: 72, text: "mean", proj: [1152, 1024], paper: "pooled", siglip: 64 },
  "dfn-vit-h-14": { model: "ViT-H-14-quickgelu", pretrained: "dfn5b", imageSize: 224, kind: "clsAllPatches", patchTokens: 256, text: "mean", proj: [1024, 1024], paper: "cls" },
  "dfn-vit-h-14-378": { model: "ViT-H-14-378-quickgelu", pretrained: "dfn5b", imageSize: 378, kind: "clsRandomPatches", patchTokens: 364, text: "mean", proj: [1024, 1024], paper: "l2-cls-patch-mean" },
} as const;

describe("diva presets", () => {
  it("list prints the eight names", async () => {
    expect((await diva("presets", "list")).split("\n")).toEqual(Object.keys(MODELS));
    expect(Object.keys(PRESETS)).toEqual(Object.keys(MODELS));
  });

  for (const [name, m] of Object.entries(MODELS)) {
    it(`show ${name} --json: the reference recipe and evaluation`, async () => {
      const c = JSON.parse(await diva("presets", "show", name, "--json")) as Record<string, unknown>;
      expect(c).toMatchObject({
        name,
        model: m.model,
        pretrained: m.pretrained,
        imageSize: m.imageSize,
        condition: { kind: m.kind, patchTokens: m.patchTokens, tokens: m.patchTokens + 1, textCombine: m.text, projection: m.proj, ...("window" in m ? { window: m.window } : {}) },
        prompt: "a photo of a .",
        latents: { resolution: 512, scale: 0.18215, of: "posterior-mean" },
        timesteps: [0, 999],
        prediction: "epsilon",
        loss: "mse-mean",
        augmentation: { randomResizedCrop: { size: 512, scale: [0.9, 1], ratio: [0.75, 4 / 3], interpolation: "bicubic" } },
        clipView: "reference",
        vaeInput: "reference",
        // the reference trains every family with OpenAI's statistics, SigLIP included
        trainNormalization: OPENAI_NORMALIZATION,
        evalNormalization: "siglip" in m ? SIGLIP_NORMALIZATION : OPENAI_NORMALIZATION,
        optimizer: { name: "sgd", lr: 1e-4, momentum: 0.9, weightDecay: 0 },
        schedule: { name: "cosine", warmupSteps: 23, steps: 4600 },
        clipGradNorm: 1,
        imagesPerStep: 640,
        draws: 2,
        drawWeighting: "reference",
        drawWeights: [5, 1],
        precision: "bf16-autocast",
        tf32: true,
        eval:
          "siglip" in m
            ? { tokenizer: "sentencepiece", contextLength: m.siglip, resize: "squash", paperFeatures: m.paper }
            : { tokenizer: "clip-bpe", contextLength: 77, resize: "shorter-side-crop", paperFeatures: m.paper, ...("paperPatches" in m ? { paperPatchTokens: m.paperPatches } : {}) },
      });
      if (!("window" in m)) expect(c.condition).not.toHaveProperty("window");
    });
  }

  it("show prints a readable summary and refuses an unknown name", async () => {
    const text = await diva("presets", "show", "siglip-so400m-14-224");
    expect(text).toMatch(/condition\s+pooledAvgPool: 43 tokens \(42 patch tokens, window 6\), text mean, projection 1152 -> 1024/);
    expect(text).toMatch(/precision\s+bf16-autocast with TF32/);
    expect(await diva("presets", "show", "nope")).toMatch(/unknown preset "nope"; known presets: openai-vit-l-14/);
    expect(process.exitCode).toBe(1);
  });
});

describe("preset choices reach the run settings", () => {
  it("the presets' reference forms are the defaults, and options change them", () => {
    const s = resolveRunSettings({ preset: "siglip-so400m-14-224" });
    expect(s).toMatchObject({ step: { drawWeighting: "reference", drawWeights: [5, 1] }, views: { clipView: "reference", vaeInput: "reference" }, precision: "float32" });
    const t = resolveRunSettings({ preset: "siglip-so400m-14-224", drawWeighting: "mean", clipView: "source-bicubic", vaeInput: "clean", draws: 3 });
    expect(t).toMatchObject({ step: { drawWeighting: "mean", draws: 3 }, views: { clipView: "source-bicubic", vaeInput: "clean" } });
    expect(resolveRunSettings({ preset: "openai-vit-l-14", draws: 1 }).step.drawWeights).toEqual([1]);
    expect(() => resolveRunSettings({ preset: "openai-vit-l-14", clipView: "bilinear" as never })).toThrow(/clipView must be "reference" or "source-bicubic", got "bilinear"/);
  });

  it("preset files set them, with errors naming the field; `normalization` sets both normalisations", () => {
    const p = presetFromJson({ base: "siglip-so400m-14-224", name: "x", recipe: { drawWeighting: "mean", clipView: "source-bicubic", vaeInput: "clean" } });
    expect(p.recipe).toMatchObject({ drawWeighting: "mean", clipView: "source-bicubic", vaeInput: "clean", drawWeights: [5, 1], lr: 1e-4 });
    expect(p.eval.tokenizer).toBe("sentencepiece");
    const q = presetFromJson({ base: "openai-vit-l-14", name: "y", normalization: SIGLIP_NORMALIZATION });
    expect([q.trainNormalization, q.evalNormalization]).toEqual([SIGLIP_NORMALIZATION, SIGLIP_NORMALIZATION]);
    expect(() => presetFromJson({ base: "openai-vit-l-14", name: "z", recipe: { vaeInput: "imagenet" } })).toThrow(/"recipe\.vaeInput" must be "reference" or "clean", got "imagenet"/);
    expect(() => presetFromJson({ base: "openai-vit-l-14", name: "z", recipe: { drawWeights: [5, -1] } })).toThrow(/"recipe\.drawWeights" must be a list of non-negative numbers/);
    expect(() => presetFromJson({ base: "openai-vit-l-14", name: "z", eval: { resize: "crop" } })).toThrow(/"eval\.resize" must be "shorter-side-crop" or "squash"/);
  });
});
