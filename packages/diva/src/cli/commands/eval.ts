import { Command, Option } from "commander";
import { clipCheckpointHint, type ClipModel } from "@diva/nn";
import { clsPatchMeanFeatures, loadedClipForEval, type EvalTokenizer } from "../../eval/loaded-clip.js";
import type { ClipForEval } from "../../eval/clip-model.js";
import { evalMMVP } from "../../eval/mmvp.js";
import { evalMMVPSeeds, type SeedSpread } from "../../eval/mmvp-seeds.js";
import { evalZeroShotFolder, readTemplates } from "../../eval/zeroshot-folder.js";
import { requirePath } from "../../inputs.js";
import { loadClipCheckpoint } from "../../models/clip-checkpoint.js";
import { findClipTokenizer } from "../../models/tokenizer.js";
import { findSiglipTokenizer } from "../../models/siglip-tokenizer.js";
import { resolvePreset } from "../../preset-file.js";
import { selectBackend } from "../backend.js";
import { backendOption, positiveInt, type BackendName } from "../parse.js";
import { lazyProgress } from "../progress.js";

interface CommonFlags {
  clip: string;
  preset: string;
  bpe?: string;
  tokenizer?: string;
  batchSize: number;
  backend: BackendName;
  json?: boolean;
}

/** The checkpoint is the file a user is most likely to lack: checked first, the error says where to get it. */
const requireClipFile = (flags: CommonFlags) => requirePath(flags.clip, "CLIP checkpoint", "file", clipCheckpointHint(flags.preset));

/** Loads the CLIP, its tokenizer and the preset's normalisation for an evaluation. */
async function loadForEval(flags: CommonFlags): Promise<{ model: ClipModel; clip: ClipForEval }> {
  const preset = await resolvePreset(flags.preset);
  await selectBackend(flags.backend);
  // SigLIP's tokenizer is looked for before the (large) checkpoint is read, so a missing one fails at once
  const tokenizer: EvalTokenizer =
    preset.eval.tokenizer === "sentencepiece"
      ? (await findSiglipTokenizer({ tokenizer: flags.tokenizer, clip: flags.clip })).tokenizer
      : (await findClipTokenizer({ bpe: flags.bpe, clip: flags.clip })).tokenizer;
  const { model } = await loadClipCheckpoint(flags.clip, { preset: flags.preset });
  const clip = loadedClipForEval(model, preset, tokenizer);
  if (clip.imageSize !== preset.vision.imageSize) {
    throw new Error(`preset ${preset.name} is for a ${preset.vision.imageSize}px vision tower, but ${flags.clip} is ${clip.imageSize}px`);
  }
  return { model, clip };
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption("--clip <file>", "CLIP checkpoint (.safetensors or .pt/.bin; open_clip/OpenAI/Hugging Face names)")
    .requiredOption("--preset <name|file.json>", "preset giving the image normalisation and resolution")
    .option("--bpe <file>", "CLIP BPE vocabulary (default: bpe_simple_vocab_16e6.txt.gz beside --clip, else the one shipped with @diva/nn)")
    .option("--tokenizer <tokenizer.json>", "SigLIP's SentencePiece tokenizer.json, that of timm/ViT-B-16-SigLIP (default: tokenizer.json beside --clip)")
    .option("--batch-size <n>", "images per forward pass", positiveInt, 16)
    .option("--json", "print the result as JSON")
    .addOption(backendOption());
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function mmvpCommand(): Command {
  return common(new Command("mmvp").description("score a CLIP on MMVP-VLM (Questions.csv + MLLM_VLM Images/)"))
    .requiredOption("--benchmark <dir>", "the MMVP-VLM folder")
    .addOption(
      new Option("--features <protocol>", "image feature: the model's image embedding (as the MMVP repository), or the paper's per-model feature")
        .choices(["standard", "paper"])
        .default("standard"),
    )
    .option("--feature-seeds <n>", "with --features paper: seeds of the random patch draws (OpenAI), reported as mean and spread", positiveInt, 5)
    .addOption(new Option("--variant <name>", "image feature: the standard embedding or class token + mean of patch tokens").choices(["standard", "cls-patch-mean"]).default("standard"))
    .action(async (flags: CommonFlags & { benchmark: string; variant: "standard" | "cls-patch-mean"; features: "standard" | "paper"; featureSeeds: number }) => {
      if (flags.features === "paper" && flags.variant !== "standard") throw new Error("give either --features paper or --variant cls-patch-mean, not both");
      await requireClipFile(flags);
      await requirePath(flags.benchmark, "MMVP benchmark folder", "folder");
      const { model, clip } = await loadForEval(flags);
      if (flags.features === "paper") {
        await printPaperMMVP(clip, flags);
        return;
      }
      const bar = lazyProgress("MMVP [{bar}] {value}/{total} pairs | ETA {eta}s", (d, total) => `MMVP ${d}/${total} pairs`);
      const r = await evalMMVP(clip, flags.benchmark, {
        batchSize: flags.batchSize,
        ...(flags.variant === "cls-patch-mean" ? { imageFeatures: clsPatchMeanFeatures(model) } : {}),
        onProgress: (done, total) => bar.update(done, total),
      }).finally(() => bar.stop());
      if (flags.json) {
        console.log(JSON.stringify({ perPattern: r.perPattern, average: r.average, statementSimilarity: r.statementSimilarity }, null, 2));
        return;
      }
      const width = Math.max(...Object.keys(r.perPattern).map((k) => k.length));
      console.log(`${"pattern".padEnd(width)}  score  statements cos`);
      for (const [k, v] of Object.entries(r.perPattern)) console.log(`${k.padEnd(width)}  ${pct(v).padStart(5)}  ${r.statementSimilarity[k]!.toFixed(3)}`);
      console.log(`${"average".padEnd(width)}  ${pct(r.average)}`);
    });
}

function zeroShotCommand(): Command {
  return common(new Command("zeroshot").description("zero-shot classification accuracy on a folder with one subfolder of images per class"))
    .requiredOption("--images <dir>", "folder of class subfolders (the subfolder name is the class name, _ read as a space)")
    .option("--templates <openai|file>", "prompt templates: OpenAI's 80 ImageNet ones, or a file with one template per line ({} = class)", "openai")
    .action(async (flags: CommonFlags & { images: string; templates: string }) => {
      await requireClipFile(flags);
      await requirePath(flags.images, "images folder", "folder");
      const templates = await readTemplates(flags.templates);
      const { clip } = await loadForEval(flags);
      const bar = lazyProgress("zero-shot [{bar}] {value}/{total} images | ETA {eta}s", (d, total) => `zero-shot ${d}/${total} images`);
      const r = await evalZeroShotFolder(clip, flags.images, {
        templates,
        batchSize: flags.batchSize,
        onProgress: (done, total) => bar.update(done, total),
      }).finally(() => bar.stop());
      for (const s of r.skipped) console.error(`skipped unreadable image ${s}`);
      if (flags.json) {
        console.log(JSON.stringify({ accuracy: r.accuracy, perClass: r.perClass, count: r.count, skipped: r.skipped.length }, null, 2));
        return;
      }
      console.log(`zero-shot accuracy ${pct(r.accuracy)} over ${r.count} images, ${Object.keys(r.perClass).length} classes, ${templates.length} templates`);
    });
}

const spreadText = (s: SeedSpread) => `${pct(s.mean)} +- ${pct(s.std)} (${pct(s.min)}..${pct(s.max)})`;

/** MMVP with the paper's features over `--feature-seeds` seeds (one run when the preset's feature is not random). */
async function printPaperMMVP(clip: ClipForEval, flags: CommonFlags & { benchmark: string; featureSeeds: number }): Promise<void> {
  const bar = lazyProgress("MMVP [{bar}] {value}/{total} pairs | ETA {eta}s", (d, total) => `MMVP ${d}/${total} pairs`);
  const r = await evalMMVPSeeds(clip, flags.benchmark, {
    seeds: flags.featureSeeds,
    batchSize: flags.batchSize,
    onProgress: (_run, done, total) => bar.update(done, total),
  }).finally(() => bar.stop());
  const feature = clip.paperFeatures!.kind;
  if (flags.json) {
    const runs = r.runs.map((x) => ({ seed: x.seed, average: x.result.average, perPattern: x.result.perPattern }));
    console.log(JSON.stringify({ features: "paper", feature, seeds: r.runs.length, average: r.average, perPattern: r.perPattern, runs }, null, 2));
    return;
  }
  console.log(`paper features (${feature}), ${r.runs.length} seed${r.runs.length === 1 ? "" : "s"}: mean +- std (min..max)`);
  const width = Math.max(...Object.keys(r.perPattern).map((k) => k.length));
  for (const [k, v] of Object.entries(r.perPattern)) console.log(`${k.padEnd(width)}  ${spreadText(v)}`);
  console.log(`${"average".padEnd(width)}  ${spreadText(r.average)}`);
}

/** `diva eval mmvp|zeroshot`. */
export function evalCommand(): Command {
  return new Command("eval").description("evaluate a CLIP checkpoint").addCommand(mmvpCommand()).addCommand(zeroShotCommand());
}
