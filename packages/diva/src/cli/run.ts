import type { Command } from "commander";
import { divaEnv } from "@diva/tensor";

/** Whether errors should show their stack (DIVA_DEBUG=1). */
const debug = (): boolean => divaEnv("DIVA_DEBUG") === "1";

/**
 * Runs the program on `argv`. Usage errors are commander's (message and exit code 1); an error thrown by a
 * command prints `error: <message>` (plus the stack with DIVA_DEBUG=1) and sets exit code 1.
 */
export async function runCli(cmd: Command, argv: readonly string[]): Promise<void> {
  try {
    await cmd.parseAsync([...argv]);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    console.error(debug() ? (err.stack ?? err.message) : `error: ${err.message}`);
    process.exitCode = 1;
  }
}
