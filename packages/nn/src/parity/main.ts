/** The parity check of fixture files as a command: the `diva parity` command calls {@link parityMain}. */
import { formatParityReport, runParity } from "./check.js";

/** Options of {@link parityMain}. */
export interface ParityMainOptions {
  /** Fixture files (.safetensors written by the fixture scripts). */
  files: readonly string[];
  /** One relative tolerance for every result (default: each runner's own per result). */
  tolerance?: number;
  /** Where the report lines go (default console.log). */
  print?: (line: string) => void;
}

/**
 * Checks each fixture file, prints a table per file (or `FILE: ERROR why` for a file that is missing, unreadable
 * or that no runner recognises, then goes on to the next), and returns the exit code: 0 only when every file
 * passes, else 1. An empty file list or a tolerance that is not a positive number is refused with an error.
 */
export async function parityMain(options: ParityMainOptions): Promise<number> {
  const { files, tolerance, print = console.log } = options;
  if (!files.length) throw new Error("parityMain: no fixture files given");
  if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance > 0)) {
    throw new Error(`parityMain: tolerance must be a positive number, got ${tolerance}`);
  }
  let ok = true;
  for (const file of files) {
    try {
      const report = await runParity(file, tolerance !== undefined ? { tolerance } : {});
      print(formatParityReport(report));
      ok &&= report.ok;
    } catch (e) {
      print(`${file}: ERROR ${e instanceof Error ? e.message : String(e)}`);
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
