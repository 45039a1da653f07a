import { Command, InvalidArgumentError } from "commander";
import { selectBackend } from "../backend.js";
import { backendOption, nonNegativeInt, positiveInt, type BackendName } from "../parse.js";

const CHECKS = ["text", "vae", "unet"] as const;
type CheckName = (typeof CHECKS)[number];

/** Parses `--checks text,vae,unet`. */
function checkList(value: string): CheckName[] {
  const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const n of names) if (!(CHECKS as readonly string[]).includes(n)) throw new InvalidArgumentError(`unknown check "${n}" (known: ${CHECKS.join(", ")}).`);
  if (names.length === 0) throw new InvalidArgumentError("expected at least one check.");
  return names as CheckName[];
}

interface Flags {
  models?: string;
  worldSeed: number;
  json?: boolean;
  checks?: CheckName[];
  unetImages?: number;
  unetDraws?: number;
  vaeRetrained?: boolean;
  backend: BackendName;
}

/**
 * `diva demo instruments`: can the demo's instruments see an effect? Text separability, VAE fidelity and the
 * UNet caption-flip test on a model folder and a world seed; a table per check (or one JSON object with --json).
 * Progress goes to stderr, so --json output stays parseable.
 */
export function demoInstrumentsCommand(): Command {
  return new Command("instruments")
    .description("check the demo's instruments on a world seed: text separability, VAE fidelity, UNet use of caption attributes")
    .option("--models <dir>", "folder of tiny-clip/vae/unet.safetensors (default: the shipped models)")
    .option("--world-seed <n>", "world seed the images and statements are drawn from (default: the validation world, 31337)", nonNegativeInt, 31337)
    .option("--checks <list>", "comma-separated subset of text,vae,unet (default: all)", checkList)
    .option("--unet-images <n>", "images per pattern in the UNet flip test (default 500)", positiveInt)
    .option("--unet-draws <n>", "noise/timestep draws per image in the UNet flip test (default 1)", positiveInt)
    .option("--vae-retrained", "also train a classifier on VAE round trips (diagnostic column)")
    .option("--json", "print one JSON object instead of tables")
    .addOption(backendOption())
    .action(async (flags: Flags) => {
      await selectBackend(flags.backend);
      const [{ loadDemoModels, DEMO_ASSETS }, { runInstrumentChecks, instrumentTables }] = await Promise.all([
        import("../../demo/models/store.js"),
        import("../../demo/instruments/index.js"),
      ]);
      const models = await loadDemoModels(flags.models ?? DEMO_ASSETS);
      const started = Date.now();
      const report = await runInstrumentChecks(models, {
        worldSeed: flags.worldSeed,
        ...(flags.checks ? { checks: flags.checks } : {}),
        unet: { ...(flags.unetImages ? { imagesPerPattern: flags.unetImages } : {}), ...(flags.unetDraws ? { draws: flags.unetDraws } : {}) },
        vae: { retrainOnRoundTrips: flags.vaeRetrained ?? false },
        onProgress: (m) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${m}\n`),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${instrumentTables(report)}\n`);
    });
}
