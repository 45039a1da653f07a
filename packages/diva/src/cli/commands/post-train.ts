import { Command, Option } from "commander";
import { dryRunPlan } from "../../full-scale/dry-run.js";
import { formatMemoryPlan } from "../../full-scale/memory-plan.js";
import { postTrain, type PostTrainOptions } from "../../train/post-train.js";
import { resolvePreset } from "../../preset-file.js";
import { selectBackend } from "../backend.js";
import { backendOption, nonNegativeInt, positiveInt, positiveNumber, type BackendName } from "../parse.js";
import { formatDuration, lazyProgress } from "../progress.js";

/** The parsed flags: postTrain's options as commander gives them, plus the flags of the command itself. */
type PostTrainFlags = Pick<
  PostTrainOptions,
  | "clip" | "sd" | "images" | "out" | "bpe" | "steps" | "imagesPerStep" | "microBatch" | "lr" | "draws" | "seed" | "checkpointDir"
  | "checkpointEvery" | "maxImageBytes" | "maxImagePixels" | "drawWeighting" | "clipView" | "vaeInput" | "checkpointActivations" | "precision"
> & {
  /** A preset name or a preset JSON file. */
  preset: string;
  /** False with --no-resume. */
  resume: boolean;
  /** --resume-lr: resumeOverrides.lr. */
  resumeLr?: number;
  dryRun?: boolean;
  json?: boolean;
  backend: BackendName;
};

/** `diva post-train`: DIVA post-training of a CLIP checkpoint with a Stable Diffusion 2.1-base folder. */
export function postTrainCommand(): Command {
  return new Command("post-train")
    .description("post-train a CLIP vision tower with diffusion feedback (DIVA) and export it")
    .requiredOption("--preset <name|file.json>", "reference model preset (e.g. openai-vit-l-14) or a preset JSON file")
    .requiredOption("--clip <file>", "CLIP checkpoint: .safetensors or PyTorch .pt/.bin, open_clip/OpenAI/Hugging Face names")
    .requiredOption("--sd <dir>", "Stable Diffusion 2.1-base diffusers folder (unet/, vae/, text_encoder/, scheduler/)")
    .requiredOption("--images <path>", "folder of JPEG/PNG/WebP images, or webdataset .tar shards (a folder or one file)")
    .requiredOption("--out <file>", "where to write the post-trained CLIP (.safetensors, the input's names)")
    .option("--bpe <file>", "CLIP BPE vocabulary (default: bpe_simple_vocab_16e6.txt.gz beside --clip, else <sd>/tokenizer/merges.txt, else the one shipped with @diva/nn)")
    .option("--steps <n>", "optimizer steps (default: the preset's, 4600)", positiveInt)
    .option("--images-per-step <n>", "images per optimizer step (default: the preset's, 640)", positiveInt)
    .option("--micro-batch <n>", "images per forward pass (gradient accumulation; default: largest divisor <= 16)", positiveInt)
    .option("--lr <x>", "peak learning rate (default: the preset's, 1e-4)", positiveNumber)
    .option("--draws <n>", "noise draws per image per step (default 2)", positiveInt)
    .option("--seed <n>", "seed of data order, crops, noise and projection init", nonNegativeInt, 0)
    .option("--checkpoint-dir <dir>", "write checkpoints here (atomically) and resume from the newest")
    .option("--checkpoint-every <n>", "steps between checkpoints (default 100)", positiveInt)
    .option("--no-resume", "ignore existing checkpoints in --checkpoint-dir")
    .option("--resume-lr <x>", "resume with this peak learning rate instead of the checkpoint's (after a divergence: from the last finite checkpoint, lower)", positiveNumber)
    .option("--max-image-bytes <n>", "skip image files and shard members larger than this many bytes (default 67108864, 64 MiB)", positiveInt)
    .option("--max-image-pixels <n>", "skip images whose header claims more pixels, before decoding them (default 40000000)", positiveInt)
    .addOption(
      new Option("--draw-weighting <mode>", "noise draws: reference = 5 g0 + g1 per step whatever the micro-batch split, as the reference code; mean = (g0 + g1) / 2 (default: the preset's, reference)").choices([
        "reference",
        "mean",
      ]),
    )
    .addOption(
      new Option("--clip-view <mode>", "CLIP view: reference = the VAE view resized bilinearly without antialiasing; source-bicubic = the source crop resized bicubically (default: the preset's, reference)").choices([
        "reference",
        "source-bicubic",
      ]),
    )
    .addOption(
      new Option("--vae-input <mode>", "VAE input: reference = 2x - 1 of the CLIP-normalised image un-normalised with ImageNet statistics (the paper's); clean = 2x - 1 of the image (default: the preset's, reference)").choices([
        "reference",
        "clean",
      ]),
    )
    .option("--checkpoint-activations", "recompute CLIP transformer blocks and UNet resnet/transformer blocks in the backward pass instead of keeping their activations (less memory, same gradients)")
    .addOption(
      new Option("--precision <mode>", "fp32 = float32 throughout; mixed = the frozen UNet, VAE and text encoder stored in float16 (half their memory) with float32 accumulation, CLIP and the optimizer state float32 (default fp32)").choices([
        "fp32",
        "mixed",
      ]),
    )
    .addOption(backendOption())
    .option("--dry-run", "print the memory plan (weights from the file headers, trainable state, activations per micro-batch; WebGPU buffer checks) and exit without loading anything")
    .option("--json", "with --dry-run: the plan as JSON")
    .action(async (flags: PostTrainFlags) => {
      const preset = await resolvePreset(flags.preset);
      if (flags.dryRun) {
        const { plan, note } = await dryRunPlan({
          preset,
          clip: flags.clip,
          sd: flags.sd,
          ...(flags.imagesPerStep ? { imagesPerStep: flags.imagesPerStep } : {}),
          ...(flags.microBatch ? { microBatch: flags.microBatch } : {}),
          device: flags.backend,
          checkpointActivations: flags.checkpointActivations ?? false,
          ...(flags.precision ? { precision: flags.precision } : {}),
        });
        if (flags.json) console.log(JSON.stringify(note ? { ...plan, note } : plan, null, 2));
        else console.log(formatMemoryPlan(plan) + (note ? `\nnote: ${note}` : ""));
        return;
      }
      await selectBackend(flags.backend);
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        console.error("\nstopping after this step (a checkpoint is written when --checkpoint-dir is set); Ctrl-C again to quit now");
        controller.abort();
      };
      process.on("SIGINT", onSigint);
      const bar = lazyProgress(
        "post-train [{bar}] {value}/{total} steps | loss {loss} | {ips} img/s | ETA {eta}",
        (done, total, f) => `step ${done}/${total}  loss ${f.loss}  grad-norm ${f.grad}  lr ${f.lr}  ${f.ips} img/s  ETA ${f.eta}`,
      );
      const started = Date.now();
      const seen = new Set<string>();
      try {
        const r = await postTrain({
          preset,
          clip: flags.clip,
          sd: flags.sd,
          images: flags.images,
          out: flags.out,
          ...(flags.bpe ? { bpe: flags.bpe } : {}),
          ...(flags.steps ? { steps: flags.steps } : {}),
          ...(flags.imagesPerStep ? { imagesPerStep: flags.imagesPerStep } : {}),
          ...(flags.microBatch ? { microBatch: flags.microBatch } : {}),
          ...(flags.lr ? { lr: flags.lr } : {}),
          ...(flags.draws ? { draws: flags.draws } : {}),
          seed: flags.seed ?? 0,
          ...(flags.checkpointDir ? { checkpointDir: flags.checkpointDir } : {}),
          ...(flags.checkpointEvery ? { checkpointEvery: flags.checkpointEvery } : {}),
          resume: flags.resume,
          ...(flags.resumeLr ? { resumeOverrides: { lr: flags.resumeLr } } : {}),
          ...(flags.maxImageBytes ? { maxImageBytes: flags.maxImageBytes } : {}),
          ...(flags.maxImagePixels ? { maxImagePixels: flags.maxImagePixels } : {}),
          ...(flags.drawWeighting ? { drawWeighting: flags.drawWeighting } : {}),
          ...(flags.clipView ? { clipView: flags.clipView } : {}),
          ...(flags.vaeInput ? { vaeInput: flags.vaeInput } : {}),
          ...(flags.checkpointActivations ? { checkpointActivations: true } : {}),
          ...(flags.precision ? { precision: flags.precision } : {}),
          signal: controller.signal,
          onLog: (m) => bar.log(m),
          onSkip: (names) => {
            for (const n of names) {
              if (seen.has(n)) continue;
              seen.add(n);
              bar.log(`skipped unreadable image ${n}`);
            }
          },
          onProgress: (e) => {
            bar.update(e.step, e.totalSteps, {
              loss: e.loss.toFixed(5),
              grad: e.gradNorm.toFixed(3),
              lr: e.lr.toExponential(2),
              ips: e.imagesPerSecond.toFixed(1),
              eta: formatDuration(e.etaSeconds),
            });
          },
        });
        bar.stop();
        const last = r.losses.at(-1);
        if (r.skipped) console.log(`skipped ${seen.size} unreadable image(s) (${r.skipped} times in all; they are skipped in every epoch)`);
        if (r.stopped) {
          console.log(`stopped at step ${r.steps}${r.checkpoint ? `; checkpoint ${r.checkpoint}; run the same command to resume` : " (no --checkpoint-dir: progress is lost)"}`);
          process.exitCode = 130;
          return;
        }
        console.log(
          `done: ${r.steps} steps${r.resumedFrom ? ` (resumed from ${r.resumedFrom})` : ""} in ${formatDuration((Date.now() - started) / 1000)}, ` +
            `loss ${r.losses[0]?.toFixed(5)} -> ${last?.toFixed(5)}`,
        );
        console.log(`wrote ${r.out} (${r.exported!.replaced} vision tensors post-trained, ${r.exported!.kept} kept from ${flags.clip})`);
      } finally {
        bar.stop();
        process.off("SIGINT", onSigint);
      }
    });
}
