/**
 * Files shipped inside @diva/nn (its assets/ folder), found from this module's location upwards to the
 * package's package.json: the same from the sources (src/assets.ts) and from the bundle (dist/index.js),
 * wherever the package is installed. Node only (imports node:fs lazily, so browsers can load the module).
 */

/** open_clip's (originally OpenAI's) CLIP BPE vocabulary file name. */
export const CLIP_BPE_VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz";

/** The path of `file` in @diva/nn's assets/ folder (Node). */
export async function nnAssetPath(file: string): Promise<string> {
  const [{ existsSync, readFileSync }, { dirname, join }, { fileURLToPath }] = await Promise.all([import("node:fs"), import("node:path"), import("node:url")]);
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "@diva/nn") {
      const path = join(dir, "assets", file);
      if (!existsSync(path)) throw new Error(`@diva/nn: ${path} is missing from the installed package`);
      return path;
    }
    if (dirname(dir) === dir) throw new Error(`@diva/nn: no package.json of @diva/nn above ${start}`);
  }
}
