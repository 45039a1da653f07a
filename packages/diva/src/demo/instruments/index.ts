/**
 * The demo's instrument checks: can the instruments see an effect at all? (1) the tiny CLIP's text tower tells
 * each pattern's statements apart, (2) the VAE keeps each fine attribute readable, (3) the UNet's denoising error
 * depends on each fine attribute's word in its caption. `runInstrumentChecks` runs them on any demo model folder
 * and world seed and returns a plain, JSON-serialisable object; `instrumentTables` prints it.
 */
import { tinyClipForEval } from "../tiny-clip-adapters.js";
import type { DemoModels } from "../models/store.js";
import type { Seed } from "../world/index.js";
import { demoCaptionDenoiser, demoVaeRoundTrip, diffusionImageSize } from "./adapters.js";
import { checkTextSeparability, textSeparability, type TextSeparabilityOptions, type TextSeparabilityResult } from "./text-separability.js";
import { checkUnetFlip, type UnetFlipOptions, type UnetFlipResult } from "./unet-flip.js";
import { checkVaeFidelity, type VaeFidelityOptions, type VaeFidelityResult } from "./vae-fidelity.js";

export * from "./paired-t.js";
export * from "./pattern-samples.js";
export * from "./classifier.js";
export * from "./text-separability.js";
export * from "./vae-fidelity.js";
export * from "./unet-flip.js";
export * from "./adapters.js";
export * from "./table.js";

/** The validation world's seed (the demo's validation benchmark seed): choices are made on it, never on the test world. */
export const DEFAULT_INSTRUMENT_WORLD_SEED = 31337;

/** The three checks. */
export const INSTRUMENT_CHECKS = ["text", "vae", "unet"] as const;
/** One check. */
export type InstrumentCheckName = (typeof INSTRUMENT_CHECKS)[number];

/** Options of `runInstrumentChecks`. */
export interface InstrumentChecksOptions {
  /** World seed all images and statements are drawn from (default `DEFAULT_INSTRUMENT_WORLD_SEED`). */
  readonly worldSeed?: Seed;
  /** Which checks to run (default all three). */
  readonly checks?: readonly InstrumentCheckName[];
  /** A statementSimilarity already measured by `evalMMVP` (e.g. by the demo run): check 1 then reuses it. */
  readonly statementSimilarity?: Readonly<Record<string, number>>;
  readonly text?: Partial<TextSeparabilityOptions>;
  readonly vae?: Partial<VaeFidelityOptions>;
  readonly unet?: Partial<UnetFlipOptions>;
  onProgress?(message: string): void;
}

/** Everything the checks measured (plain data). */
export interface InstrumentChecksReport {
  readonly worldSeed: Seed;
  /** Image side of the diffusion side (VAE and UNet). */
  readonly imageSize: number;
  readonly text?: TextSeparabilityResult;
  readonly vae?: VaeFidelityResult;
  readonly unet?: UnetFlipResult;
  /** Every check that ran passed. */
  readonly pass: boolean;
  /** Wall-clock seconds per check. */
  readonly seconds: Readonly<Partial<Record<InstrumentCheckName, number>>>;
}

/** Runs the instrument checks on the demo models. */
export async function runInstrumentChecks(models: DemoModels, options: InstrumentChecksOptions = {}): Promise<InstrumentChecksReport> {
  const worldSeed = options.worldSeed ?? DEFAULT_INSTRUMENT_WORLD_SEED;
  const checks = options.checks ?? INSTRUMENT_CHECKS;
  for (const c of checks) if (!INSTRUMENT_CHECKS.includes(c)) throw new Error(`instruments: unknown check "${c}" (known: ${INSTRUMENT_CHECKS.join(", ")})`);
  const imageSize = diffusionImageSize(models);
  const seconds: Partial<Record<InstrumentCheckName, number>> = {};
  const timed = async <T>(name: InstrumentCheckName, run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    options.onProgress?.(`${name} check ...`);
    const out = await run();
    seconds[name] = (Date.now() - started) / 1000;
    return out;
  };
  const text = checks.includes("text")
    ? await timed("text", async () =>
      options.statementSimilarity
        ? textSeparability(options.statementSimilarity, options.text?.threshold)
        : checkTextSeparability(tinyClipForEval(models), { worldSeed, ...options.text }))
    : undefined;
  const vae = checks.includes("vae")
    ? await timed("vae", () => checkVaeFidelity(demoVaeRoundTrip(models), { worldSeed, imageSize, onProgress: options.onProgress, ...options.vae }))
    : undefined;
  const unet = checks.includes("unet")
    ? await timed("unet", () => checkUnetFlip(demoCaptionDenoiser(models), { worldSeed, imageSize, onProgress: options.onProgress, ...options.unet }))
    : undefined;
  const ran = [text, vae, unet].filter((r) => r !== undefined);
  return { worldSeed, imageSize, text, vae, unet, pass: ran.every((r) => r.pass), seconds };
}

