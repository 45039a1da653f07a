/**
 * The demo's temporary folder (synthetic benchmark and training images, about 11 MB): removed when the run
 * ends, when the process exits, and on SIGINT / SIGTERM; folders that earlier runs left behind (killed with
 * SIGKILL, crashed) are removed on the next start. Each folder holds its owner's pid; a folder whose owner
 * is no longer running is stale.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Prefix of the demo's temporary folders in the system's temporary folder. */
const DEMO_WORK_PREFIX = "diva-demo-";
const OWNER_FILE = "owner.pid";
/** A folder without an owner file (an older version's, or one being created right now) is stale after this. */
const UNOWNED_STALE_MS = 60 * 60_000;

/** A temporary folder that removes itself; `dispose()` when done. */
interface DemoWorkDir {
  readonly path: string;
  /** Removes the folder and the exit / signal handlers (idempotent). */
  dispose(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the `prefix` folders under `base` whose owner process is gone (or unowned and old); returns them. */
export function removeStaleDemoDirs(base = tmpdir(), prefix = DEMO_WORK_PREFIX, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(base, name);
    try {
      if (!statSync(dir).isDirectory()) continue;
      let stale: boolean;
      try {
        const pid = Number(readFileSync(join(dir, OWNER_FILE), "utf8").trim());
        stale = !Number.isInteger(pid) || pid <= 0 || (pid !== process.pid && !alive(pid));
      } catch {
        stale = now - statSync(dir).mtimeMs > UNOWNED_STALE_MS;
      }
      if (stale) {
        rmSync(dir, { recursive: true, force: true });
        removed.push(dir);
      }
    } catch {
      // vanished meanwhile, or not ours to remove: leave it
    }
  }
  return removed;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Makes the demo's temporary folder under `base` (first removing stale ones), marked with this process's pid,
 * removed on exit and on SIGINT / SIGTERM (after which the signal's default action, termination, still
 * happens unless another handler takes care of it).
 */
export function makeDemoWorkDir(base = tmpdir(), prefix = DEMO_WORK_PREFIX): DemoWorkDir {
  removeStaleDemoDirs(base, prefix);
  const path = mkdtempSync(join(base, prefix));
  writeFileSync(join(path, OWNER_FILE), `${process.pid}\n`);
  let done = false;
  const remove = () => rmSync(path, { recursive: true, force: true });
  const onExit = () => remove();
  const onSignal = (signal: NodeJS.Signals) => {
    dispose();
    // Ours was a listener, so Node did not terminate: re-raise unless someone else handles the signal.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const dispose = () => {
    if (done) return;
    done = true;
    process.off("exit", onExit);
    for (const s of SIGNALS) process.off(s, onSignal);
    remove();
  };
  process.on("exit", onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
  return { path, dispose };
}
