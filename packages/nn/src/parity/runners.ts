/**
 * Every parity runner, listed once. The first runner whose `matches` accepts a fixture checks it, so the list
 * goes from the most specific fixture layout to the most general (a whole CLIP before one of its towers).
 */
import { clipParityRunners } from "./clip-runners.js";
import { diffusionParityRunners } from "./diffusion-runners.js";
import type { Fixture } from "./fixture.js";
import type { ParityRunner } from "./runner.js";
import { tokenizerParityRunner } from "./tokenizer-runner.js";

/** The runners of every model family: UNet, VAE, schedulers, the CLIP tokenizer, CLIP models and towers. */
export const parityRunners: readonly ParityRunner[] = [...diffusionParityRunners, tokenizerParityRunner, ...clipParityRunners];

/** The runner for a fixture, or an error naming the fixture's weights and config keys and the known runners. */
export function findParityRunner(f: Fixture): ParityRunner {
  const r = parityRunners.find((x) => x.matches(f));
  if (r) return r;
  const weights = Object.keys(f.weights);
  const sample = weights.slice(0, 5).join(", ") + (weights.length > 5 ? "..." : "");
  throw new Error(
    `parity: no runner recognises fixture "${f.name}" (weights ${sample || "none"}; config keys ${Object.keys(f.config).join(", ") || "none"}); ` +
      `known runners: ${parityRunners.map((x) => x.name).join(", ")}`,
  );
}
