import { Command, Option } from "commander";
import { backendOption, nonNegativeInt, positiveInt, positiveNumber, type BackendName } from "../parse.js";

/** `diva demo`: the built-in demo on tiny shipped models (loaded only when the command runs). */
export function demoCommand(): Command {
  return new Command("demo")
    .description("run DIVA end to end on the shipped tiny models and a synthetic MMVP world, and write a report")
    .option("--steps <n>", "DIVA optimizer steps per seed", positiveInt)
    .option("--seed <n...>", "seed(s); the report averages over them", (v: string, prev: number[] | undefined) => [...(prev ?? []), nonNegativeInt(v)])
    .option("--out <dir>", "report folder", "report")
    .option("--lr <x>", "DIVA peak learning rate (default: the demo recipe's)", positiveNumber)
    .option("--models <dir>", "folder of tiny-clip/vae/unet.safetensors (default: the shipped models)")
    .option("--quick", "a few steps only (smoke test)")
    .addOption(new Option("--split <name>", "score on the reported test sets or on held-out validation sets (for tuning)").choices(["test", "validation"]).default("test"))
    .addOption(backendOption())
    .action(async (flags: { steps?: number; seed?: number[]; out: string; lr?: number; models?: string; quick?: boolean; split: "test" | "validation"; backend: BackendName }) => {
      const { runDemo } = await import("../../demo/run.js");
      await runDemo({
        ...(flags.steps ? { steps: flags.steps } : {}),
        ...(flags.seed?.length ? { seeds: flags.seed } : {}),
        ...(flags.lr ? { lr: flags.lr } : {}),
        ...(flags.models ? { models: flags.models } : {}),
        out: flags.out,
        backend: flags.backend,
        quick: flags.quick ?? false,
        split: flags.split,
      });
    });
}
