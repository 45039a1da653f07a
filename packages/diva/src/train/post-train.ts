import { dispose, useBackend, type Device } from "@diva/tensor";
import { clipCheckpointHint, sdDownloadCommand } from "@diva/nn";
import type { ImageLimits } from "../data/limits.js";
import { requirePath, prepareOutput } from "../inputs.js";
import { checkOutputs, writeOutput } from "../outputs.js";
import { exportPostTrainedClip, type ClipExportReport } from "../models/clip-export.js";
import { loadClipCheckpoint } from "../models/clip-checkpoint.js";
import { loadFrozenDiffusion, requireSdFolder } from "../models/frozen-diffusion.js";
import { frozenDType } from "../models/frozen-dtype.js";
import { initProjection, projectionKey } from "../models/projection.js";
import { sdPromptEmbedding } from "../models/prompt-embedding.js";
import { findClipTokenizer } from "../models/tokenizer.js";
import { clipVisionTokenDim, clipVisionTokens } from "../models/vision-tokens.js";
import { resolveRunSettings, type ResolvedRunSettings, type RunSettingsInput } from "./post-train-options.js";
import type { ClipView, DrawWeighting, VaeInput } from "../presets.js";
import type { ResumeOverrides } from "./divergence.js";
import { postTrainLoop, type ProgressEvent } from "./post-train-loop.js";

export type { ProgressEvent } from "./post-train-loop.js";

/**
 * Options of {@link postTrain}. `maxImageBytes` (default 64 MiB) and `maxImagePixels` (default 40 megapixels,
 * checked from the header before decoding) bound what one image may cost; larger ones are skipped and reported.
 */
export interface PostTrainOptions extends RunSettingsInput, ImageLimits {
  /** The CLIP checkpoint: open_clip, OpenAI or Hugging Face names, `.safetensors` or a PyTorch `.pt`/`.bin`. */
  readonly clip: string;
  /** A diffusers Stable Diffusion 2.1-base folder (`unet/`, `vae/`, `text_encoder/`, `scheduler/`, `tokenizer/`). */
  readonly sd: string;
  /** A folder of JPEG/PNG/WebP images (searched recursively) or webdataset `.tar` shards (a folder or one file). */
  readonly images: string;
  /** Where the post-trained CLIP goes (`.safetensors`, the input's tensor names, projection dropped). */
  readonly out: string;
  /** CLIP's BPE vocabulary (default: `bpe_simple_vocab_16e6.txt.gz` beside the CLIP checkpoint, else the SD folder's `tokenizer/merges.txt`). */
  readonly bpe?: string;
  /** Folder for checkpoints; omit to train without them. */
  readonly checkpointDir?: string;
  /** Continue from the newest checkpoint in checkpointDir (default true). */
  readonly resume?: boolean;
  /** Settings a resumed run may change from its checkpoint's, only when given here (`{ lr }`: see ResumeOverrides). */
  readonly resumeOverrides?: ResumeOverrides;
  /**
   * Activation checkpointing: the CLIP tower's transformer blocks and the UNet's resnet and transformer blocks
   * keep only their inputs for the backward pass and are recomputed there (same gradients, less memory, about
   * one more forward pass of each). Default false.
   */
  readonly checkpointActivations?: boolean;
  /** Backend to run on (`cpu`, `webgpu`); it becomes the default device. Default: the current default. */
  readonly device?: Device;
  /** Stops after the step in progress; a checkpoint is written and nothing is exported. */
  readonly signal?: AbortSignal;
  /** Step, loss, images/s and ETA after every step. */
  onProgress?(e: ProgressEvent): void;
  /**
   * Records skipped (never fatal), with the reason: images that could not be decoded, files that are not
   * regular files, images over the byte or pixel limits, unreadable shard members and truncated shards.
   */
  onSkip?(names: readonly string[]): void;
  /** What the run is doing (loading, resuming, checkpoints, export) and warnings. */
  onLog?(message: string): void;
}

/** The outcome of {@link postTrain}. */
export interface PostTrainResult {
  /** The exported CLIP; absent when the run was stopped through `signal`. */
  readonly out?: string;
  /** What the export wrote; absent when the run was stopped. */
  readonly exported?: ClipExportReport;
  /** Steps done in total (including those before a resume). */
  readonly steps: number;
  /** Loss per step from step 1 (including those before a resume). */
  readonly losses: readonly number[];
  /** Unreadable images skipped in total. */
  readonly skipped: number;
  /** Unreadable images skipped in this session, with the reason. */
  readonly skippedImages: readonly string[];
  /** The step the run resumed from (0 for a fresh run). */
  readonly resumedFrom: number;
  /** True when `signal` stopped the run early. */
  readonly stopped: boolean;
  /** The last checkpoint written or resumed from. */
  readonly checkpoint?: string;
  /** The run's resolved configuration, precision included (also saved in the export's metadata). */
  readonly config: RunConfig;
}

/** What a run records about how it trained (in the result, checkpoints and the exported file's metadata). */
export interface RunConfig {
  /** Preset name. */
  readonly preset: string;
  /** Optimizer steps of the run. */
  readonly steps: number;
  /** Images per optimizer step. */
  readonly imagesPerStep: number;
  /** Images per micro-batch (gradients of a step's micro-batches are accumulated). */
  readonly microBatch: number;
  /** Peak learning rate. */
  readonly lr: number;
  /** Steps of learning-rate warm-up. */
  readonly warmupSteps: number;
  /** Seed of the run's random keys. */
  readonly seed: number;
  /** Noise draws per image per step. */
  readonly draws: number;
  /** How the draws' gradients are weighted. */
  readonly drawWeighting: DrawWeighting;
  /** Relative weights of the draws in the `reference` weighting. */
  readonly drawWeights: readonly number[];
  /** How CLIP's input was made from the training crop. */
  readonly clipView: ClipView;
  /** What the VAE encoded. */
  readonly vaeInput: VaeInput;
  /** The arithmetic this run used ("float32" or "mixed-float16"; the reference trained under "bf16-autocast" with TF32). */
  readonly precision: string;
  /** The reference's arithmetic, from the preset. */
  readonly referencePrecision: string;
}

/** The run configuration of resolved settings. */
export function runConfig(s: ResolvedRunSettings): RunConfig {
  return {
    preset: s.preset.name,
    steps: s.steps,
    imagesPerStep: s.imagesPerStep,
    microBatch: s.microBatch,
    lr: s.step.lr,
    warmupSteps: s.step.warmupSteps,
    seed: s.seed,
    draws: s.step.draws,
    drawWeighting: s.step.drawWeighting,
    drawWeights: s.step.drawWeights,
    clipView: s.views.clipView,
    vaeInput: s.views.vaeInput,
    precision: s.precision,
    referencePrecision: s.preset.recipe.precision,
  };
}

/**
 * DIVA post-training of a CLIP vision tower with diffusion feedback (arXiv 2407.20171), end to end: loads the
 * CLIP and the frozen SD 2.1-base (VAE, UNet, DDPM schedule, and the text encoder for the constant embedding
 * of "a photo of a ."), initialises the projection as torch.nn.Linear, streams and preprocesses the images
 * (RandomResizedCrop for the VAE; the CLIP view as the preset's `clipView` says), trains with the preset's
 * recipe (`divaStep`: SGD momentum, cosine with the reference's warm-up, clipping, the reference's draw
 * weighting over accumulated micro-batches), checkpoints atomically and resumes,
 * then exports the CLIP in the input's names with the projection dropped.
 *
 * @example
 * ```ts
 * const r = await postTrain({ preset: "openai-vit-l-14", clip: "ViT-L-14.safetensors", sd: "sd-2-1-base",
 *   images: "cc3m/", out: "ViT-L-14-diva.safetensors", checkpointDir: "ckpt/" });
 * ```
 */
export async function postTrain(options: PostTrainOptions): Promise<PostTrainResult> {
  const s = resolveRunSettings(options);
  const log = (m: string) => options.onLog?.(m);
  if (!/\.safetensors$/i.test(options.out)) throw new Error(`out ${options.out} must end in .safetensors`);
  await requirePath(options.clip, "CLIP checkpoint", "file", clipCheckpointHint(typeof options.preset === "string" ? options.preset : undefined));
  await requirePath(options.sd, "Stable Diffusion folder", "folder", `get SD-2.1-base with: ${sdDownloadCommand(options.sd)}`);
  await requireSdFolder(options.sd);
  await requirePath(options.images, "images");
  await prepareOutput(options.out, "out");
  await checkOutputs(options.out, options.checkpointDir, log);
  if (options.device) await useBackend(options.device);

  const { tokenizer, path: bpePath } = await findClipTokenizer({ bpe: options.bpe, clip: options.clip, sd: options.sd });
  log(`tokenizer: ${bpePath}`);
  log(`loading CLIP ${options.clip}`);
  const clip = await loadClipCheckpoint(options.clip);
  const model = clip.model;
  const { visual: initialVisual, ...frozenClip } = model.params;
  const owned: unknown[] = [frozenClip, initialVisual];
  try {
    const size = model.config.vision_cfg.image_size ?? 224;
    const clipSize = typeof size === "number" ? size : size[0];
    if (clipSize !== s.preset.vision.imageSize) {
      throw new Error(`preset ${s.preset.name} is for a ${s.preset.vision.imageSize}px vision tower, but ${options.clip} is ${clipSize}px`);
    }
    log(`loading Stable Diffusion ${options.sd}`);
    const dtype = frozenDType(s.precision, log);
    const textEmbedding = await sdPromptEmbedding(options.sd, tokenizer, { dtype });
    owned.push(textEmbedding);
    const checkpointActivations = options.checkpointActivations ?? false;
    const sd = await loadFrozenDiffusion(options.sd, { checkpoint: checkpointActivations, dtype });
    owned.push(sd.unet, sd.vae);
    if (textEmbedding.shape[1] !== sd.crossAttentionDim) {
      throw new Error(`${options.sd}: the text encoder's width ${textEmbedding.shape[1]} differs from the UNet's cross_attention_dim ${sd.crossAttentionDim}`);
    }
    const visionTokens = clipVisionTokens(model.config, { checkpoint: checkpointActivations });
    if (checkpointActivations) log("activation checkpointing: CLIP transformer blocks and UNet resnet/transformer blocks are recomputed in the backward pass");
    const projection = initProjection(projectionKey(s.seed), clipVisionTokenDim(model.config), sd.crossAttentionDim);
    owned.push(projection);
    const config = runConfig(s);
    log(`training ${s.steps} steps x ${s.imagesPerStep} images (micro-batch ${s.microBatch}) with preset ${s.preset.name}`);
    log(
      `draw weighting ${s.step.drawWeighting}${s.step.drawWeighting === "reference" ? ` [${s.step.drawWeights.join(", ")}]` : ""}, CLIP view ${s.views.clipView}, ` +
        `VAE input ${s.views.vaeInput}, precision ${s.precision} (the reference: ${s.preset.recipe.precision}${s.preset.recipe.precision === "bf16-autocast" ? " with TF32" : ""})`,
    );
    const skippedImages: string[] = [];
    const r = await postTrainLoop({
      vision: initialVisual,
      projection,
      visionTokens,
      diffusion: sd.diffusion,
      textEmbedding,
      settings: s,
      images: options.images,
      ...(options.checkpointDir ? { checkpointDir: options.checkpointDir } : {}),
      resume: options.resume ?? true,
      ...(options.resumeOverrides ? { resumeOverrides: options.resumeOverrides } : {}),
      ...(options.maxImageBytes ? { maxImageBytes: options.maxImageBytes } : {}),
      ...(options.maxImagePixels ? { maxImagePixels: options.maxImagePixels } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (e) => options.onProgress?.(e),
      onSkip: (names) => {
        skippedImages.push(...names);
        options.onSkip?.(names);
      },
      onCheckpoint: (path, step) => log(`checkpoint ${path} (step ${step})`),
      onWarning: log,
    });
    owned.push(r.state.params, r.state.optimizer.momentum);
    if (r.resumedFrom > 0) log(`resumed from step ${r.resumedFrom}`);
    const base = {
      steps: r.state.step,
      losses: r.losses,
      skipped: r.skipped,
      skippedImages,
      resumedFrom: r.resumedFrom,
      stopped: r.stopped,
      ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}),
      config,
    };
    if (r.stopped) return base;
    log(`exporting ${options.out}`);
    const exported = await writeOutput("out", options.out, () => exportPostTrainedClip({
      source: options.clip,
      visual: r.state.params.vision,
      layout: clip.layout,
      out: options.out,
      metadata: { diva_post_train: JSON.stringify(config) },
    }));
    return { ...base, out: options.out, exported };
  } finally {
    dispose(owned);
  }
}
