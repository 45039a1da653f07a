/**
 * What `npm pack` would publish for each package (a dry run, no build needed): README, LICENSE, description
 * and repository; the assets the code reads at run time (the demo models, CLIP's vocabulary); no test files;
 * `webgpu` optional. The full pack-install-run check is pack-install.test.ts (CI only: it is slow).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

interface Manifest {
  name: string;
  description?: string;
  license?: string;
  repository?: { type: string; url: string; directory: string };
  exports?: Record<string, { source: string; types: string; import: string }>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function packedFiles(dir: string): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: join(root, dir), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

const PACKAGES = [
  { dir: "packages/tensor", assets: [] as string[] },
  { dir: "packages/nn", assets: ["assets/bpe_simple_vocab_16e6.txt.gz", "assets/LICENSE-bpe_simple_vocab_16e6.txt"] },
  { dir: "packages/diva", assets: ["assets/demo/tiny-clip.safetensors", "assets/demo/tiny-unet.safetensors", "assets/demo/tiny-vae.safetensors"] },
];

describe.each(PACKAGES)("npm pack of $dir", ({ dir, assets }) => {
  it("ships README, LICENSE, its assets and sources, and no tests", () => {
    const files = packedFiles(dir);
    expect(files).toEqual(expect.arrayContaining(["README.md", "LICENSE", "package.json", "src/index.ts", ...assets]));
    expect(files.filter((f) => /\.(test|fixture)\.ts$/.test(f))).toEqual([]);
  });

  it("has a description, the MIT license and a repository with its folder", () => {
    const m = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as Manifest;
    expect(m.description?.length).toBeGreaterThan(40);
    expect(m.license).toBe("MIT");
    expect(readFileSync(join(root, dir, "LICENSE"), "utf8")).toContain("MIT License");
    expect(m.repository).toMatchObject({ type: "git", directory: dir });
    expect(m.dependencies ?? {}).not.toHaveProperty("webgpu");
  });

  it("ships the source of every entry point (exports) and builds each one", () => {
    const m = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as Manifest;
    const entries = Object.values(m.exports ?? {});
    expect(entries.length).toBeGreaterThan(0);
    const files = packedFiles(dir);
    for (const e of entries) {
      expect(files, e.source).toContain(e.source.replace(/^\.\//, ""));
      // tsup writes src/x/index.ts to dist/x/index.js: the build command must name each entry's source
      expect(m.scripts?.build, e.source).toContain(e.source.replace(/^\.\//, ""));
      expect(e.import, e.source).toBe(e.source.replace(/^\.\/src\//, "./dist/").replace(/\.ts$/, ".js"));
      expect(e.types, e.source).toBe(e.source.replace(/^\.\/src\//, "./dist/").replace(/\.ts$/, ".d.ts"));
    }
  });
});
