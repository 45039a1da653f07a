/**
 * Parity fixtures: safetensors files holding a model's weights under their state-dict names, inputs
 * (`input.*`), expected results (`output.*`, `intermediate.*`, `grad.*`) and, in `__metadata__`, JSON strings
 * `config` (the model config) and `names` (what each tensor is).
 */
import { checkJsonKeys, checkNames, dispose, nameRecord, readSafetensors, type Tensor } from "@diva/tensor";

/** A fixture file split into its parts. */
export interface Fixture {
  /** Fixture name (`__metadata__.fixture`, else the file name). */
  name: string;
  /** The file path, when read from one (runners resolve companion files, like a BPE vocabulary, beside it). */
  source?: string;
  /** Parsed `__metadata__.config` ({} if absent). */
  config: Record<string, unknown>;
  /** Parsed `__metadata__.names` ({} if absent). */
  names: Record<string, unknown>;
  /** Raw metadata strings. */
  metadata: Record<string, string>;
  /** Model weights (names without a reserved prefix). */
  weights: Record<string, Tensor>;
  /** Inputs by name without the `input.` prefix. */
  inputs: Record<string, Tensor>;
  /** Expected results by full name (`output.x`, `intermediate.x`, `grad.x`). */
  expected: Record<string, Tensor>;
}

/** Prefixes that mark non-weight tensors. */
const RESERVED_PREFIXES = ["input.", "output.", "intermediate.", "grad."] as const;

function parseObject(text: string | undefined, field: string, file: string): Record<string, unknown> {
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${file}: __metadata__.${field} is not a JSON object`);
  return checkJsonKeys(v as Record<string, unknown>, `${file}: __metadata__.${field}`);
}

/** A clear error for a fixture path that does not exist; other errors (which name the file) pass through. */
function fileError(path: string, e: unknown): unknown {
  const missing = (e as { code?: unknown } | null)?.code === "ENOENT";
  return missing ? new Error(`parity: fixture file ${path} does not exist`) : e;
}

/** Reads a fixture (path or bytes). Every tensor is loaded; dispose with {@link disposeFixture}. */
export async function loadFixture(source: string | Uint8Array, label = typeof source === "string" ? source : "fixture"): Promise<Fixture> {
  const { tensors, metadata } = await readSafetensors(source).catch((e: unknown) => {
    throw typeof source === "string" ? fileError(source, e) : e;
  });
  let config: Record<string, unknown>;
  let names: Record<string, unknown>;
  // Names become keys of the records below and paths of parameter trees: refuse prototype-reaching ones.
  try {
    checkNames(Object.keys(tensors), label);
    checkNames(Object.keys(metadata), `${label}: __metadata__`);
    config = parseObject(metadata.config, "config", label);
    names = parseObject(metadata.names, "names", label);
  } catch (e) {
    dispose(tensors);
    throw e;
  }
  const weights = nameRecord<Tensor>();
  const inputs = nameRecord<Tensor>();
  const expected = nameRecord<Tensor>();
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith("input.")) inputs[name.slice(6)] = t;
    else if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) expected[name] = t;
    else weights[name] = t;
  }
  const base = label.split(/[\\/]/).pop()!.replace(/\.safetensors$/, "");
  return {
    name: metadata.fixture ?? base,
    ...(typeof source === "string" ? { source } : {}),
    config,
    names,
    metadata,
    weights,
    inputs,
    expected,
  };
}

/** Frees every tensor of a fixture. */
export function disposeFixture(f: Fixture): void {
  dispose([f.weights, f.inputs, f.expected]);
}

/** A tensor of the fixture by its name in the file (`output.x`, `input.y`, a weight name), or undefined. */
export function fixtureTensor(f: Fixture, name: string): Tensor | undefined {
  return name.startsWith("input.") ? f.inputs[name.slice(6)] : (f.expected[name] ?? f.weights[name]);
}

/** Every tensor name of the fixture as in the file: weights, then `input.*`, then the expected results. */
export function fixtureTensorNames(f: Fixture): string[] {
  return [...Object.keys(f.weights), ...Object.keys(f.inputs).map((n) => `input.${n}`), ...Object.keys(f.expected)];
}
