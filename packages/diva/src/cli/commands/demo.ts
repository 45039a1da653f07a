import { Command, InvalidArgumentError, Option } from "commander";
import { backendOption, nonNegativeInt, positiveInt, positiveNumber, type BackendName } from "../parse.js";
import type { DemoCondition } from "../../demo/run.js";
import { demoInstrumentsCommand } from "./demo-instruments.js";

/** Parses "1,2,3" (commas or spaces) into seeds, appending to earlier values (the option may repeat). */
function seedList(value: string, previous: number[] | undefined): number[] {
  const parts = value.split(/[\s,]+/).filter((p) => p !== "");
  if (parts.length === 0) throw new InvalidArgumentError("expected seeds such as 1,2,3.");
  return [...(previous ?? []), ...parts.map(nonNegativeInt)];
}

/** `diva demo`: the built-in demo on tiny shipped models (loaded only when the command runs). */
export function demoCommand(): Command {
  return new Command("demo")
    .description(
      "run DIVA end to end on the shipped tiny models and a synthetic MMVP world: before, DIVA and a placebo (each image conditioned on another image's tokens) per seed, with confidence intervals; writes a report",
    )
    .option("--steps <n>", "DIVA optimizer steps per seed and arm", positiveInt)
    .option("--seeds <list>", "seeds, e.g. 1,2,3 (each trains DIVA and the placebo; the report averages over them)", seedList)
    .option("--seed <n...>", "alias of --seeds", (v: string, prev: number[] | undefined) => seedList(v, prev))
    .option("--world-seed <n>", "draw the benchmark, zero-shot set, probe, training and held-out images from this world seed", nonNegativeInt)
    .addOption(new Option("--split <name>", "the test world (reported) or the validation world (for tuning); default test").choices(["test", "validation"]))
    .option("--out <dir>", "report folder", "report")
    .option("--lr <x>", "DIVA peak learning rate (default: the demo recipe's)", positiveNumber)
    .option("--projection-lr-scale <x>", "learning-rate multiplier of DIVA's new projection relative to the vision tower (default: the demo recipe's)", positiveNumber)
    .option("--projection-only-steps <n>", "the first n DIVA steps update only the projection (the vision tower frozen); counted in --steps (default: the demo recipe's)", nonNegativeInt)
    .addOption(new Option("--condition <kind>", "DIVA's condition: the class token + random patch tokens, or the class token alone (default: the demo recipe's)").choices(["cls-patches", "cls"]))
    .option("--models <dir>", "folder of tiny-clip/vae/unet.safetensors (default: the shipped models)")
    .option("--prompt <text>", "text whose diffusion text embedding DIVA's condition is added to (default: the demo recipe's)")
    .option("--progress-every <n>", "without a terminal, print a progress line every n steps", positiveInt)
    .option("--quick", "a few steps on small sets (smoke test)")
    .option("--instruments", "first run the three instrument checks on the models (validation world, several minutes) and list them in the report")
    .addOption(backendOption())
    // options after "instruments" belong to it (both commands have --world-seed, --models, --backend)
    .enablePositionalOptions()
    .addCommand(demoInstrumentsCommand())
    .action(
      async (flags: { steps?: number; seeds?: number[]; seed?: number[]; worldSeed?: number; split?: "test" | "validation"; out: string; lr?: number; projectionLrScale?: number; projectionOnlySteps?: number; condition?: DemoCondition; models?: string; prompt?: string; progressEvery?: number; quick?: boolean; instruments?: boolean; backend: BackendName }) => {
        if (flags.worldSeed !== undefined && flags.split) throw new Error("demo: give either --world-seed or --split, not both");
        const seeds = [...(flags.seeds ?? []), ...(flags.seed ?? [])];
        const { runDemo } = await import("../../demo/run.js");
        await runDemo({
          ...(flags.steps ? { steps: flags.steps } : {}),
          ...(seeds.length ? { seeds } : {}),
          ...(flags.lr ? { lr: flags.lr } : {}),
          ...(flags.projectionLrScale ? { projectionLrScale: flags.projectionLrScale } : {}),
          ...(flags.condition ? { condition: flags.condition } : {}),
          ...(flags.projectionOnlySteps !== undefined ? { projectionOnlySteps: flags.projectionOnlySteps } : {}),
          ...(flags.models ? { models: flags.models } : {}),
          ...(flags.prompt !== undefined ? { prompt: flags.prompt } : {}),
          ...(flags.worldSeed !== undefined ? { worldSeed: flags.worldSeed } : {}),
          ...(flags.split ? { split: flags.split } : {}),
          ...(flags.progressEvery ? { progressEvery: flags.progressEvery } : {}),
          out: flags.out,
          backend: flags.backend,
          quick: flags.quick ?? false,
          ...(flags.instruments
            ? {
                instruments: async (models) => {
                  const { runInstrumentChecks, instrumentSummary } = await import("../../demo/instruments/index.js");
                  const report = await runInstrumentChecks(models, { onProgress: (m) => console.log(`instruments: ${m}`) });
                  return instrumentSummary(report);
                },
              }
            : {}),
        });
      },
    );
}
