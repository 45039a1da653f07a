/**
 * Loads one fuzz case with our reader and classifies the result against the independent oracle.
 *
 * Outcomes:
 * - `clean-error`: an Error whose message begins with the file's name (the path, or "safetensors bytes");
 * - `raw-error`: any other throw (a TypeError, a RangeError from an allocation, a message not naming the file);
 * - `loaded-same`: loaded exactly the tensors (names, dtypes, shapes, values) and metadata of the original;
 * - `loaded-data-changed`: a mutation of tensor data bytes only, loaded with the changed values (the format has
 *   no checksum), which equal the oracle's decoding of the mutated file;
 * - `loaded-other-valid`: a header mutation whose result is itself a valid file by the format (a renamed
 *   tensor, two same-size dtypes swapped, dims reordered with the same element count...), loaded exactly as
 *   the oracle decodes it; no reader can tell it from an intended file;
 * - `misread`: loaded, but the format forbids the file (holes, overlaps, trailing bytes, a wrong size...) or the
 *   loaded tensors differ from the oracle's decoding of the same bytes. This is the silent misread the reader
 *   must never do: a layout change (header length, offsets, truncation, trailing bytes) always either errors
 *   or loads exactly what the format says the bytes hold.
 * The child-process harness adds `crash`, `timeout` and `oom`.
 */
import { readSafetensors } from "@diva/tensor";
import type { FuzzCase } from "./safetensors-cases.js";
import { difference, oracleDecode, type OracleFile, type OracleTensor } from "./safetensors-oracle.js";

/** How one case ended. */
export type Outcome =
  | "loaded-same"
  | "loaded-data-changed"
  | "loaded-other-valid"
  | "clean-error"
  | "raw-error"
  | "misread"
  | "crash"
  | "timeout"
  | "oom";

/** Outcomes that fail the run. */
export const BAD_OUTCOMES: readonly Outcome[] = ["raw-error", "misread", "crash", "timeout", "oom"];

/** The result of one case. */
export interface CaseResult {
  readonly index: number;
  readonly kind: string;
  readonly detail: string;
  readonly outcome: Outcome;
  /** The error message, the difference found, or what killed the process. */
  readonly note: string;
  /** Wall-clock time of the load and the checks, in ms. */
  readonly ms: number;
  /** Wall-clock time of readSafetensors and the readback of the tensors alone, in ms. */
  readonly loadMs: number;
  /** CPU time (user + system) of the whole case, in ms: on a busy machine wall time can be many times more. */
  readonly cpuMs: number;
}

/**
 * Loads `c` (from `path` when given, else from its bytes) and classifies the result; `original` is the
 * oracle's decoding of the valid file the case was made from.
 */
export async function runCase(c: FuzzCase, original: OracleFile, path?: string): Promise<CaseResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let loadMs = 0;
  const done = (outcome: Outcome, note: string): CaseResult => ({
    index: c.index,
    kind: c.kind,
    detail: c.detail,
    outcome,
    note: note.length > 300 ? `${note.slice(0, 300)}...` : note,
    ms: Math.round(performance.now() - t0),
    loadMs,
    cpuMs: cpuMs(cpu0),
  });
  let loaded: OracleFile;
  try {
    loaded = await load(path ?? c.bytes);
    loadMs = Math.round(performance.now() - t0);
  } catch (e) {
    loadMs = Math.round(performance.now() - t0);
    const source = path ?? "safetensors bytes";
    if (e instanceof Error && e.message.startsWith(`${source}: `)) return done("clean-error", e.message.slice(source.length + 2));
    return done("raw-error", e instanceof Error ? `${e.name}: ${e.message}` : `non-Error thrown: ${String(e)}`);
  }
  const spec = oracleDecode(c.bytes);
  if ("invalid" in spec) return done("misread", `loaded a file the format forbids (${spec.invalid})`);
  const wrong = difference(loaded, spec);
  if (wrong !== undefined) return done("misread", `loaded tensors differ from the file's contents: ${wrong}`);
  const changed = difference(spec, original);
  if (changed === undefined) return done("loaded-same", "");
  return done(c.semantic === "data" ? "loaded-data-changed" : "loaded-other-valid", changed);
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return Math.round((d.user + d.system) / 1000);
}

async function load(source: string | Uint8Array): Promise<OracleFile> {
  const { tensors, metadata } = await readSafetensors(source);
  const out = new Map<string, OracleTensor>();
  try {
    for (const [name, t] of Object.entries(tensors)) {
      const values = t.size === 0 ? [] : Array.from(await t.data(), Number); // skip the readback of empty tensors
      out.set(name, { dtype: t.dtype, shape: [...t.shape], values });
    }
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  return { tensors: out, metadata };
}
