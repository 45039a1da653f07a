import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** Throws `what PATH does not exist` (or is not a file/folder) unless `path` is of the expected kind. */
export async function requirePath(path: string, what: string, kind: "file" | "folder" | "any" = "any", hint?: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new Error(`${what} ${path} does not exist${hint ? `; ${hint}` : ""}`);
  if (kind === "file" && !info.isFile()) throw new Error(`${what} ${path} is not a file`);
  if (kind === "folder" && !info.isDirectory()) throw new Error(`${what} ${path} is not a folder`);
}

/** Creates the folder an output file goes in; the error names the output. */
export async function prepareOutput(path: string, what: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true }).catch((e: Error) => {
    throw new Error(`${what} ${path}: cannot create its folder (${e.message})`);
  });
}
