import { flattenTree, nameRecord, openSafetensors, shapesEqual, treeLeaves, writeSafetensors, type FloatStorageDType, type Tensor } from "@diva/tensor";
import { openClipToHfClip, readTorchCheckpoint, type ClipCheckpointLayout, type ClipVisualParams } from "@diva/nn";
import { isTorchCheckpointPath } from "./clip-checkpoint.js";

/** The trained vision tower under the checkpoint's own names (`visual.*`, or HF `vision_model.*` + `visual_projection.weight`). */
export function visionStateDict(visual: ClipVisualParams, layout: ClipCheckpointLayout): Record<string, Tensor> {
  const flat = nameRecord<Tensor>();
  for (const [k, t] of Object.entries(flattenTree(visual))) flat[`visual.${k}`] = t;
  if (layout === "open_clip") return flat;
  const { tensors, unmapped } = openClipToHfClip(flat);
  const left = Object.keys(unmapped);
  if (left.length) throw new Error(`export: no Hugging Face name for ${left.slice(0, 5).join(", ")}${left.length > 5 ? ", ..." : ""}`);
  return tensors;
}

/** What the export wrote. */
export interface ClipExportReport {
  /** Vision tensors replaced by the post-trained ones. */
  readonly replaced: number;
  /** Other tensors copied from the input. */
  readonly kept: number;
}

/** Options of {@link exportPostTrainedClip}. */
export interface ClipExportOptions {
  /** The input CLIP checkpoint (safetensors or PyTorch zip). */
  readonly source: string;
  /** The post-trained vision tower (open_clip names). */
  readonly visual: ClipVisualParams;
  /** The naming of the input checkpoint. */
  readonly layout: ClipCheckpointLayout;
  /** The safetensors file to write (atomically). */
  readonly out: string;
  /** Extra `__metadata__` entries (the input's metadata is kept). */
  readonly metadata?: Readonly<Record<string, string>>;
}

const STRIP = /^(state_dict\.)?(module\.)?/;

/**
 * Writes the post-trained CLIP as safetensors with the input's tensor names, order and (for safetensors input)
 * float storage dtypes: the vision tower is replaced by the trained one, every other tensor (text tower,
 * logit scale, buffers) is copied unchanged, and the DIVA projection is not included. A PyTorch checkpoint is
 * exported as float32 safetensors under its state-dict names. The file appears atomically.
 */
export async function exportPostTrainedClip(o: ClipExportOptions): Promise<ClipExportReport> {
  if (!/\.safetensors$/i.test(o.out)) throw new Error(`export: ${o.out} must end in .safetensors (the post-trained CLIP is written as safetensors)`);
  const trained = visionStateDict(o.visual, o.layout);
  const trainedLeaves = new Set(treeLeaves(o.visual));
  // Keyed by the input file's names: prototype-less, so every name is an ordinary key.
  const original = nameRecord<Tensor>();
  const dtypes = nameRecord<FloatStorageDType>();
  let metadata: Record<string, string> = {};
  if (isTorchCheckpointPath(o.source)) {
    Object.assign(original, (await readTorchCheckpoint(o.source)).tensors);
  } else {
    const file = await openSafetensors(o.source);
    try {
      metadata = { ...file.metadata };
      for (const name of file.keys()) {
        original[name] = await file.read(name);
        const dt = file.info(name).dtype;
        if (dt === "F16" || dt === "BF16" || dt === "F32") dtypes[name] = dt;
      }
    } finally {
      await file.close();
    }
  }
  const out = nameRecord<Tensor>();
  const used = new Set<string>();
  let replaced = 0;
  for (const [name, t] of Object.entries(original)) {
    const bare = name.replace(STRIP, "");
    const mine = trained[bare];
    if (mine) {
      if (!shapesEqual(mine.shape, t.shape)) throw new Error(`export: ${name} is [${t.shape}] in ${o.source} but [${mine.shape}] after training`);
      out[name] = mine;
      used.add(bare);
      replaced++;
    } else out[name] = t;
  }
  const missing = Object.keys(trained).filter((n) => !used.has(n));
  try {
    if (missing.length) throw new Error(`export: ${o.source} has no ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""} to replace`);
    await writeSafetensors(o.out, out, { metadata: { ...metadata, ...o.metadata }, dtypes });
  } finally {
    for (const t of Object.values(original)) t.dispose();
    for (const t of Object.values(trained)) if (!trainedLeaves.has(t)) t.dispose();
  }
  return { replaced, kept: Object.keys(out).length - replaced };
}

