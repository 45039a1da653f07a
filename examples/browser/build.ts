/**
 * Builds the browser check page: makes sure @diva/tensor's dist is up to date with its sources (running the
 * package's tsup build when it is not), then bundles main.ts with esbuild into examples/browser/dist/main.js.
 * The bundle resolves @diva/tensor through the package's "import" export, i.e. the built dist/index.js.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** This example's folder. */
export const exampleDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(exampleDir, "..", "..");
const tensorDir = join(repoRoot, "packages", "tensor");

/** Newest modification time of the files under `dir` (recursively), in ms. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Rebuilds @diva/tensor (npm run build) when dist/index.js is missing or older than a source file. */
export function ensureTensorBuilt(): void {
  const dist = join(tensorDir, "dist", "index.js");
  if (existsSync(dist) && statSync(dist).mtimeMs >= newestMtime(join(tensorDir, "src"))) return;
  execFileSync("npm", ["run", "build", "-w", "packages/tensor"], { cwd: repoRoot, stdio: "pipe" });
}

/** Bundles the page script; returns the path of the bundle. */
export async function buildPage(): Promise<string> {
  ensureTensorBuilt();
  const outfile = join(exampleDir, "dist", "main.js");
  await build({
    entryPoints: [join(exampleDir, "main.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    logLevel: "warning",
    // Node-only modules the package imports lazily (Dawn, fs, worker_threads) are never loaded in a browser.
    external: ["webgpu", "node:*", "fs", "fs/promises", "path", "url", "worker_threads"],
  });
  return outfile;
}
