import { Command } from "commander";
import { parityMain } from "@diva/nn";
import { selectBackend } from "../backend.js";
import { backendOption, positiveNumber, type BackendName } from "../parse.js";

/** `diva parity FILE...`: checks models against reference fixtures with `@diva/nn`'s parityMain. */
export function parityCommand(): Command {
  return new Command("parity")
    .description("check our models against PyTorch reference fixtures (.safetensors written by the fixture scripts)")
    .argument("<files...>", "fixture files")
    .option("--tol <x>", "one relative tolerance for every result", positiveNumber)
    .addOption(backendOption())
    .action(async (files: string[], flags: { tol?: number; backend: BackendName }) => {
      await selectBackend(flags.backend);
      process.exitCode = await parityMain({ files, tolerance: flags.tol });
    });
}
