/**
 * Builds the browser check page: makes sure @diva/tensor's dist is up to date with its sources (running the
 * package's tsup build when it is not), then bundles main.ts with esbuild into examples/browser/dist/main.js.
 * The bundle resolves @diva/tensor through the package's "import" export, i.e. the built dist/index.js.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { ensureTensorBuilt } from "../ensure-built.js";

/** This example's folder. */
export const exampleDir = dirname(fileURLToPath(import.meta.url));

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
