import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { flattenTree, mapTree, readSafetensors, shapesEqual, writeSafetensors, type Tensor } from "@diva/tensor";
import { fsReason, removeStaleTemps, syncDirectory, writeError } from "../outputs.js";
import type { DivaState } from "../step.js";
import { listSome, nonFiniteTensors } from "./finite.js";

/** Progress saved with a checkpoint so that a resumed run continues identically. */
export interface CheckpointMeta {
  /** Steps completed. */
  readonly step: number;
  /** Data records consumed (including skipped ones). */
  readonly consumed: number;
  /** The run's seed. */
  readonly seed: number;
  /** Loss of every step so far. */
  readonly losses: readonly number[];
  /** Unreadable images skipped so far. */
  readonly skipped: number;
  /** The settings that shape the loss curve; a resumed run must match them. */
  readonly run?: Readonly<Record<string, number | string | boolean>>;
}

const PREFIX = "diva-step-";

/** Path of the checkpoint for `step`. */
export function checkpointPath(dir: string, step: number): string {
  return join(dir, `${PREFIX}${String(step).padStart(7, "0")}.safetensors`);
}

/** Thrown by {@link saveCheckpoint} instead of writing a state that holds NaN or infinite values. */
export class NonFiniteStateError extends Error {
  constructor(
    /** The step of the state. */
    readonly step: number,
    /** The tensors (`params.*`, `momentum.*`) holding non-finite values. */
    readonly tensors: readonly string[],
  ) {
    super(`the parameters after step ${step} are not finite (NaN or infinity in ${listSome(tensors)})`);
    this.name = "NonFiniteStateError";
  }
}

/** The state's tensors under their checkpoint names (`params.*`, `momentum.*`). */
export function checkpointTensors<V>(state: DivaState<V>): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(flattenTree(state.params))) tensors[`params.${k}`] = t;
  if (state.optimizer.momentum) for (const [k, t] of Object.entries(flattenTree(state.optimizer.momentum))) tensors[`momentum.${k}`] = t;
  return tensors;
}

/** Throws {@link NonFiniteStateError} when a parameter or momentum tensor of `state` holds NaN or infinity. */
export async function assertFiniteState<V>(state: DivaState<V>): Promise<void> {
  const bad = await nonFiniteTensors(checkpointTensors(state));
  if (bad.length) throw new NonFiniteStateError(state.step, bad);
}

/**
 * Writes parameters, optimizer momentum and progress atomically (a temp file renamed into place and the folder
 * fsynced, so a killed run or a power cut never leaves a half-written checkpoint), then removes older
 * checkpoints beyond `keep`. A state holding NaN or infinity is never written ({@link NonFiniteStateError}),
 * so the checkpoints on disk stay the last finite ones. Write errors name the file (ENOSPC, EACCES, ...).
 */
export async function saveCheckpoint<V>(dir: string, state: DivaState<V>, meta: CheckpointMeta, keep = 2): Promise<string> {
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw new Error(`checkpoint folder ${dir}: cannot create it (${fsReason(e)})`, { cause: e });
  });
  await assertFiniteState(state);
  const tensors = checkpointTensors(state);
  const path = checkpointPath(dir, state.step);
  try {
    await writeSafetensors(path, tensors, { metadata: { diva: JSON.stringify(meta), optimizerStep: String(state.optimizer.step) } });
  } catch (e) {
    throw writeError("checkpoint", path, e);
  }
  await syncDirectory(dir);
  const all = await listCheckpoints(dir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await rm(old, { force: true });
  return path;
}

/** Checkpoint files in `dir`, oldest first. */
export async function listCheckpoints(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.startsWith(PREFIX) && n.endsWith(".safetensors"))
    .sort()
    .map((n) => join(dir, n));
}

/** A checkpoint file that could not be used, with the reason. */
export interface RejectedCheckpoint {
  /** The file. */
  readonly path: string;
  /** Why it was passed over. */
  readonly reason: string;
}

/** A checkpoint loaded into the structure of a training state. */
export interface LoadedCheckpoint<V> {
  /** Parameters and optimizer state. */
  readonly state: DivaState<V>;
  /** The saved progress. */
  readonly meta: CheckpointMeta;
  /** The file loaded. */
  readonly path: string;
  /** Newer checkpoint files that were unreadable or did not fit (skipped in favour of this one). */
  readonly rejected: readonly RejectedCheckpoint[];
}

/** Loads one checkpoint file into the structure of `template`; missing or mis-shaped entries are errors naming the key. */
export async function loadCheckpoint<V>(
  path: string,
  template: DivaState<V>,
): Promise<{
  /** Parameters and optimizer state. */
  state: DivaState<V>;
  /** The saved progress. */
  meta: CheckpointMeta;
}> {
  const { tensors, metadata } = await readSafetensors(path);
  try {
    const take = <T>(prefix: string, tree: T): T =>
      mapTree((t, p) => {
        const name = `${prefix}.${p}`;
        const v = tensors[name];
        if (!v) throw new Error(`checkpoint ${path}: missing "${name}"`);
        if (!shapesEqual(v.shape, t.shape)) throw new Error(`checkpoint ${path}: "${name}" is [${v.shape}] but the model has [${t.shape}]`);
        return v;
      }, tree);
    const meta = JSON.parse(metadata["diva"] ?? "null") as CheckpointMeta | null;
    if (!meta) throw new Error(`checkpoint ${path}: no "diva" metadata`);
    const params = take("params", template.params);
    const hasMomentum = Object.keys(tensors).some((k) => k.startsWith("momentum."));
    const momentum = hasMomentum ? take("momentum", template.params) : null;
    // written by a version that did not check: resuming from it would fail at once
    const bad = await nonFiniteTensors(tensors);
    if (bad.length) throw new Error(`checkpoint ${path}: holds NaN or infinity (in ${listSome(bad)})`);
    return { state: { params, optimizer: { step: Number(metadata["optimizerStep"] ?? meta.step), momentum }, step: meta.step }, meta };
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  }
}

/**
 * Loads the newest usable checkpoint of `dir` into the structure of `template` (the freshly initialised
 * state), or null when there is none. A newest file that cannot be read (say, copied in half by hand) is
 * passed over for the one before it and listed in `rejected`; if none can be read, the error names them all.
 * Temporary files of interrupted writes are never considered.
 */
export async function loadLatestCheckpoint<V>(dir: string, template: DivaState<V>): Promise<LoadedCheckpoint<V> | null> {
  const all = await listCheckpoints(dir);
  const rejected: RejectedCheckpoint[] = [];
  for (const path of all.reverse()) {
    try {
      const { state, meta } = await loadCheckpoint(path, template);
      return { state, meta, path, rejected };
    } catch (e) {
      rejected.push({ path, reason: (e as Error).message });
    }
  }
  if (rejected.length) throw new Error(`no usable checkpoint in ${dir}:\n${rejected.map((r) => `  ${r.path}: ${r.reason}`).join("\n")}`);
  return null;
}

/**
 * Removes temporary files left by checkpoint writes that were killed (`.diva-step-NNNNNNN.safetensors.<pid>.<random>.tmp`,
 * whose process is gone). Returns their paths.
 * @internal
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  return removeStaleTemps(dir, (target) => target.startsWith(PREFIX) && target.endsWith(".safetensors"));
}
