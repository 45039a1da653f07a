/**
 * Rebuilds the demo's tiny models from seeds: `npm run demo:build-models` (all stages) or with
 * `--stage clip|vae|unet` to redo one. Each stage writes its safetensors into packages/diva/assets/demo.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { initBackend, parseJsonNames, randomKey, readSafetensors, setDefaultDevice } from "@diva/tensor";
import { initUNet, unflattenAs, unflattenParams, vaeSpecs, type AutoencoderKLConfig, type ClipParams, type ClipTextParams, type ClipTextTowerConfig, type VAEParams } from "@diva/nn";
import { clipTrainingStream, diffusionTrainingStream, take, buildMmvpBenchmark, SHAPE_KINDS, type MmvpPatternName } from "./world/index.js";
import { INSTRUMENT_PATTERNS, PATTERN_ATTRIBUTES } from "./instruments/pattern-samples.js";
import { tinyClipConfig, DEMO_CONTEXT_LENGTH } from "./models/configs.js";
import { trainTinyClip } from "./models/clip-train.js";
import { fineTuneVaeDecoder, measureScalingFactor, textEncoderConfig, trainTinyUnet, trainTinyVae, type TinyDiffusionParams } from "./models/diffusion-train.js";
import { DEMO_ASSETS, DEMO_FILES, fileSha256, writeDemoModel } from "./models/store.js";
import { WordTokenizer } from "./models/tokenizer.js";
import { TINY_UNET_CONFIG, TINY_VAE_CONFIG } from "./models/configs.js";

const { values } = parseArgs({
  options: {
    stage: { type: "string", default: "all" },
    seed: { type: "string", default: "1" },
    "clip-steps": { type: "string", default: "16000" },
    "clip-batch": { type: "string", default: "64" },
    "clip-lr": { type: "string", default: "3e-3" },
    "clip-patch": { type: "string", default: "8" },
    /** Probability that a CLIP training caption names each fine attribute the scene offers. */
    "clip-detail": { type: "string", default: "0.15" },
    /** Near-duplicate pairs per CLIP batch (two images differing in one fine attribute, captioned by it). */
    "clip-pairs": { type: "string", default: "0" },
    /** Weight of the CLIP text tower's bag-of-words loss (see ClipTrainOptions.wordsWeight). */
    "clip-words": { type: "string", default: "0" },
    /** Continue CLIP training from this file's weights (its vocabulary must equal the rebuilt tokenizer's). */
    "clip-init": { type: "string" },
    /**
     * A second CLIP phase after --clip-steps, from the saved weights: steps, lr, near-duplicate pairs per batch and
     * bag-of-words weight. Measured on the validation world: 2500 steps at lr 3e-3 with 8 pairs and weight 4 took
     * the statements' cosine below 0.9 for 7 of 9 patterns (2 of 9 before), zero-shot 85.0 -> 87.0%; lr 1e-3 with
     * weight 1 reached 2 of 9 in 1000 steps, and 1000 more steps at lr 1e-3 from the 2500-step model fell back to 2.
     */
    "clip-refine-steps": { type: "string", default: "2500" },
    "clip-refine-lr": { type: "string", default: "3e-3" },
    "clip-refine-pairs": { type: "string", default: "8" },
    "clip-refine-words": { type: "string", default: "4" },
    "vae-kl": { type: "string", default: "1e-6" },
    /** Extra loss weight of object pixels in VAE training (0: plain MSE). */
    "vae-foreground": { type: "string", default: "0" },
    /** Continue VAE training from this file's weights. */
    "vae-init": { type: "string" },
    "vae-lr": { type: "string", default: "2e-3" },
    /**
     * A second VAE phase after --vae-steps, from the saved weights: steps, extra weight of object pixels and lr.
     * Measured on the validation world: 1200 steps at weight 4, lr 1e-3 cut the round-trip MSE of benchmark images
     * from 0.035 to 0.014 and fixed the colour shift of small objects.
     */
    "vae-refine-steps": { type: "string", default: "1200" },
    "vae-refine-foreground": { type: "string", default: "4" },
    "vae-refine-lr": { type: "string", default: "1e-3" },
    /** Steps of the decoder-only fine-tune after the VAE (encoder frozen; stage "vae-decoder"). */
    "vae-decoder-steps": { type: "string", default: "800" },
    "vae-decoder-foreground": { type: "string", default: "4" },
    "unet-batch": { type: "string", default: "32" },
    "unet-lr": { type: "string", default: "2e-3" },
    /** Weight of the UNet text encoder's token-identity loss (see UnetTrainOptions.tokenLossWeight). */
    "unet-token-loss": { type: "string", default: "0" },
    /** Weight of the UNet's caption-contrast hinge on near pairs (0: off; see UnetTrainOptions.pairContrast). */
    "unet-contrast": { type: "string", default: "0" },
    /** Margin of that hinge, in mean squared error of the noise prediction. */
    "unet-contrast-margin": { type: "string", default: "0.005" },
    /** Near pairs per step for the contrast term (each pair adds 4 UNet rows). */
    "unet-contrast-pairs": { type: "string", default: "8" },
    /** Comma-separated MMVP pattern names the contrast pairs are drawn from (default all nine), e.g. "relation". */
    "unet-contrast-patterns": { type: "string" },
    /** Inclusive timestep range "lo,hi" of the contrast pairs' noise (default all timesteps). */
    "unet-contrast-timesteps": { type: "string" },
    /**
     * The UNet's text encoder: "own" (a small encoder trained with the UNet) or "clip" (the tiny CLIP's text tower
     * from --out, frozen, as SD conditions on a pretrained CLIP text encoder).
     */
    "unet-text": { type: "string", default: "own" },
    /** Continue UNet (and its text encoder) training from this file's weights (same vocabulary required). */
    "unet-init": { type: "string" },
    /** Captioned images encoded once for UNet training. */
    "unet-data": { type: "string", default: "8192" },
    "vae-steps": { type: "string", default: "1600" },
    "unet-steps": { type: "string", default: "2000" },
    /** Wall-clock budget per stage in seconds (the step count is cut to fit; the run prints the count used). */
    "budget-s": { type: "string" },
    /**
     * Cut a stage at this many steps (warm-up and schedule still from the requested count), to repeat a run that a
     * wall-clock budget cut. With the defaults (no caps) the command rebuilds the shipped models from the same seeds
     * (bit for bit with the kernels they were trained with; other kernel versions or backends round differently,
     * so a rebuild then differs by training noise).
     */
    "clip-cap": { type: "string" },
    "vae-cap": { type: "string" },
    "unet-cap": { type: "string" },
    out: { type: "string", default: DEMO_ASSETS },
    /** "cpu" (default) or "webgpu": where the training runs (results agree up to float rounding). */
    backend: { type: "string", default: "cpu" },
  },
});
if (values.backend === "webgpu") {
  await initBackend("webgpu");
  setDefaultDevice("webgpu");
} else if (values.backend !== "cpu") {
  throw new Error(`build-models: --backend must be cpu or webgpu, got "${values.backend}"`);
}
const seed = Number(values.seed);
const out = values.out!;
const started = Date.now();
const log = (stage: string, every: number) => (step: number, loss: number) => {
  if (step % every === 0) console.log(`${stage} step ${step} loss ${loss.toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
};

/** The tokenizer vocabulary: every word of sample captions, full captions, statements and class names. */
function buildTokenizer(): WordTokenizer {
  const texts: string[] = ["a photo of a ."];
  for (const c of take(clipTrainingStream({ seed: 99, detailProbability: 1 }), 3000)) texts.push(c.caption);
  for (const c of take(diffusionTrainingStream({ seed: 99 }), 3000)) texts.push(c.caption);
  for (const p of buildMmvpBenchmark().items) texts.push(p.statement);
  texts.push(...SHAPE_KINDS);
  return WordTokenizer.fromTexts(texts, DEMO_CONTEXT_LENGTH);
}

/**
 * Weights of a demo model file to continue from, and metadata naming it (sha256, steps, arguments); refuses a
 * file built with another vocabulary.
 */
async function readInit(file: string, tokenizer: WordTokenizer): Promise<{ params: unknown; from: Record<string, string>; metadata: Record<string, string> }> {
  const read = await readSafetensors(file);
  const words = read.metadata.vocabulary === undefined ? null : parseJsonNames(read.metadata.vocabulary, `${file}: __metadata__.vocabulary`);
  if (JSON.stringify(words) !== JSON.stringify(tokenizer.words)) throw new Error(`build-models: ${file} was built with another vocabulary than this tokenizer's (${tokenizer.vocabSize} words); cannot continue from it`);
  const from = { continued_from_sha256: await fileSha256(file), continued_from_steps: read.metadata.steps ?? "unknown", continued_from_arguments: read.metadata.arguments ?? "" };
  return { params: unflattenParams(read.tensors, file), from, metadata: read.metadata };
}

/** The text encoder stored in a UNet file being continued (`meta`: that file's metadata), with its config. */
function initTextTower(file: string, params: TinyDiffusionParams, meta: Record<string, string>): { params: ClipTextParams; config: ClipTextTowerConfig; sha256: string } {
  const config = JSON.parse(meta.text_config ?? "null") as ClipTextTowerConfig | null;
  if (!config?.text_cfg) throw new Error(`build-models: ${file} has no text_config in its metadata`);
  const source = /sha256 ([0-9a-f]{64})/.exec(meta.text_encoder ?? "")?.[1];
  if (!source) throw new Error(`build-models: ${file} was not built with --unet-text clip (no text_encoder in its metadata); continue it without --unet-text clip`);
  return { params: params.text, config, sha256: source };
}

/** The tiny CLIP's text tower (open_clip names at the top level of the CLIP file) with its config, for the UNet to condition on. */
async function clipTextTower(file: string, tokenizer: WordTokenizer): Promise<{ params: ClipTextParams; config: ClipTextTowerConfig; sha256: string }> {
  const read = await readInit(file, tokenizer);
  const clip = read.params as ClipParams;
  const meta = read.metadata;
  const config = JSON.parse(meta.config ?? "null") as { embed_dim: number; quick_gelu?: boolean; text_cfg: ClipTextTowerConfig["text_cfg"] } | null;
  if (!config?.text_cfg) throw new Error(`build-models: ${file} has no CLIP config with a text_cfg in its metadata`);
  if (!clip.token_embedding || !clip.positional_embedding || !clip.transformer || !clip.ln_final) throw new Error(`build-models: ${file} has no text tower (token_embedding, positional_embedding, transformer, ln_final)`);
  const params: ClipTextParams = { token_embedding: clip.token_embedding, positional_embedding: clip.positional_embedding, transformer: clip.transformer, ln_final: clip.ln_final, ...(clip.text_projection ? { text_projection: clip.text_projection } : {}) };
  return { params, config: { embed_dim: config.embed_dim, quick_gelu: config.quick_gelu ?? false, text_cfg: config.text_cfg }, sha256: await fileSha256(file) };
}

const provenance = { built_by: "packages/diva/src/demo/build-models.ts", seed: String(seed), arguments: process.argv.slice(2).join(" ") };
const stage = values.stage!;
const budgetSeconds = values["budget-s"] === undefined ? undefined : Number(values["budget-s"]);
/** Saves progress every 250 steps and at the end, so that a cut run still leaves weights behind. */
/** --unet-contrast-patterns as pattern names; each entry is a full MMVP pattern name or its attribute ("relation"). */
function contrastPatterns(): { patterns?: readonly MmvpPatternName[] } {
  const raw = values["unet-contrast-patterns"];
  if (raw === undefined) return {};
  const byName = new Map<string, MmvpPatternName>();
  for (const p of INSTRUMENT_PATTERNS) {
    byName.set(p, p);
    byName.set(PATTERN_ATTRIBUTES[p].name, p);
  }
  const patterns = raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map((s) => {
    const p = byName.get(s);
    if (!p) throw new Error(`--unet-contrast-patterns: unknown pattern "${s}" (known: ${[...byName.keys()].join(", ")})`);
    return p;
  });
  if (patterns.length === 0) throw new Error("--unet-contrast-patterns: name at least one pattern");
  return { patterns };
}
/** --unet-contrast-timesteps "lo,hi" (checked by trainTinyUnet). */
function contrastTimesteps(): { timesteps?: readonly [number, number] } {
  const raw = values["unet-contrast-timesteps"];
  if (raw === undefined) return {};
  const parts = raw.split(",").map((s) => Number(s.trim()));
  if (parts.length !== 2) throw new Error(`--unet-contrast-timesteps: expected "lo,hi", got "${raw}"`);
  return { timesteps: [parts[0]!, parts[1]!] };
}
const cap = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const snapshots = (write: (params: unknown, steps: number) => Promise<void>, maxSteps: number | undefined) => ({
  budgetSeconds,
  maxSteps,
  snapshotEvery: 250,
  onSnapshot: async (params: unknown, step: number, total: number) => {
    await write(params, step);
    console.log(`snapshot at step ${step} of ${total}`);
  },
});

if (stage === "all" || stage === "clip") {
  const tokenizer = buildTokenizer();
  const config = tinyClipConfig(tokenizer.vocabSize, Number(values["clip-patch"]));
  console.log(`tokenizer: ${tokenizer.vocabSize} tokens`);
  const write = (clip: unknown, steps: number) =>
    writeDemoModel(join(out, DEMO_FILES.clip), clip, { config: JSON.stringify(config), vocabulary: JSON.stringify(tokenizer.words), steps: String(steps), ...provenance });
  const clipFile = join(out, DEMO_FILES.clip);
  const init = values["clip-init"] ? await readInit(values["clip-init"], tokenizer) : undefined;
  const writeFrom = (from: Record<string, string>) => (clip: unknown, steps: number) =>
    writeDemoModel(clipFile, clip, { config: JSON.stringify(config), vocabulary: JSON.stringify(tokenizer.words), steps: String(steps), ...from, ...provenance });
  await trainTinyClip(config, tokenizer, { ...(init ? { init: init.params as ClipParams } : {}), seed, steps: Number(values["clip-steps"]), batchSize: Number(values["clip-batch"]), lr: Number(values["clip-lr"]), detailProbability: Number(values["clip-detail"]), nearPairs: Number(values["clip-pairs"]), wordsWeight: Number(values["clip-words"]), onStep: log("clip", 50), ...snapshots(writeFrom(init?.from ?? {}), cap(values["clip-cap"])) });
  const refineSteps = Number(values["clip-refine-steps"]);
  if (refineSteps > 0) {
    // second phase from the saved (float16) weights, as a separate continued run would start
    const first = await readInit(clipFile, tokenizer);
    console.log(`clip: refining ${refineSteps} steps with ${values["clip-refine-pairs"]} near-duplicate pairs per batch and words weight ${values["clip-refine-words"]}`);
    await trainTinyClip(config, tokenizer, { init: first.params as ClipParams, seed, steps: refineSteps, batchSize: Number(values["clip-batch"]), lr: Number(values["clip-refine-lr"]), detailProbability: Number(values["clip-detail"]), nearPairs: Number(values["clip-refine-pairs"]), wordsWeight: Number(values["clip-refine-words"]), onStep: log("clip-refine", 50), ...snapshots(writeFrom(first.from), undefined) });
  }
}

const vaeFile = join(out, DEMO_FILES.vae);

/** The VAE written by an earlier stage: weights, the config in its metadata (null if absent) and the metadata. */
async function readVae(file = vaeFile): Promise<{ vae: VAEParams; config: AutoencoderKLConfig | null; metadata: Record<string, string> }> {
  const read = await readSafetensors(file);
  const config = parseJsonNames(read.metadata.config ?? "null", `${file}: __metadata__.config`) as AutoencoderKLConfig | null;
  return { vae: unflattenAs(read.tensors, vaeSpecs(config ?? TINY_VAE_CONFIG), file), config, metadata: read.metadata };
}

/** Measures the trained VAE's scaling factor and writes it into the file's config (stage "vae-scale", or after "vae"). */
async function writeVaeScale(): Promise<void> {
  const file = vaeFile;
  const read = await readVae();
  const vae = read.vae;
  const config = { ...TINY_VAE_CONFIG, scaling_factor: await measureScalingFactor(vae, TINY_VAE_CONFIG, seed + 30) };
  await writeDemoModel(file, vae, { ...read.metadata, config: JSON.stringify(config) });
  console.log(`vae scaling factor ${config.scaling_factor}`);
}

if (stage === "all" || stage === "vae") {
  const write = (vae: unknown, steps: number) => writeDemoModel(join(out, DEMO_FILES.vae), vae, { config: JSON.stringify(TINY_VAE_CONFIG), steps: String(steps), ...provenance });
  const init = values["vae-init"] ? (await readVae(values["vae-init"])).vae : undefined;
  await trainTinyVae({ seed: seed + 10, steps: Number(values["vae-steps"]), batchSize: 16, lr: Number(values["vae-lr"]), klWeight: Number(values["vae-kl"]), foregroundWeight: Number(values["vae-foreground"]), ...(init ? { init } : {}), onStep: log("vae", 50), ...snapshots(write, cap(values["vae-cap"])) });
  const refineSteps = Number(values["vae-refine-steps"]);
  if (refineSteps > 0) {
    // second phase from the saved (float16) weights, as a separate continued run would start
    const file = vaeFile;
    const first = (await readVae()).vae;
    const total = `${values["vae-steps"]}+${refineSteps}`;
    const writeRefined = (vae: unknown, steps: number) => writeDemoModel(file, vae, { config: JSON.stringify(TINY_VAE_CONFIG), steps: `${values["vae-steps"]}+${steps}`, refine: `foreground ${values["vae-refine-foreground"]}, lr ${values["vae-refine-lr"]}`, ...provenance });
    console.log(`vae: refining ${total} steps with object pixels weighted 1 + ${values["vae-refine-foreground"]}`);
    await trainTinyVae({ seed: seed + 10, steps: refineSteps, batchSize: 16, lr: Number(values["vae-refine-lr"]), klWeight: Number(values["vae-kl"]), foregroundWeight: Number(values["vae-refine-foreground"]), init: first, onStep: log("vae-refine", 50), ...snapshots(writeRefined, undefined) });
  }
}

if (stage === "all" || stage === "vae" || stage === "vae-scale") await writeVaeScale();

// part of "all" when --vae-decoder-steps is above 0 (its default: what the shipped VAE was built with)
if (stage === "vae-decoder" || (stage === "all" && Number(values["vae-decoder-steps"]) > 0)) {
  const file = vaeFile;
  const read = await readVae();
  const startSha = await fileSha256(file);
  const vae = read.vae;
  if (!read.config) throw new Error(`build-models: ${file} has no config in its metadata`);
  const vaeConfig = read.config;
  const steps = Number(values["vae-decoder-steps"]);
  if (!(Number.isInteger(steps) && steps > 0)) throw new Error(`build-models: stage vae-decoder needs --vae-decoder-steps N (a positive integer), got ${values["vae-decoder-steps"]}`);
  // every decoder phase is appended to the file's history, so a chain of fine-tunes stays reproducible
  const prior = read.metadata.decoder_fine_tunes ?? (read.metadata.decoder_fine_tune_steps ? `${read.metadata.decoder_fine_tune_steps} steps (the first phase)` : "");
  const earlier = prior ? `${prior}; ` : "";
  const write = (tuned: unknown, done: number) =>
    writeDemoModel(file, tuned, {
      ...read.metadata,
      decoder_fine_tune_steps: String(done),
      decoder_fine_tunes: `${earlier}${done} steps, foreground ${values["vae-decoder-foreground"]}, seed ${seed}, continued from sha256 ${startSha}, arguments: ${provenance.arguments}`,
    });
  await fineTuneVaeDecoder(vae, vaeConfig, { seed: seed + 40, steps, batchSize: 16, lr: 5e-4, foregroundWeight: Number(values["vae-decoder-foreground"]), onStep: log("vae-decoder", 50), ...snapshots(write, undefined) });
}

if (stage === "all" || stage === "unet") {
  const tokenizer = buildTokenizer();
  const { vae, config: vaeConfig } = await readVae();
  if (!vaeConfig || typeof vaeConfig.scaling_factor !== "number") throw new Error(`build-models: ${vaeFile} has no config with a scaling_factor; run --stage vae-scale first`);
  const init = values["unet-init"] ? await readInit(values["unet-init"], tokenizer) : undefined;
  const textFrom = values["unet-text"];
  if (textFrom !== "own" && textFrom !== "clip") throw new Error(`build-models: --unet-text must be own or clip, got "${textFrom}"`);
  // a continued run keeps the text encoder its UNet was trained with (the CLIP in --out may have changed since)
  const clipText = textFrom !== "clip" ? undefined : init ? initTextTower(values["unet-init"]!, init.params as TinyDiffusionParams, init.metadata) : await clipTextTower(join(out, DEMO_FILES.clip), tokenizer);
  const textConfig = clipText?.config ?? textEncoderConfig(tokenizer.vocabSize);
  const write = (diffusion: unknown, steps: number) =>
    writeDemoModel(join(out, DEMO_FILES.unet), diffusion, {
      config: JSON.stringify(TINY_UNET_CONFIG),
      text_config: JSON.stringify(textConfig),
      ...(clipText ? { text_encoder: `the tiny CLIP's text tower (frozen), sha256 ${clipText.sha256}` } : {}),
      vocabulary: JSON.stringify(tokenizer.words),
      steps: String(steps),
      ...(init?.from ?? {}),
      ...provenance,
    });
  const initParams = init?.params as TinyDiffusionParams | undefined;
  const start: TinyDiffusionParams | undefined = clipText ? { unet: initParams?.unet ?? initUNet(randomKey(seed + 20), TINY_UNET_CONFIG), text: clipText.params } : initParams;
  await trainTinyUnet(vae, vaeConfig, tokenizer, { ...(start ? { init: start } : {}), ...(clipText ? { textConfig, freezeText: true } : {}), seed: seed + 20, steps: Number(values["unet-steps"]), batchSize: Number(values["unet-batch"]), datasetSize: Number(values["unet-data"]), lr: Number(values["unet-lr"]), tokenLossWeight: Number(values["unet-token-loss"]), ...(Number(values["unet-contrast"]) > 0 ? { pairContrast: { weight: Number(values["unet-contrast"]), margin: Number(values["unet-contrast-margin"]), pairsPerStep: Number(values["unet-contrast-pairs"]), ...contrastPatterns(), ...contrastTimesteps() } } : {}), onStep: log("unet", 50), ...snapshots(write, cap(values["unet-cap"])) });
}
