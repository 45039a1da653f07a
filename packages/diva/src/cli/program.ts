import { Command } from "commander";
import { demoCommand } from "./commands/demo.js";
import { evalCommand } from "./commands/eval.js";
import { makeRandomCheckpointsCommand } from "./commands/make-random-checkpoints.js";
import { parityCommand } from "./commands/parity.js";
import { postTrainCommand } from "./commands/post-train.js";
import { presetsCommand } from "./commands/presets.js";

/** Applies the settings every command shares: a usage hint after errors. */
function configure(cmd: Command): Command {
  cmd.showHelpAfterError("(add --help for usage)");
  for (const sub of cmd.commands) configure(sub);
  return cmd;
}

/** The `diva` program with all its commands. */
export function program(): Command {
  const root = new Command("diva")
    .description("DIVA: diffusion feedback helps CLIP see better (post-training, evaluation, parity checks)")
    .version("0.1.0")
    // an option after a subcommand's name belongs to that subcommand (needed for nested ones: `demo instruments`)
    .enablePositionalOptions()
    .addCommand(postTrainCommand())
    .addCommand(evalCommand())
    .addCommand(parityCommand())
    .addCommand(demoCommand())
    .addCommand(presetsCommand())
    .addCommand(makeRandomCheckpointsCommand());
  return configure(root);
}
