/**
 * Makes sure packages/tensor/dist is built from the current sources, for the examples that use the built
 * package. Test files run in parallel processes, so the rebuild is serialised with a lock directory (atomic
 * mkdir) in the system's temporary folder.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const tensorDir = join(repoRoot, "packages", "tensor");
const lockDir = join(tmpdir(), `diva-tensor-build-${createHash("sha1").update(repoRoot).digest("hex").slice(0, 12)}.lock`);

/** Newest modification time of the files under `dir` (recursively), in ms. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when dist/index.js exists and is newer than every source file. */
function fresh(): boolean {
  const dist = join(tensorDir, "dist", "index.js");
  return existsSync(dist) && statSync(dist).mtimeMs >= newestMtime(join(tensorDir, "src"));
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes the lock (waiting up to 5 minutes; a lock older than 10 minutes is considered abandoned). */
function lock(): void {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      return;
    } catch {
      if (existsSync(lockDir) && Date.now() - statSync(lockDir).mtimeMs > 600_000) rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockDir}`);
      sleep(200);
    }
  }
}

/** Rebuilds @diva/tensor (`npm run build -w packages/tensor`) when its dist is missing or older than a source. */
export function ensureTensorBuilt(): void {
  if (fresh()) return;
  lock();
  try {
    if (!fresh()) execFileSync("npm", ["run", "build", "-w", "packages/tensor"], { cwd: repoRoot, stdio: "pipe" });
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
