import { Command, InvalidArgumentError } from "commander";
import { ClipTokenizer } from "@diva/nn";
import { makeRandomCheckpoints } from "../../full-scale/random-checkpoints.js";
import { PRESETS } from "../../presets.js";
import { nonNegativeInt } from "../parse.js";

interface Flags {
  preset: string;
  out: string;
  bpe?: string;
  seed: number;
  widthScale: number;
}

function widthScale(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !(n > 0 && n <= 1)) throw new InvalidArgumentError("expected a number in (0, 1].");
  return n;
}

/** `diva make-random-checkpoints`: the preset's CLIP and an SD-2.1-base folder with seeded random weights. */
export function makeRandomCheckpointsCommand(): Command {
  return new Command("make-random-checkpoints")
    .description(
      "write an open_clip checkpoint for a preset and a diffusers SD-2.1-base folder (unet/, vae/, text_encoder/, tokenizer/, scheduler/; " +
        "F16 safetensors, the real configs) with seeded random weights, to exercise full-size runs without downloads",
    )
    .requiredOption("--preset <name>", `DIVA preset (${Object.keys(PRESETS).join(", ")})`)
    .requiredOption("--out <dir>", "output folder: <dir>/clip/open_clip_model.safetensors and <dir>/sd-2-1-base/")
    .option("--bpe <file>", "CLIP's bpe_simple_vocab_16e6.txt.gz (default: the one shipped with @diva/nn; copied beside the CLIP; SD's vocab.json and merges.txt are derived from it)")
    .option("--seed <n>", "seed of the weights", nonNegativeInt, 0)
    .option("--width-scale <f>", "shrink channels and head widths by this factor, keeping every layer and tensor name (tests); 1 = real size", widthScale, 1)
    .action(async (flags: Flags) => {
      if (!(flags.preset in PRESETS)) throw new Error(`unknown preset "${flags.preset}"; known presets: ${Object.keys(PRESETS).join(", ")}`);
      const r = await makeRandomCheckpoints({ preset: flags.preset, out: flags.out, bpe: flags.bpe ?? (await ClipTokenizer.defaultVocabPath()), seed: flags.seed, widthScale: flags.widthScale, onLog: (m) => console.log(m) });
      const total = Object.values(r.bytes).reduce((a, b) => a + b, 0);
      console.log(`wrote ${(total / 2 ** 30).toFixed(2)} GiB of weights`);
      console.log(`use: diva post-train --preset ${flags.preset} --clip ${r.clip} --sd ${r.sd} ...`);
    });
}
