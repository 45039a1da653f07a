/**
 * What the safetensors and torch fuzzers share: their common options, the parent's side of running a batch of
 * cases in a child process (spawn, per-case timeout, which case was in flight when it died), the children's
 * self-check sabotage, and reading a CLI flag.
 *
 * The child protocol, one stdout line per event: `start <index>`, `done <JSON>`, and `end` after the last case.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Options both fuzzers take. */
export interface FuzzRunOptions {
  readonly seed: number;
  readonly count: number;
  /** Per-case limit (default 10 s). In-process runs can only report a case that took longer afterwards. */
  readonly timeoutMs?: number;
  /** Run the cases in this process instead of child processes (for tests; no crash or OOM isolation). */
  readonly inProcess?: boolean;
  /** Cases per child process (the default depends on the fuzzer). */
  readonly batch?: number;
  /** Run only these case indices (default 0..count-1). */
  readonly only?: readonly number[];
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const HEAP_MB = 1024;

/** How a child process ended. */
export interface ChildExit {
  /** The child printed `end`. */
  readonly ended: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** We killed it after the per-case timeout. */
  readonly timedOut: boolean;
  /** The case it had started and not finished, with the milliseconds since its start. */
  readonly inFlight?: { readonly index: number; readonly ms: number };
  /** The last 4000 characters of its stderr. */
  readonly stderr: string;
}

/**
 * Runs `node --max-old-space-size=1024 --conditions=source --import tsx ...childArgs` from the repository root,
 * calls `onDone` with the JSON of each `done` line, and kills the child when one case runs past `timeoutMs`.
 */
export function runFuzzChild(childArgs: readonly string[], timeoutMs: number, onDone: (json: string) => void): Promise<ChildExit> {
  const args = [`--max-old-space-size=${HEAP_MB}`, "--conditions=source", "--import", "tsx", ...childArgs];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  let inFlight: { index: number; started: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  let ended = false;
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith("start ")) {
      inFlight = { index: Number(line.slice(6)), started: performance.now() };
      timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
    } else if (line.startsWith("done ")) {
      clearTimeout(timer);
      onDone(line.slice(5));
      inFlight = undefined;
    } else if (line === "end") {
      ended = true;
    }
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const at = inFlight && { index: inFlight.index, ms: performance.now() - inFlight.started };
      resolve({ ended, code, signal, timedOut, stderr, ...(at ? { inFlight: at } : {}) });
    });
  });
}

/** The last `n` lines of a child's stderr on one line, for a case's note. */
export function stderrTail(stderr: string, n = 3): string {
  return stderr.trim().split("\n").slice(-n).join(" | ");
}

/**
 * Harness self-check, run by a child before each case: `<envVar>="crash:3,hang:5,oom:7"` makes it abort, hang or
 * exhaust its heap on those cases, which the parent must report as crash, timeout and oom.
 */
export function sabotage(envVar: string, index: number): void {
  for (const item of (process.env[envVar] ?? "").split(",")) {
    const [what, at] = item.split(":");
    if (Number(at) !== index) continue;
    if (what === "crash") process.abort();
    if (what === "hang") for (;;);
    if (what === "oom") {
      const hog: number[][] = [];
      for (;;) hog.push(new Array<number>(1 << 24).fill(hog.length + 0.5)); // 128 MB of heap each
    }
  }
}

/** The value after `name` in the CLI arguments, if the flag is there. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
