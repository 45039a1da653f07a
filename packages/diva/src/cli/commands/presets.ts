import { Command } from "commander";
import { presetConfig } from "../../preset-config.js";
import { resolvePreset } from "../../preset-file.js";
import { PRESETS } from "../../presets.js";

const norm = (n: { mean: readonly number[]; std: readonly number[] }) => `mean [${n.mean.join(", ")}], std [${n.std.join(", ")}]`;

/** `diva presets list|show`: the reference presets and their resolved configuration. */
export function presetsCommand(): Command {
  const list = new Command("list").description("list the preset names").action(() => {
    for (const name of Object.keys(PRESETS)) console.log(name);
  });
  const show = new Command("show")
    .description("print a preset's resolved configuration (the reference recipe and evaluation)")
    .argument("<name|file.json>", "a preset name (see `diva presets list`) or a preset JSON file")
    .option("--json", "print one JSON object")
    .action(async (name: string, flags: { json?: boolean }) => {
      const c = presetConfig(await resolvePreset(name));
      if (flags.json) {
        console.log(JSON.stringify(c, null, 2));
        return;
      }
      const cond = c.condition;
      const rrc = c.augmentation.randomResizedCrop;
      const rows: [string, string][] = [
        ["model", `${c.model} (${c.pretrained}), ${c.imageSize} px`],
        [
          "condition",
          `${cond.kind}: ${cond.tokens} tokens (${cond.patchTokens} patch tokens${cond.window ? `, window ${cond.window}` : ""}), text ${cond.textCombine}, projection ${cond.projection.join(" -> ")}`,
        ],
        ["prompt", JSON.stringify(c.prompt)],
        ["latents", `${c.latents.of} x ${c.latents.scale} at ${c.latents.resolution} px; timesteps ${c.timesteps.join("..")}, ${c.prediction}, ${c.loss}`],
        ["augmentation", `RandomResizedCrop ${rrc.size} scale [${rrc.scale.join(", ")}] ratio [${rrc.ratio.map((r) => +r.toFixed(4)).join(", ")}] ${rrc.interpolation}`],
        ["clip view", c.clipView],
        ["vae input", c.vaeInput],
        ["train normalisation", norm(c.trainNormalization)],
        ["eval normalisation", norm(c.evalNormalization)],
        ["optimizer", `${c.optimizer.name} lr ${c.optimizer.lr} momentum ${c.optimizer.momentum} weight decay ${c.optimizer.weightDecay}`],
        ["schedule", `${c.schedule.name}, ${c.schedule.warmupSteps} warm-up steps (step k gets lr k / ${c.schedule.warmupSteps}), ${c.schedule.steps} steps`],
        ["clip grad norm", String(c.clipGradNorm)],
        ["images per step", String(c.imagesPerStep)],
        ["draws", `${c.draws}, weighting ${c.drawWeighting} (reference weights [${c.drawWeights.join(", ")}])`],
        ["precision", `${c.precision}${c.tf32 ? " with TF32" : ""} (the reference's; ours: float32, or float16 frozen models with --precision mixed)`],
        [
          "eval",
          `${c.eval.tokenizer} tokenizer, context ${c.eval.contextLength}, resize ${c.eval.resize}, paper features ${c.eval.paperFeatures}${c.eval.paperPatchTokens ? ` (${c.eval.paperPatchTokens} patches)` : ""}`,
        ],
      ];
      const w = Math.max(...rows.map(([k]) => k.length));
      console.log(c.name);
      for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
    });
  return new Command("presets").description("the reference presets: list them, show one's configuration").addCommand(list).addCommand(show);
}
