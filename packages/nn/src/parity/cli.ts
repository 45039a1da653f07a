/**
 * `parity FILE...`: the command-line parity check (the `diva parity` command calls {@link parityMain}; import
 * it from `@diva/nn` so that every model family has registered its runner).
 */
import { formatParityReport, runParity } from "./check.js";

/**
 * Checks each fixture file given, prints a table per file, and returns the exit code: 0 only when every
 * file passes. `--tol X` sets one relative tolerance for all results.
 */
export async function parityMain(args: readonly string[], print: (line: string) => void = console.log): Promise<number> {
  const files: string[] = [];
  let tolerance: number | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--tol") tolerance = Number(args[++i]);
    else files.push(args[i]!);
  }
  if (!files.length || (tolerance !== undefined && !(tolerance > 0))) {
    print("usage: parity [--tol X] FIXTURE.safetensors...");
    return 2;
  }
  let ok = true;
  for (const file of files) {
    try {
      const report = await runParity(file, tolerance !== undefined ? { tolerance } : {});
      print(formatParityReport(report));
      ok &&= report.ok;
    } catch (e) {
      print(`${file}: ERROR ${(e as Error).message}`);
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
