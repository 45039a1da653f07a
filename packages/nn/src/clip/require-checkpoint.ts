import { clipCheckpointHint } from "../presets/sources.js";

/**
 * Fails with what is missing and how to get it when a CLIP checkpoint path is not a readable file (instead
 * of the file system's bare ENOENT). Node only.
 * @internal
 */
export async function requireClipCheckpoint(path: string, what = "loadClip"): Promise<void> {
  const { stat } = await import("node:fs/promises");
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") throw new Error(`${what}: the CLIP checkpoint ${path} does not exist; ${clipCheckpointHint()}`);
    throw new Error(`${what}: the CLIP checkpoint ${path} cannot be read (${e.message})`);
  });
  if (!info.isFile()) throw new Error(`${what}: the CLIP checkpoint ${path} is not a file (give the .safetensors, .pt or .bin file)`);
}
