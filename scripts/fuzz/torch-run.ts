/**
 * Loads one fuzz case with readTorchCheckpoint and classifies what happened:
 *   loaded-same      it loaded, with the original's names, shapes and values;
 *   loaded-changed   it loaded something else, after a mutation of the structure or the pickle (another valid file);
 *   clean-error      a TorchCheckpointError naming the file;
 *   raw-error        any other exception, or an "unreadable checkpoint" wrapper around one (a reader bug);
 *   misread          it loaded something else although only tensor bytes changed (the CRC should have caught it);
 * and, decided by the parent of the process running it: crash, timeout, oom.
 */
import type { Tensor } from "@diva/tensor";
import { readTorchCheckpoint, TorchCheckpointError } from "../../packages/nn/src/torch-pickle/index.js";
import { baseCheckpoint, type TorchCase } from "./torch-cases.js";

/** How a case ended. */
export type Outcome = "loaded-same" | "loaded-changed" | "clean-error" | "raw-error" | "misread" | "crash" | "timeout" | "oom";

/** Outcomes that fail a run. */
export const BAD_OUTCOMES: ReadonlySet<Outcome> = new Set<Outcome>(["raw-error", "misread", "crash", "timeout", "oom"]);

/** One case's result. */
export interface CaseResult {
  readonly index: number;
  readonly kind: string;
  readonly detail: string;
  readonly outcome: Outcome;
  /** The error message (first 300 characters), for errors. */
  readonly message?: string;
  readonly ms: number;
  /** Peak RSS of the process that ran it, in KiB, as of the end of the case. */
  readonly rssKb?: number;
}

/** A loaded checkpoint as plain data, for comparison. */
type Snapshot = Map<string, { shape: readonly number[]; dtype: string; values: number[] }>;

async function snapshot(tensors: Record<string, Tensor>): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const [name, t] of Object.entries(tensors)) {
    out.set(name, { shape: [...t.shape], dtype: t.dtype, values: Array.from((await t.data()) as ArrayLike<number>) });
    t.dispose();
  }
  return out;
}

function same(a: Snapshot, b: Snapshot): boolean {
  if (a.size !== b.size) return false;
  for (const [name, x] of a) {
    const y = b.get(name);
    if (!y || x.dtype !== y.dtype || x.shape.join() !== y.shape.join() || x.values.length !== y.values.length) return false;
    for (let i = 0; i < x.values.length; i++) if (!Object.is(x.values[i], y.values[i])) return false;
  }
  return true;
}

const originals = new Map<number, Promise<Snapshot>>();

function original(base: number): Promise<Snapshot> {
  let s = originals.get(base);
  if (!s) {
    s = readTorchCheckpoint(baseCheckpoint(base)).then((r) => snapshot(r.tensors));
    originals.set(base, s);
  }
  return s;
}

/** Loads case `c` (from `path` when given, else from its bytes) and classifies the result. */
export async function runTorchCase(c: TorchCase, path?: string): Promise<CaseResult> {
  const name = `fuzz-${c.index}.pt`;
  const want = await original(c.base);
  const t0 = performance.now();
  const head = { index: c.index, kind: c.kind, detail: c.detail };
  try {
    const loaded = await readTorchCheckpoint(path ?? c.bytes, { name });
    const got = await snapshot(loaded.tensors);
    const ms = performance.now() - t0;
    if (same(got, want)) return { ...head, outcome: "loaded-same", ms };
    return { ...head, outcome: c.touches === "data" ? "misread" : "loaded-changed", ms };
  } catch (e) {
    const ms = performance.now() - t0;
    const message = String((e as Error)?.message ?? e).slice(0, 300);
    const clean = e instanceof TorchCheckpointError && message.startsWith(`${name}: `) && !message.includes("unreadable checkpoint");
    return { ...head, outcome: clean ? "clean-error" : "raw-error", message, ms };
  }
}
