/** Where the shared parity fixtures live: $DIVA_FIXTURES, else ../shared/fixtures beside the repository. */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The fixtures folder, or null (with the reason printed) when it is absent. */
export function sharedFixturesDir(): string | null {
  const dir = process.env.DIVA_FIXTURES ?? resolve(repoRoot, "../shared/fixtures");
  if (existsSync(dir)) return dir;
  console.warn(`skipping shared-fixture parity tests: ${dir} does not exist (set DIVA_FIXTURES to its location)`);
  return null;
}
