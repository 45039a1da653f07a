import { type Tensor, clone, dispose, foldIn, keep, mapTree, randomKey } from "@diva/tensor";
import { sgdInit } from "@diva/nn";
import type { ConditionSource, ConditionSpec, Projection } from "../condition.js";
import { ImageStream } from "../data/stream.js";
import type { FrozenDiffusion } from "../objective.js";
import type { ClipView, Normalization } from "../presets.js";
import { divaStep, type DivaState, type DivaStepOptions } from "../step.js";
import type { ImageLimits } from "../data/limits.js";
import { probeWritableDir } from "../outputs.js";
import { assertFiniteState, loadLatestCheckpoint, NonFiniteStateError, removeStaleTempFiles, saveCheckpoint } from "./checkpoint.js";
import { divergenceAdvice, nothingToResume, resumeLearningRate, setAsideDiverged, type ResumeOverrides } from "./divergence.js";

/** A progress event of post-training. */
export interface ProgressEvent {
  /** Steps completed. */
  readonly step: number;
  /** Steps of the run. */
  readonly totalSteps: number;
  /** The step's mean loss. */
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Learning rate of the step. */
  readonly lr: number;
  /** Training throughput. */
  readonly imagesPerSecond: number;
  /** Estimated seconds left. */
  readonly etaSeconds: number;
  /** Unreadable images skipped so far. */
  readonly skipped: number;
}

/** Everything the loop needs, with the models already built (and the per-image byte and pixel limits of the data). */
export interface PostTrainLoopOptions<V> extends ImageLimits {
  /** Initial CLIP vision parameters. */
  readonly vision: V;
  /** Initial projection. */
  readonly projection: Projection;
  /** CLIP vision tokens (after ln_post and the output projection) of normalised images. */
  visionTokens(vision: V, images: Tensor): Tensor;
  /** The frozen VAE, UNet and schedule. */
  readonly diffusion: FrozenDiffusion;
  /** The SD text encoder's output for "a photo of a ." [L, C]. */
  readonly textEmbedding: Tensor;
  /** How the visual tokens become the condition. */
  readonly condition: ConditionSpec;
  /** Whose tokens condition each image (default "own"; "shuffled": the placebo control, see `ConditionSource`). */
  readonly conditionSource?: ConditionSource;
  /** Normalisation of the CLIP view (the reference: OpenAI's for every family). */
  readonly normalization: Normalization;
  /** How the CLIP view is made (default "source-bicubic"; the reference: "reference"). */
  readonly clipView?: ClipView;
  /** Aspect ratio range of the VAE view's RandomResizedCrop (default [3/4, 4/3]). */
  readonly cropRatio?: readonly [number, number];
  /** The arithmetic of the run, recorded in checkpoints (default "float32"). */
  readonly precision?: string;
  /** Side of the CLIP view. */
  readonly clipImageSize: number;
  /** Side of the VAE view. */
  readonly vaeImageSize: number;
  /** Area fraction range of the VAE view's RandomResizedCrop (default [0.9, 1]). */
  readonly cropScale?: readonly [number, number];
  /** VAE input form: "clean" (default) or the reference code's "reference" quirk (see ImageStreamOptions). */
  readonly vaeInput?: "clean" | "reference";
  /** Folder of images or webdataset shards. */
  readonly images: string;
  /** Optimizer steps. */
  readonly steps: number;
  /** Images per optimizer step. */
  readonly imagesPerStep: number;
  /** Images per forward pass (gradient accumulation splits a step into imagesPerStep / microBatch passes). */
  readonly microBatch: number;
  /** Optimizer and loss settings of each step. */
  readonly recipe: Omit<DivaStepOptions, "totalSteps">;
  /** Seed of data order, crops, noise and timesteps. */
  readonly seed: number;
  /** Where checkpoints go; omit to train without checkpoints. */
  readonly checkpointDir?: string;
  /** Steps between checkpoints (none when omitted; the last step is always saved when set). */
  readonly checkpointEvery?: number;
  /** Continue from the newest checkpoint in checkpointDir (default true). */
  readonly resume?: boolean;
  /** Settings a resumed run changes from its checkpoint's (without them a changed setting is refused). */
  readonly resumeOverrides?: ResumeOverrides;
  /** Called after every step. */
  onProgress?(e: ProgressEvent): void;
  /** Called with skipped image names as they happen. */
  onSkip?(names: readonly string[]): void;
  /** Called after each checkpoint is written. */
  onCheckpoint?(path: string, step: number): void;
  /** Called with notes on resuming (checkpoints passed over, temp files of a killed write removed). */
  onWarning?(message: string): void;
  /**
   * Stops the run after the step in progress: a checkpoint is written (when `checkpointDir` is set) and the
   * result has `stopped: true`. Resuming later continues the same loss curve.
   */
  readonly signal?: AbortSignal;
}

/** The outcome of post-training. */
export interface PostTrainLoopResult<V> {
  /** The trained parameters and optimizer state. */
  readonly state: DivaState<V>;
  /** Loss of every step, including those before a resume. */
  readonly losses: readonly number[];
  /** Unreadable images skipped. */
  readonly skipped: number;
  /** Step the run resumed from (0 for a fresh run). */
  readonly resumedFrom: number;
  /** True when `signal` stopped the run before `steps`. */
  readonly stopped: boolean;
  /** The last checkpoint written or resumed from, if any. */
  readonly checkpoint?: string;
}

/**
 * The DIVA training loop: streams images, runs `divaStep` with accumulation, reports progress, checkpoints
 * atomically every `checkpointEvery` steps and resumes from the newest checkpoint. The checkpoint folder is
 * proved writable before step 1. A non-finite loss, or non-finite parameters at a checkpoint or at the end,
 * stop the run with an error naming the last finite checkpoint (or saying there is none); a non-finite state
 * is never written, and the checkpoint whose parameters gave a non-finite loss is moved aside.
 */
export async function postTrainLoop<V>(o: PostTrainLoopOptions<V>): Promise<PostTrainLoopResult<V>> {
  if (o.imagesPerStep % o.microBatch !== 0) {
    throw new Error(`postTrain: imagesPerStep ${o.imagesPerStep} is not a multiple of microBatch ${o.microBatch}`);
  }
  // train on copies: each optimizer step disposes the parameters it replaces, and the caller's stay theirs
  let state: DivaState<V> = {
    params: keep(mapTree((t) => clone(t), { vision: o.vision, projection: o.projection })),
    optimizer: sgdInit(),
    step: 0,
  };
  let losses: number[] = [];
  let consumed = 0;
  let skipped = 0;
  let resumedFrom = 0;
  let checkpoint: string | undefined;
  let lr = o.recipe.lr;
  const run: Record<string, number | string | boolean> = {
    steps: o.steps,
    imagesPerStep: o.imagesPerStep,
    microBatch: o.microBatch,
    draws: o.recipe.draws,
    lr: o.recipe.lr,
    drawWeighting: o.recipe.drawWeighting ?? "mean",
    ...(o.recipe.drawWeighting === "reference" ? { drawWeights: (o.recipe.drawWeights ?? []).join(",") } : {}),
    clipView: o.clipView ?? "source-bicubic",
    vaeInput: o.vaeInput ?? "clean",
    precision: o.precision ?? "float32",
    // recorded only for the placebo, so checkpoints of ordinary runs stay as they were
    ...(o.conditionSource === "shuffled" ? { conditionSource: "shuffled" } : {}),
  };
  if (o.checkpointDir) {
    await probeWritableDir(o.checkpointDir, "checkpoint folder");
    const stale = await removeStaleTempFiles(o.checkpointDir);
    if (stale.length) o.onWarning?.(`removed ${stale.length} temporary file(s) of an interrupted checkpoint write: ${stale.join(", ")}`);
  }
  if (o.checkpointDir && (o.resume ?? true)) {
    const ck = await loadLatestCheckpoint(o.checkpointDir, state);
    if (ck) {
      for (const r of ck.rejected) o.onWarning?.(`passed over unreadable checkpoint ${r.path}: ${r.reason}`);
      if (ck.meta.seed !== o.seed) throw new Error(`postTrain: checkpoint ${ck.path} was made with seed ${ck.meta.seed}, not ${o.seed}`);
      const lrOverride = resumeLearningRate(ck.path, ck.meta.run?.["lr"], lr, o.resumeOverrides, o.onWarning);
      if (lrOverride) run["lr"] = lrOverride.saved; // compared as unchanged below, then replaced
      for (const [k, v] of Object.entries(ck.meta.run ?? {})) {
        if (run[k] !== v) {
          const now = k in run ? `not ${run[k]}` : "a setting this version no longer has";
          throw new Error(`postTrain: checkpoint ${ck.path} was made with ${k} ${v}, ${now}; resume with the same settings, or start afresh (another checkpoint folder, or --no-resume / resume: false)`);
        }
      }
      if (lrOverride) run["lr"] = lr = lrOverride.lr;
      dispose(state.params);
      state = ck.state;
      losses = [...ck.meta.losses];
      consumed = ck.meta.consumed;
      skipped = ck.meta.skipped;
      resumedFrom = ck.meta.step;
      checkpoint = ck.path;
    }
  }
  if (o.resumeOverrides?.lr !== undefined && !checkpoint) throw nothingToResume(o.checkpointDir, o.resume ?? true);
  const stream = await ImageStream.open(
    o.images,
    {
      seed: o.seed,
      vaeSize: o.vaeImageSize,
      clipSize: o.clipImageSize,
      cropScale: o.cropScale ?? [0.9, 1],
      ...(o.cropRatio ? { cropRatio: o.cropRatio } : {}),
      normalization: o.normalization,
      vaeInput: o.vaeInput ?? "clean",
      clipView: o.clipView ?? "source-bicubic",
    },
    consumed,
    { ...(o.maxImageBytes ? { maxImageBytes: o.maxImageBytes } : {}), ...(o.maxImagePixels ? { maxImagePixels: o.maxImagePixels } : {}) },
  );
  const root = randomKey(o.seed);
  const ctx = { visionTokens: o.visionTokens, diffusion: o.diffusion, condition: o.condition, textEmbedding: o.textEmbedding, conditionSource: o.conditionSource ?? "own" };
  const started = Date.now();
  let images = 0;
  let stopped = false;
  let savedStep = resumedFrom;
  const save = async () => {
    checkpoint = await saveCheckpoint(o.checkpointDir!, state, { step: state.step, consumed: stream.consumed, seed: o.seed, losses, skipped, run });
    savedStep = state.step;
    o.onCheckpoint?.(checkpoint, state.step);
  };
  try {
    while (state.step < o.steps) {
      if (o.signal?.aborted) {
        stopped = true;
        break;
      }
      const micro = [];
      for (let m = 0; m < o.imagesPerStep / o.microBatch; m++) {
        const b = await stream.next(o.microBatch);
        if (b.skipped.length) {
          skipped += b.skipped.length;
          o.onSkip?.(b.skipped);
        }
        micro.push(b);
      }
      const r = await divaStep(state, micro, ctx, { ...o.recipe, lr, totalSteps: o.steps }, foldIn(root, state.step));
      for (const b of micro) {
        b.clipImages.dispose();
        b.vaeImages.dispose();
      }
      if (!Number.isFinite(r.loss)) {
        dispose(r.state.params);
        dispose(r.state.optimizer.momentum);
        const aside = await setAsideDiverged(o.checkpointDir, state.step);
        throw new Error(`postTrain: the loss became ${r.loss} at step ${state.step + 1}; stopping.${aside} ${await divergenceAdvice(o.checkpointDir)}`);
      }
      state = r.state;
      losses.push(r.loss);
      images += o.imagesPerStep;
      const secs = (Date.now() - started) / 1000;
      const rate = images / Math.max(secs, 1e-9);
      o.onProgress?.({
        step: state.step,
        totalSteps: o.steps,
        loss: r.loss,
        gradNorm: r.gradNorm,
        lr: r.lr,
        imagesPerSecond: rate,
        etaSeconds: ((o.steps - state.step) * o.imagesPerStep) / Math.max(rate, 1e-9),
        skipped,
      });
      if (o.checkpointDir && o.checkpointEvery && (state.step % o.checkpointEvery === 0 || state.step === o.steps)) {
        await save();
      }
    }
    if (stopped && o.checkpointDir && savedStep !== state.step) await save();
    if (savedStep !== state.step) await assertFiniteState(state);
  } catch (e) {
    if (!(e instanceof NonFiniteStateError)) throw e;
    dispose(state.params);
    dispose(state.optimizer.momentum);
    throw new Error(`postTrain: ${e.message}; stopping without writing them (no checkpoint of step ${e.step}, nothing exported). ${await divergenceAdvice(o.checkpointDir)}`, { cause: e });
  } finally {
    await stream.close();
  }
  return { state, losses, skipped, resumedFrom, stopped, ...(checkpoint ? { checkpoint } : {}) };
}
