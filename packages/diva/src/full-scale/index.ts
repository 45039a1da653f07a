/**
 * @diva/core/full-scale: the pieces of a DIVA step at a preset's real size, for benchmarks and capacity
 * planning (benchmarks/full-scale/run.ts): the models' configs at full or reduced width (`fullScaleModels`),
 * the reference checkpoints' files with seeded random weights (`makeRandomCheckpoints`, also
 * `diva make-random-checkpoints`), the memory plan of a run read from file headers (`memoryPlan`, also
 * `diva post-train --dry-run`) and one timed optimizer step with the wall time and peak memory of each part
 * (`timedDivaStep`).
 *
 * @example
 * ```ts
 * import { getPreset } from "@diva/core";
 * import { formatMemoryPlan, makeRandomCheckpoints, memoryPlan, timedDivaStep } from "@diva/core/full-scale";
 * const files = await makeRandomCheckpoints({ preset: "openai-vit-l-14", out: "models", bpe: "bpe_simple_vocab_16e6.txt.gz" });
 * const preset = getPreset("openai-vit-l-14");
 * console.log(formatMemoryPlan(await memoryPlan({ preset, clip: files.clip, sd: files.sd, microBatch: 1, microBatches: 1, device: "cpu", checkpointActivations: false })));
 * const report = await timedDivaStep({ preset: preset.name, clip: files.clip, sd: files.sd });
 * ```
 * @module @diva/core/full-scale
 */
export { makeRandomCheckpoints, type RandomCheckpointOptions, type RandomCheckpoints } from "./random-checkpoints.js";
export { fullScaleModels, type FullScaleModels } from "./models.js";
export { formatBytes, formatMemoryPlan, memoryPlan, type BufferLimits, type MemoryPlan, type MemoryPlanOptions, type TooLarge, type WeightLine } from "./memory-plan.js";
export type { ActivationItem } from "./activations.js";
export { timedDivaStep, type PartReport, type TimedStepOptions, type TimedStepReport } from "./timed-step.js";
