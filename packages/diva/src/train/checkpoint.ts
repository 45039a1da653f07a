import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { flattenTree, mapTree, readSafetensors, writeSafetensors, type Tensor } from "@diva/tensor";
import type { DivaState } from "../step.js";

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

/**
 * Writes parameters, optimizer momentum and progress atomically (a temp file renamed into place, so a killed
 * run never leaves a half-written checkpoint), then removes older checkpoints beyond `keep`.
 */
export async function saveCheckpoint<V>(dir: string, state: DivaState<V>, meta: CheckpointMeta, keep = 2): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(flattenTree(state.params))) tensors[`params.${k}`] = t;
  if (state.optimizer.momentum) for (const [k, t] of Object.entries(flattenTree(state.optimizer.momentum))) tensors[`momentum.${k}`] = t;
  const path = checkpointPath(dir, state.step);
  await writeSafetensors(path, tensors, { metadata: { diva: JSON.stringify(meta), optimizerStep: String(state.optimizer.step) } });
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
      mapTree(tree, (t, p) => {
        const name = `${prefix}.${p}`;
        const v = tensors[name];
        if (!v) throw new Error(`checkpoint ${path}: missing "${name}"`);
        if (v.shape.join(",") !== t.shape.join(",")) throw new Error(`checkpoint ${path}: "${name}" is [${v.shape}] but the model has [${t.shape}]`);
        return v;
      });
    const meta = JSON.parse(metadata["diva"] ?? "null") as CheckpointMeta | null;
    if (!meta) throw new Error(`checkpoint ${path}: no "diva" metadata`);
    const params = take("params", template.params);
    const hasMomentum = Object.keys(tensors).some((k) => k.startsWith("momentum."));
    const momentum = hasMomentum ? take("momentum", template.params) : null;
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

/** Removes temporary files left by checkpoint writes that were killed (`.diva-step-*.tmp`). Returns their paths. */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => n.startsWith(`.${PREFIX}`) && n.endsWith(".tmp")).map((n) => join(dir, n));
  for (const p of stale) await rm(p, { force: true });
  return stale;
}
