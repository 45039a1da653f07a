import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { flattenTree, mapTree, readSafetensors, writeSafetensors, type Tensor } from "@diva/tensor";
import type { DivaState } from "../step.js";

/** Progress saved with a checkpoint so that a resumed run continues identically. */
export interface CheckpointMeta {
  readonly step: number;
  /** Data records consumed (including skipped ones). */
  readonly consumed: number;
  readonly seed: number;
  readonly losses: readonly number[];
  readonly skipped: number;
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

/**
 * Loads the newest checkpoint of `dir` into the structure of `template` (the freshly initialised state), or
 * null when there is none. Missing or mis-shaped entries are errors naming the key.
 */
export async function loadLatestCheckpoint<V>(dir: string, template: DivaState<V>): Promise<{ state: DivaState<V>; meta: CheckpointMeta; path: string } | null> {
  const all = await listCheckpoints(dir);
  const path = all.at(-1);
  if (!path) return null;
  const { tensors, metadata } = await readSafetensors(path);
  const take = <T>(prefix: string, tree: T): T =>
    mapTree(tree, (t, p) => {
      const name = `${prefix}.${p}`;
      const v = tensors[name];
      if (!v) throw new Error(`checkpoint ${path}: missing "${name}"`);
      if (v.shape.join(",") !== t.shape.join(",")) throw new Error(`checkpoint ${path}: "${name}" is [${v.shape}] but the model has [${t.shape}]`);
      return v;
    });
  const params = take("params", template.params);
  const hasMomentum = Object.keys(tensors).some((k) => k.startsWith("momentum."));
  const momentum = hasMomentum ? take("momentum", template.params) : null;
  const meta = JSON.parse(metadata["diva"] ?? "null") as CheckpointMeta | null;
  if (!meta) throw new Error(`checkpoint ${path}: no "diva" metadata`);
  return { state: { params, optimizer: { step: Number(metadata["optimizerStep"] ?? meta.step), momentum }, step: meta.step }, meta, path };
}
