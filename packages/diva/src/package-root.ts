import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of the package named `name` that holds the module at `moduleUrl` (its `import.meta.url`): the
 * nearest folder upwards with that package's package.json. The same from the sources (src/a/b.ts), from the
 * bundle (dist/chunk.js, dist/cli/main.js) and from an installed copy (node_modules/@diva/core/dist/...), so
 * files shipped beside dist/ (assets/) are found wherever the package lives.
 * @internal
 */
export function packageRoot(moduleUrl: string, name: string): string {
  const start = dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === name) return dir;
      } catch {
        // not a readable manifest: keep looking upwards
      }
    }
    if (dirname(dir) === dir) throw new Error(`${name}: no package.json named ${name} above ${start}`);
  }
}
