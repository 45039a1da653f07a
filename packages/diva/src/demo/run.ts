import { cpus } from "node:os";
import { join } from "node:path";
import { Presets, SingleBar } from "cli-progress";
import { dispose, initBackend, randomKey, setDefaultDevice, type Tensor } from "@diva/tensor";
import type { ClipParams } from "@diva/nn";
import { formatDuration } from "../cli/progress.js";
import type { ConditionSource, ConditionSpec } from "../condition.js";
import { OPENAI_NORMALIZATION } from "../presets.js";
import { postTrainLoop, type ProgressEvent } from "../train/post-train-loop.js";
import type { TrainSettings } from "../train/post-train-options.js";
import { computeEndpoints, criteria, verdict, type HeldOutLoss, type SeedArms } from "./experiment/endpoints.js";
import { evaluateArm, type ArmScores, type EvalSets } from "./experiment/evaluate.js";
import { heldOutLosses } from "./experiment/mechanism.js";
import { probeLabels } from "./experiment/probe-labels.js";
import { CLIP_BLIND_RULE, clipBlindSelector, type ClipBlindStats } from "./experiment/clip-blind.js";
import {
  clipTensor, deriveWorldSeeds, heldOutScenes, probeScenes, TEST_WORLD_SEED, VALIDATION_WORLD_SEED, vaeTensor,
  writeBenchmark, writeTrainingImages, zeroShotSet, type DemoImageSizes, type DemoSetSizes,
} from "./experiment/world-sets.js";
import { DEMO_ASSETS, DEMO_FILES, fileSha256, loadDemoModels, type DemoModels } from "./models/store.js";
import { makeDemoWorkDir } from "./work-dir.js";
import { reportTable, writeReport, type DemoArmResult, type DemoReport, type DemoScores, type DemoSeedResult, type InstrumentCheck } from "./report.js";
import { initProjection, tinyClipForEval, tinyDiffusion, tinyPromptEmbedding, tinyVisionTokens } from "./tiny-clip-adapters.js";

/** Options of the built-in demo. */
export interface DemoOptions {
  /** DIVA optimizer steps per seed (and arm). */
  readonly steps?: number;
  /** Seeds to run (each trains DIVA and the placebo; the report averages over them). */
  readonly seeds?: readonly number[];
  /** Report folder. */
  readonly out?: string;
  readonly backend?: "cpu" | "webgpu";
  /** A few steps on small sets, for tests (seconds). */
  readonly quick?: boolean;
  /** Folder of the tiny models (default: the shipped ones). */
  readonly models?: string;
  readonly imagesPerStep?: number;
  readonly lr?: number;
  /** Learning-rate multiplier of the projection relative to the vision tower (default `DEMO_RECIPE.projectionLrScale`). */
  readonly projectionLrScale?: number;
  /** Text whose diffusion text embedding the condition is added to (default `DEMO_RECIPE.prompt`). */
  readonly prompt?: string;
  /** The first this many steps update only the projection, the vision tower frozen (default `DEMO_RECIPE.projectionOnlySteps`). */
  readonly projectionOnlySteps?: number;
  /** Which CLIP tokens make DIVA's condition (default `DEMO_RECIPE.condition`; see {@link DemoCondition}). */
  readonly condition?: DemoCondition;
  /** Print progress (default true). */
  readonly verbose?: boolean;
  /** Progress line every this many steps when the output is not a terminal (default: about 15 lines per run). */
  readonly progressEvery?: number;
  /**
   * "test" (default): the test world, the one the protocol reports. "validation": the validation world, for
   * choosing a recipe. Ignored when `worldSeed` is given.
   */
  readonly split?: DemoSplit;
  /** Draw every set (benchmark, zero-shot, probe, training and held-out images) from this world seed. */
  readonly worldSeed?: number;
  /** Image sides (default: the CLIP's `vision_cfg.image_size` and the VAE's `sample_size`). */
  readonly imageSizes?: Partial<DemoImageSizes>;
  /** Set sizes (default `DEMO_SET_SIZES`, or `QUICK_SET_SIZES` with `quick`). */
  readonly setSizes?: Partial<DemoSetSizes>;
  /**
   * The instrument checks, run on the loaded models before any training (they choose their own, validation,
   * world); their results are reported beside the criteria. Omitted: the report says they were not computed.
   */
  readonly instruments?: (models: DemoModels) => Promise<readonly InstrumentCheck[]>;
}

/**
 * DIVA's condition in the demo: `cls-patches`, the class token + random patch tokens (as many as the prompt
 * embedding has tokens after the first, added token by token: the reference's OpenAI setting at toy size), or
 * `cls`, the class token alone added to every token of the prompt embedding (the feedback then reaches only the
 * embedding that MMVP-VLM and zero-shot read).
 */
export type DemoCondition = "cls-patches" | "cls";

/** Which world the demo draws its sets from. */
export type DemoSplit = "test" | "validation";

/**
 * The demo's DIVA recipe: the reference's SGD with momentum, clipping, warm-up and two draws, at toy scale, with the
 * new projection's lr 100x the vision tower's. Chosen on the validation world (31337) with the shipped models
 * (benchmarks/results/demo-protocol.md): at lr 0.01 with the projection at the same lr the condition carried no
 * image-specific detail (held-out loss with the image's own vs another image's condition: no difference); x100
 * made it carry some (own lower, CI below 0) with zero-shot unchanged; lr 0.1 with x10 cost a point of zero-shot
 * and DIVA - placebo was -1.1 on MMVP; lr 1 wrecked zero-shot in both arms (85 -> 35%). The class token alone as
 * the condition (`condition: "cls"`) carried 2.5x more image detail but moved no benchmark pair either, and kept
 * with the CLIP shipped later (3000 more steps, passing the text check) the recipe gave DIVA - placebo 0.0 with
 * zero-shot unchanged (benchmarks/results/demo-world-v2-2026-12-07.md, session 7).
 */
export const DEMO_RECIPE = { lr: 0.01, momentum: 0.9, clipNorm: 1, draws: 2, imagesPerStep: 32, microBatch: 16, steps: 150, prompt: "a photo of a .", projectionLrScale: 100, projectionOnlySteps: 0, condition: "cls-patches" } as const;

/** Set sizes of a full run. */
export const DEMO_SET_SIZES: DemoSetSizes = { pairsPerPattern: 30, candidatesPerPattern: 120, zeroShotPerClass: 25, probeTrain: 1000, probeTest: 1000, trainImages: 2400, heldOut: 256 };
/** Set sizes of `quick` (a smoke test of every step). */
export const QUICK_SET_SIZES: DemoSetSizes = { pairsPerPattern: 2, zeroShotPerClass: 3, probeTrain: 40, probeTest: 24, trainImages: 16, heldOut: 8 };

/** The probe's fixed recipe: ridge regression on the flattened CLIP tokens (class + patches, after ln_post and projection). */
export const PROBE_RECIPE = { features: "all CLIP tokens (class + patches) after ln_post and the projection, flattened, standardised", ridge: 1 } as const;
/** The mechanism check: per-image loss over `draws` fixed draws from `keySeed`, conditions rolled within chunks. */
export const MECHANISM_RECIPE = { draws: 2, chunk: 32, keySeed: 9001 } as const;
/** The confidence intervals. */
export const BOOTSTRAP_RECIPE = { resamples: 2000, seed: 0, level: 0.95 } as const;

/** sha256 of each model file. */
async function modelHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of Object.values(DEMO_FILES)) out[f] = await fileSha256(join(dir, f));
  return out;
}

/** Training progress: a bar on a terminal, a plain line every `every` steps otherwise (logs, CI). */
function trainingProgress(label: string, total: number, every: number, verbose: boolean): { update(e: ProgressEvent): void; stop(): void } {
  if (!verbose) return { update: () => undefined, stop: () => undefined };
  if (process.stdout.isTTY && process.stderr.isTTY) {
    const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} steps | loss {loss} | {ips} img/s | ETA {eta}s`, hideCursor: true }, Presets.shades_classic);
    bar.start(total, 0, { loss: "-", ips: "-" });
    return { update: (e) => bar.update(e.step, { loss: e.loss.toFixed(4), ips: e.imagesPerSecond.toFixed(1) }), stop: () => bar.stop() };
  }
  return {
    update: (e) => {
      if (e.step % every === 0 || e.step === total) {
        console.log(`${label}: step ${e.step}/${total}, loss ${e.loss.toFixed(4)}, ${e.imagesPerSecond.toFixed(1)} img/s, ETA ${formatDuration(e.etaSeconds)}`);
      }
    },
    stop: () => undefined,
  };
}

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
const publicScores = (s: ArmScores): DemoScores => ({ mmvp: s.mmvp, mmvpAverage: s.mmvpAverage, zeroShot: s.zeroShot, probe: s.probe, probeHeads: s.probeHeads });
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The side of a square image size from a model config (a number or [h, w]). */
function squareSide(v: number | readonly [number, number] | null | undefined, what: string, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  const [h, w] = typeof v === "number" ? [v, v] : v;
  if (h !== w || !Number.isInteger(h) || h < 1) throw new Error(`demo: ${what} must be one positive integer side, got ${JSON.stringify(v)}`);
  return h;
}

/** Which world a run draws from, as the report names it. */
function resolveWorld(o: DemoOptions): { worldSeed: number; split: string } {
  if (o.worldSeed !== undefined) return { worldSeed: o.worldSeed, split: `world seed ${o.worldSeed}` };
  const split = o.split ?? "test";
  if (split !== "test" && split !== "validation") throw new Error(`demo: split must be "test" or "validation", got ${JSON.stringify(split)}`);
  return { worldSeed: split === "validation" ? VALIDATION_WORLD_SEED : TEST_WORLD_SEED, split: `${split} world` };
}

/**
 * The built-in demo as an experiment: loads the tiny CLIP and tiny latent diffusion model, draws every set from
 * one world seed, scores the CLIP once (before), then for every seed post-trains its vision tower twice from the
 * same start with the same data, noise and recipe: DIVA (each image conditioned on its own CLIP tokens) and the
 * placebo (each image conditioned on the next image's tokens of its micro-batch). Every arm is scored on MMVP-VLM,
 * zero-shot and a linear probe on frozen CLIP tokens, plus DIVA's own held-out loss (mechanism). Endpoints get
 * paired bootstrap intervals; report.json, report.md and plots go to `out`.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const verbose = options.verbose ?? true;
  const log = (s: string) => verbose && console.log(s);
  if (options.backend === "webgpu") {
    await initBackend("webgpu");
    setDefaultDevice("webgpu");
  }
  const quick = options.quick ?? false;
  const steps = quick ? 2 : (options.steps ?? DEMO_RECIPE.steps);
  const seeds = options.seeds ?? [1];
  if (seeds.length === 0) throw new Error("demo: no seeds");
  const imagesPerStep = quick ? 8 : (options.imagesPerStep ?? DEMO_RECIPE.imagesPerStep);
  const microBatch = Math.min(DEMO_RECIPE.microBatch, imagesPerStep);
  if (microBatch < 2) throw new Error(`demo: the placebo takes each condition from another image of the micro-batch, so it needs at least 2 images per step (got ${imagesPerStep})`);
  const lr = options.lr ?? DEMO_RECIPE.lr;
  const projectionLrScale = options.projectionLrScale ?? DEMO_RECIPE.projectionLrScale;
  const projectionOnlySteps = options.projectionOnlySteps ?? DEMO_RECIPE.projectionOnlySteps;
  if (!Number.isInteger(projectionOnlySteps) || projectionOnlySteps < 0 || projectionOnlySteps >= steps) {
    throw new Error(`demo: projectionOnlySteps must be an integer in [0, steps = ${steps}), got ${projectionOnlySteps}`);
  }
  const setSizes: DemoSetSizes = { ...(quick ? QUICK_SET_SIZES : DEMO_SET_SIZES), ...options.setSizes };
  for (const [k, v] of Object.entries(setSizes)) {
    if (v !== undefined && (!Number.isInteger(v) || v < (k === "heldOut" ? 2 : 1))) throw new Error(`demo: setSizes.${k} must be an integer of at least ${k === "heldOut" ? 2 : 1}, got ${v}`);
  }
  const modelsDir = options.models ?? DEMO_ASSETS;
  const { worldSeed, split } = resolveWorld(options);
  const world = deriveWorldSeeds(worldSeed);
  const out = options.out ?? "report";
  const every = options.progressEvery ?? Math.max(1, Math.round(steps / 15));
  const workDir = makeDemoWorkDir(); // removed on exit and on SIGINT/SIGTERM; stale ones go on the next start
  const work = workDir.path;
  const owned: Tensor[] = [];
  try {
    const models = await loadDemoModels(modelsDir);
    const hashes = await modelHashes(modelsDir);
    const instruments = options.instruments ? await options.instruments(models) : undefined;
    const clipSide = options.imageSizes?.clip ?? squareSide(models.clipConfig.vision_cfg.image_size, "CLIP vision_cfg.image_size", 224);
    const sizes: DemoImageSizes = { clip: clipSide, vae: options.imageSizes?.vae ?? squareSide(models.vaeConfig.sample_size, "VAE sample_size", clipSide) };
    log(`${split}: benchmark, zero-shot set, probe, training and held-out images from world seed ${worldSeed} (CLIP ${sizes.clip} px, VAE ${sizes.vae} px)`);
    const benchmarkDir = join(work, "benchmark");
    const clipBlind: Partial<Record<string, ClipBlindStats>> = {};
    await writeBenchmark(benchmarkDir, world, sizes, setSizes, clipBlindSelector(models, sizes, clipBlind));
    const zs = zeroShotSet(world, sizes.clip, setSizes.zeroShotPerClass);
    owned.push(...Object.values(zs.images));
    const probe = probeScenes(world, setSizes);
    const sets: EvalSets = {
      benchmarkDir,
      zeroShot: zs,
      probe: { train: clipTensor(probe.train, sizes.clip), trainLabels: probe.train.map(probeLabels), test: clipTensor(probe.test, sizes.clip), testLabels: probe.test.map(probeLabels) },
    };
    owned.push(sets.probe.train, sets.probe.test);
    const held = heldOutScenes(world, setSizes.heldOut);
    const heldClip = clipTensor(held, sizes.clip);
    const heldVae = vaeTensor(held, sizes.vae);
    owned.push(heldClip, heldVae);
    const imageDir = join(work, "diva-images");
    await writeTrainingImages(imageDir, world, sizes, setSizes.trainImages);
    log(`${setSizes.trainImages} unlabelled training images -> ${imageDir}`);

    const tokensOf = (vision: ClipParams["visual"]) => (x: Tensor) => tinyVisionTokens(models)(vision, x);
    const evalVision = (vision: ClipParams["visual"]) => evaluateArm(tinyClipForEval(models, vision, sizes.clip), tokensOf(vision), sets, PROBE_RECIPE.ridge);
    const { scores: before, layout } = await evalVision(models.clip.visual);
    log(`before: MMVP ${pct(before.mmvpAverage)}, zero-shot ${pct(before.zeroShot)}, probe ${pct(before.probe)}`);

    const prompt = options.prompt ?? DEMO_RECIPE.prompt;
    const textEmbedding = tinyPromptEmbedding(models, prompt);
    owned.push(textEmbedding);
    const conditionName: DemoCondition = options.condition ?? DEMO_RECIPE.condition;
    const condition: ConditionSpec =
      conditionName === "cls" ? { kind: "clsOnly", text: "add" } : { kind: "clsRandomPatches", numPatches: textEmbedding.shape[0]! - 1, text: "add" };
    const diffusion = tinyDiffusion(models);
    const lossCtx = { visionTokens: tinyVisionTokens(models), diffusion, condition, textEmbedding };
    const mechanismKey = randomKey(MECHANISM_RECIPE.keySeed);
    const heldOut = async (vision: ClipParams["visual"], projection: { weight: Tensor; bias: Tensor }): Promise<HeldOutLoss> => {
      const o = { key: mechanismKey, draws: MECHANISM_RECIPE.draws, chunk: Math.min(MECHANISM_RECIPE.chunk, Math.max(2, setSizes.heldOut)) };
      return {
        own: await heldOutLosses({ vision, projection }, heldClip, heldVae, lossCtx, { ...o, source: "own" }),
        other: await heldOutLosses({ vision, projection }, heldClip, heldVae, lossCtx, { ...o, source: "shuffled" }),
      };
    };
    const warmupSteps = Math.max(1, Math.round(steps * 0.005));
    // the training run of every arm (seeded per seed below): mean draw weighting, the source crop resized
    // bicubically for CLIP, the clean image for the VAE
    const settings: Omit<TrainSettings, "seed"> = {
      steps,
      imagesPerStep,
      microBatch,
      step: {
        lr,
        momentum: DEMO_RECIPE.momentum,
        weightDecay: 0,
        clipNorm: DEMO_RECIPE.clipNorm,
        warmupSteps,
        draws: DEMO_RECIPE.draws,
        drawWeighting: "mean",
        drawWeights: Array.from({ length: DEMO_RECIPE.draws }, () => 1),
        projectionLrScale,
        projectionOnlySteps,
      },
      views: { clipSize: sizes.clip, vaeSize: sizes.vae, cropScale: [0.9, 1], normalization: OPENAI_NORMALIZATION, clipView: "source-bicubic", vaeInput: "clean" },
      condition,
      precision: "float32",
    };

    const seedArms: SeedArms[] = [];
    const results: DemoSeedResult[] = [];
    for (const seed of seeds) {
      const projection = initProjection(randomKey(1000 + seed), models.clipConfig.embed_dim, textEmbedding.shape[1]!);
      const heldBefore = await heldOut(models.clip.visual, projection);
      const arm = async (source: ConditionSource, name: string): Promise<{ result: DemoArmResult; scores: ArmScores; held: HeldOutLoss }> => {
        const progress = trainingProgress(`${name} seed ${seed}`, steps, every, verbose);
        const started = Date.now();
        const r = await postTrainLoop({
          vision: models.clip.visual,
          projection,
          visionTokens: tinyVisionTokens(models),
          diffusion,
          textEmbedding,
          conditionSource: source,
          settings: { ...settings, seed },
          images: imageDir,
          onProgress: (e) => progress.update(e),
        });
        progress.stop();
        const seconds = (Date.now() - started) / 1000;
        try {
          const { scores } = await evalVision(r.state.params.vision);
          const held = await heldOut(r.state.params.vision, r.state.params.projection);
          log(`${name} seed ${seed}: MMVP ${pct(scores.mmvpAverage)}, zero-shot ${pct(scores.zeroShot)}, probe ${pct(scores.probe)}, held-out loss own ${mean(held.own).toFixed(5)} / other ${mean(held.other).toFixed(5)} (${seconds.toFixed(0)} s training)`);
          const result: DemoArmResult = { scores: publicScores(scores), losses: r.losses, heldOut: { own: mean(held.own), other: mean(held.other) }, mmvpPairs: scores.mmvpPairs, seconds, skippedImages: r.skipped };
          return { result, scores, held };
        } finally {
          dispose(r.state.params);
          dispose(r.state.optimizer.momentum);
        }
      };
      try {
        const diva = await arm("own", "DIVA");
        const placebo = await arm("shuffled", "placebo");
        seedArms.push({ seed, diva: diva.scores, placebo: placebo.scores, heldOut: { before: heldBefore, diva: diva.held, placebo: placebo.held } });
        results.push({ seed, diva: diva.result, placebo: placebo.result, heldOutBefore: { own: mean(heldBefore.own), other: mean(heldBefore.other) } });
      } finally {
        dispose(projection);
      }
    }
    const bootstrap = { seed: BOOTSTRAP_RECIPE.seed, resamples: quick ? 200 : BOOTSTRAP_RECIPE.resamples, level: BOOTSTRAP_RECIPE.level };
    const endpoints = computeEndpoints(before, seedArms, layout, bootstrap);
    const report: DemoReport = {
      config: {
        worldSeed,
        split,
        setSeeds: world,
        seeds,
        quick,
        imageSizes: sizes,
        setSizes,
        benchmarkSelection: { rule: `per pattern, the candidates with the highest CLIP image cosine among those whose scaled VAE latents differ by RMS >= ${CLIP_BLIND_RULE.minVaeSeparation}`, perPattern: clipBlind },
        recipe: { steps, imagesPerStep, microBatch, lr, projectionLrScale, projectionOnlySteps, condition: conditionName, momentum: DEMO_RECIPE.momentum, clipNorm: DEMO_RECIPE.clipNorm, warmupSteps, draws: DEMO_RECIPE.draws, trainImages: setSizes.trainImages, projectionInit: "torch.nn.Linear default, key 1000 + seed" },
        condition: `${conditionName === "cls" ? "the class token alone, projected and added to every token of" : "class token + random patches, projected and added token by token to"} the diffusion text embedding of ${JSON.stringify(prompt)}`,
        placebo: "the same training with image i of each micro-batch conditioned on image (i + 1) mod B's CLIP tokens",
        probe: PROBE_RECIPE,
        mechanism: { ...MECHANISM_RECIPE, images: setSizes.heldOut },
        bootstrap,
        models: { dir: modelsDir, sha256: hashes },
        precision: "float32",
        backend: options.backend ?? "cpu",
      },
      verdict: verdict(endpoints),
      criteria: criteria(endpoints),
      endpoints,
      before: publicScores(before),
      beforeMmvpPairs: before.mmvpPairs,
      seeds: results,
      statementSimilarity: layout.statementSimilarity,
      ...(instruments ? { instruments } : {}),
      machine: `${cpus()[0]?.model ?? "cpu"} x ${cpus().length}, Node ${process.version}`,
    };
    await writeReport(out, report);
    log(`\n${report.verdict}\n\n${reportTable(report)}`);
    log(`\nreport: ${join(out, "report.md")}`);
    return report;
  } finally {
    dispose(owned);
    workDir.dispose();
  }
}
