import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOTDIR: "a part of the path is a file, not a folder",
  EEXIST: "a part of the path exists and is not a folder",
  ENOENT: "a part of the path does not exist",
};

/** `no space left on device (ENOSPC)` for a Node fs error, else its message. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return e instanceof Error ? e.message : String(e);
}

/** An error `what PATH: cannot write (reason)`, the original as its cause. */
export function writeError(what: string, path: string, e: unknown): Error {
  return new Error(`${what} ${path}: cannot write (${fsReason(e)})`, { cause: e });
}

/**
 * fsyncs a folder so that a file renamed into it survives a crash or power cut (the rename is recorded in the
 * folder, not in the file). Platforms that cannot fsync a folder (EISDIR, EINVAL, EPERM/EBADF on Windows) are
 * ignored; other errors are thrown, naming the folder.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EISDIR" || code === "EINVAL" || (process.platform === "win32" && (code === "EPERM" || code === "EBADF"))) return;
    throw new Error(`${dir}: cannot fsync the folder (${fsReason(e)})`, { cause: e });
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Basename of the probe files {@link probeWritableDir} writes (in the temporary-file pattern, so a killed run's probe is cleaned up). */
const PROBE_NAME = "diva-write-probe";

/** `.<target>.<pid>.<random>.tmp`: how writeSafetensors (and the probe) name temporary files. */
const TEMP = /^\.(.+)\.(\d+)\.([0-9a-z]+)\.tmp$/;

/**
 * Creates `dir` if needed and proves that files can be written there: writes 4 KiB to a probe file, fsyncs it
 * and removes it. The error names `what` and the folder, with the reason (ENOSPC, EACCES, EROFS, ...).
 */
export async function probeWritableDir(dir: string, what: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw new Error(`${what} ${dir}: cannot create the folder (${fsReason(e)})`, { cause: e });
  });
  const probe = join(dir, `.${PROBE_NAME}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(probe, "wx");
    await handle.write(new Uint8Array(4096));
    await handle.sync();
  } catch (e) {
    throw new Error(`${what} ${dir} is not writable (${fsReason(e)})`, { cause: e });
  } finally {
    await handle?.close().catch(() => undefined);
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes temporary files that writes into `dir` left behind when their process was killed: names in our
 * temporary pattern `.<target>.<pid>.<random>.tmp` whose target passes `isOurs` (write probes always do) and
 * whose process is gone. Files of a live process (another run writing now) are left alone. Returns the paths removed.
 */
export async function removeStaleTemps(dir: string, isOurs: (target: string) => boolean): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const n of names) {
    const m = TEMP.exec(n);
    if (!m || !(m[1] === PROBE_NAME || isOurs(m[1]!)) || processAlive(Number(m[2]))) continue;
    const p = join(dir, n);
    await rm(p, { force: true });
    removed.push(p);
  }
  return removed;
}

/**
 * Checks before training that the outputs can be written, so that a read-only or full output never costs the
 * training: the folder of `out` and the checkpoint folder (when given) are created if needed and probed with
 * a small written file; temporary files of exports of `out` that a killed run left are removed (reported
 * through `log`). Errors name the path.
 */
export async function checkOutputs(out: string, checkpointDir: string | undefined, log?: (message: string) => void): Promise<void> {
  await probeWritableDir(dirname(out), `out ${out}: its folder`);
  const stale = await removeStaleTemps(dirname(out), (target) => target === basename(out));
  if (stale.length) log?.(`removed ${stale.length} temporary file(s) of an interrupted export of ${out}: ${stale.join(", ")}`);
  if (checkpointDir) await probeWritableDir(checkpointDir, "checkpoint folder");
}

/** Writes `path` with `write` (an atomic rename into place), naming the path in its errors, then fsyncs its folder. */
export async function writeOutput<T>(what: string, path: string, write: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await write();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw writeError(what, path, e);
    throw e;
  }
  await syncDirectory(dirname(path));
  return result;
}
