import { readFile } from "node:fs/promises";
import type { ConditionSpec } from "./condition.js";
import { getPreset, PRESETS, type DivaPreset } from "./presets.js";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Objects replaced whole rather than merged (a condition of another kind must not keep the base's fields). */
const WHOLE = new Set(["condition", "normalization"]);

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(base[k]) && !WHOLE.has(k) ? merge(base[k] as Json, v) : v;
  return out;
}

function checkNumber(p: Json, path: string, where: string): void {
  const parts = path.split(".");
  let v: unknown = p;
  for (const k of parts) v = isObject(v) ? v[k] : undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new Error(`${where}: "${path}" must be a positive number, got ${JSON.stringify(v)}`);
}

function checkCondition(c: unknown, where: string): asserts c is ConditionSpec {
  if (!isObject(c)) throw new Error(`${where}: "condition" must be an object`);
  if (c.text !== "add" && c.text !== "mean") throw new Error(`${where}: "condition.text" must be "add" or "mean", got ${JSON.stringify(c.text)}`);
  if (c.kind === "clsAllPatches") return;
  if (c.kind === "clsRandomPatches" && Number.isInteger(c.numPatches) && (c.numPatches as number) > 0) return;
  if (c.kind === "pooledAvgPool" && Number.isInteger(c.window) && (c.window as number) > 0) return;
  throw new Error(`${where}: "condition" must be {kind: "clsAllPatches"}, {kind: "clsRandomPatches", numPatches} or {kind: "pooledAvgPool", window} with "text"`);
}

/**
 * A preset from JSON: the fields of a DivaPreset, optionally on top of a known preset named by `"base"`
 * (objects are merged key by key, so `{"base": "openai-vit-l-14", "recipe": {"steps": 10}}` works; `condition` and
 * `normalization` are replaced whole).
 * Errors name the file and the field.
 */
export function presetFromJson(json: unknown, where = "preset"): DivaPreset {
  if (!isObject(json)) throw new Error(`${where}: a preset must be a JSON object`);
  const { base, ...rest } = json;
  const p = typeof base === "string" ? merge(getPreset(base) as unknown as Json, rest) : rest;
  if (typeof p.name !== "string" || !p.name) throw new Error(`${where}: "name" must be a non-empty string`);
  for (const f of ["vision.imageSize", "crossAttentionDim", "recipe.lr", "recipe.momentum", "recipe.clipNorm", "recipe.imagesPerStep", "recipe.steps", "recipe.drawsPerImage", "recipe.vaeCrop.size"]) {
    checkNumber(p, f, where);
  }
  const norm = p.normalization;
  if (!isObject(norm) || !Array.isArray(norm.mean) || norm.mean.length !== 3 || !Array.isArray(norm.std) || norm.std.length !== 3) {
    throw new Error(`${where}: "normalization" must be {mean: [r, g, b], std: [r, g, b]}`);
  }
  checkCondition(p.condition, where);
  const recipe = p.recipe as Json;
  if (typeof recipe.warmupFraction !== "number" || recipe.warmupFraction < 0 || recipe.warmupFraction >= 1) {
    throw new Error(`${where}: "recipe.warmupFraction" must be a number in [0, 1)`);
  }
  return p as unknown as DivaPreset;
}

/** A preset by name, or read from a `.json` file; an unknown name lists the known ones. */
export async function resolvePreset(spec: string): Promise<DivaPreset> {
  if (!spec.endsWith(".json")) {
    if (!PRESETS[spec]) throw new Error(`unknown preset "${spec}"; known presets: ${Object.keys(PRESETS).join(", ")} (or a preset .json file)`);
    return getPreset(spec);
  }
  let text: string;
  try {
    text = await readFile(spec, "utf8");
  } catch {
    throw new Error(`preset file ${spec} does not exist`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`preset file ${spec}: invalid JSON (${(e as Error).message})`);
  }
  return presetFromJson(json, `preset file ${spec}`);
}
