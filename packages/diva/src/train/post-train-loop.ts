import { type Tensor, clone, dispose, foldIn, keep, mapTree, randomKey } from "@diva/tensor";
import { sgdInit } from "@diva/nn";
import type { ConditionSource, Projection } from "../condition.js";
import { ImageStream } from "../data/stream.js";
import type { FrozenDiffusion } from "../objective.js";
import { divaStep, type DivaState } from "../step.js";
import type { ImageLimits } from "../data/limits.js";
import { probeWritableDir } from "../outputs.js";
import { assertFiniteState, loadLatestCheckpoint, NonFiniteStateError, removeStaleTempFiles, saveCheckpoint } from "./checkpoint.js";
import type { TrainSettings } from "./post-train-options.js";
import { checkResumeSettings } from "./resume-settings.js";
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

/** Everything the loop needs: the models already built, the run's resolved settings, the files (and the per-image byte and pixel limits of the data). */
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
  /** Whose tokens condition each image (default "own"; "shuffled": the placebo control, see `ConditionSource`). */
  readonly conditionSource?: ConditionSource;
  /** Steps, batches, seed, each step's recipe, the views and the condition (see `resolveRunSettings`). */
  readonly settings: TrainSettings;
  /** Folder of images or webdataset shards. */
  readonly images: string;
  /** Where checkpoints go; omit to train without checkpoints. */
  readonly checkpointDir?: string;
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
  const s = o.settings;
  if (s.imagesPerStep % s.microBatch !== 0) {
    throw new Error(`postTrain: imagesPerStep ${s.imagesPerStep} is not a multiple of microBatch ${s.microBatch}`);
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
  let lr = s.step.lr;
  const run: Record<string, number | string | boolean> = {
    steps: s.steps,
    imagesPerStep: s.imagesPerStep,
    microBatch: s.microBatch,
    draws: s.step.draws,
    lr: s.step.lr,
    drawWeighting: s.step.drawWeighting,
    ...(s.step.drawWeighting === "reference" ? { drawWeights: s.step.drawWeights.join(",") } : {}),
    clipView: s.views.clipView,
    vaeInput: s.views.vaeInput,
    precision: s.precision,
    // recorded only for the placebo, so checkpoints of ordinary runs stay as they were
    ...(o.conditionSource === "shuffled" ? { conditionSource: "shuffled" } : {}),
    // likewise only when it differs from the reference's 1: a resume with another projection lr is refused
    ...((s.step.projectionLrScale ?? 1) !== 1 ? { projectionLrScale: s.step.projectionLrScale! } : {}),
    ...((s.step.projectionOnlySteps ?? 0) !== 0 ? { projectionOnlySteps: s.step.projectionOnlySteps! } : {}),
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
      if (ck.meta.seed !== s.seed) throw new Error(`postTrain: checkpoint ${ck.path} was made with seed ${ck.meta.seed}, not ${s.seed}`);
      const lrOverride = resumeLearningRate(ck.path, ck.meta.run?.["lr"], lr, o.resumeOverrides, o.onWarning);
      if (lrOverride) run["lr"] = lrOverride.saved; // compared as unchanged below, then replaced
      checkResumeSettings(ck.path, ck.meta.run ?? {}, run);
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
    { seed: s.seed, ...s.views },
    consumed,
    { ...(o.maxImageBytes ? { maxImageBytes: o.maxImageBytes } : {}), ...(o.maxImagePixels ? { maxImagePixels: o.maxImagePixels } : {}) },
  );
  const root = randomKey(s.seed);
  const ctx = { visionTokens: o.visionTokens, diffusion: o.diffusion, condition: s.condition, textEmbedding: o.textEmbedding, conditionSource: o.conditionSource ?? "own" };
  const started = Date.now();
  let images = 0;
  let stopped = false;
  let savedStep = resumedFrom;
  const save = async () => {
    checkpoint = await saveCheckpoint(o.checkpointDir!, state, { step: state.step, consumed: stream.consumed, seed: s.seed, losses, skipped, run });
    savedStep = state.step;
    o.onCheckpoint?.(checkpoint, state.step);
  };
  try {
    while (state.step < s.steps) {
      if (o.signal?.aborted) {
        stopped = true;
        break;
      }
      const micro = [];
      for (let m = 0; m < s.imagesPerStep / s.microBatch; m++) {
        const b = await stream.next(s.microBatch);
        if (b.skipped.length) {
          skipped += b.skipped.length;
          o.onSkip?.(b.skipped);
        }
        micro.push(b);
      }
      const r = await divaStep(state, micro, ctx, { ...s.step, lr, totalSteps: s.steps }, foldIn(root, state.step));
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
      images += s.imagesPerStep;
      const secs = (Date.now() - started) / 1000;
      const rate = images / Math.max(secs, 1e-9);
      o.onProgress?.({
        step: state.step,
        totalSteps: s.steps,
        loss: r.loss,
        gradNorm: r.gradNorm,
        lr: r.lr,
        imagesPerSecond: rate,
        etaSeconds: ((s.steps - state.step) * s.imagesPerStep) / Math.max(rate, 1e-9),
        skipped,
      });
      if (o.checkpointDir && s.checkpointEvery && (state.step % s.checkpointEvery === 0 || state.step === s.steps)) {
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
