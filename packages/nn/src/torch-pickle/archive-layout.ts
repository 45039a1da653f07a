/**
 * Locates the parts of a torch.save (>= 1.6) zip archive: `<archive>/data.pkl` (the pickled object),
 * `<archive>/data/<key>` (one file per storage), and `<archive>/byteorder` (`little` or `big`; absent in files
 * written before PyTorch 2.1, which are little-endian).
 */
import { TorchCheckpointError } from "./errors.js";
import type { ZipArchive } from "./zip-archive.js";

/** Where the parts of a checkpoint archive are. */
export interface ArchiveLayout {
  /** The archive folder with a trailing slash (`archive/`, or the file stem in older PyTorch). */
  readonly prefix: string;
  /** The entry holding the pickle. */
  readonly pickle: string;
  /** True when the storages are big-endian. */
  readonly bigEndian: boolean;
}

/** The entry name of storage `key`. */
export function storageEntry(layout: ArchiveLayout, key: string): string {
  return `${layout.prefix}data/${key}`;
}

/** Finds `data.pkl` and reads the byte order; errors say what kind of file this seems to be instead. */
export async function findLayout(zip: ZipArchive, label: string): Promise<ArchiveLayout> {
  const pickles = zip.names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length === 0) {
    const hint = zip.names.some((n) => n.endsWith("constants.pkl")) ? " (a TorchScript archive?)" : "";
    throw new TorchCheckpointError(label, `no <archive>/data.pkl in the zip${hint}; not a torch.save checkpoint`);
  }
  if (pickles.length > 1) throw new TorchCheckpointError(label, `several data.pkl entries (${pickles.join(", ")})`);
  const pickle = pickles[0]!;
  const prefix = pickle.slice(0, pickle.length - "data.pkl".length);
  if (zip.names.some((n) => n.startsWith(prefix) && n.endsWith("constants.pkl"))) {
    throw new TorchCheckpointError(label, `a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save its state_dict() instead`);
  }
  let bigEndian = false;
  if (zip.sizeOf(`${prefix}byteorder`) !== undefined) {
    const text = new TextDecoder().decode(await zip.read(`${prefix}byteorder`, { maxSize: 64 })).trim();
    if (text !== "little" && text !== "big") throw new TorchCheckpointError(label, `unknown byteorder "${text.slice(0, 20)}"`);
    bigEndian = text === "big";
  }
  return { prefix, pickle, bigEndian };
}
