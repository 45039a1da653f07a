import { readFile } from "node:fs/promises";
import { checkJsonKeys } from "@diva/tensor";
import type { ConditionSpec } from "./condition.js";
import { getPreset, PRESETS, type DivaPreset } from "./presets.js";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Objects replaced whole rather than merged (a condition of another kind must not keep the base's fields). */
const WHOLE = new Set(["condition", "normalization", "trainNormalization", "evalNormalization"]);

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

function checkNormalization(v: unknown, field: string, where: string): void {
  const ok = (a: unknown) => Array.isArray(a) && a.length === 3 && a.every((x) => typeof x === "number" && Number.isFinite(x));
  if (!isObject(v) || !ok(v.mean) || !ok(v.std) || (v.std as number[]).some((x) => x <= 0)) {
    throw new Error(`${where}: "${field}" must be {mean: [r, g, b], std: [r, g, b]} with positive std`);
  }
}

function checkChoice(obj: Json, key: string, path: string, allowed: readonly string[], where: string): void {
  if (!allowed.includes(obj[key] as string)) {
    throw new Error(`${where}: "${path}" must be ${allowed.map((a) => `"${a}"`).join(" or ")}, got ${JSON.stringify(obj[key])}`);
  }
}

function checkPair(v: unknown, path: string, where: string): void {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === "number" && Number.isFinite(x) && x > 0) || v[0] > v[1]) {
    throw new Error(`${where}: "${path}" must be [low, high] with 0 < low <= high, got ${JSON.stringify(v)}`);
  }
}

function checkRecipe(recipe: unknown, where: string): void {
  if (!isObject(recipe)) throw new Error(`${where}: "recipe" must be an object`);
  if (typeof recipe.warmupFraction !== "number" || recipe.warmupFraction < 0 || recipe.warmupFraction >= 1) {
    throw new Error(`${where}: "recipe.warmupFraction" must be a number in [0, 1)`);
  }
  if (typeof recipe.weightDecay !== "number" || !Number.isFinite(recipe.weightDecay) || recipe.weightDecay < 0) {
    throw new Error(`${where}: "recipe.weightDecay" must be a non-negative number, got ${JSON.stringify(recipe.weightDecay)}`);
  }
  checkChoice(recipe, "drawWeighting", "recipe.drawWeighting", ["reference", "mean"], where);
  const w = recipe.drawWeights;
  if (!Array.isArray(w) || w.length < 1 || w.length > 64 || !w.every((x) => typeof x === "number" && Number.isFinite(x) && x >= 0)) {
    throw new Error(`${where}: "recipe.drawWeights" must be a list of non-negative numbers (the reference: [5, 1]), got ${JSON.stringify(w)}`);
  }
  checkChoice(recipe, "clipView", "recipe.clipView", ["reference", "source-bicubic"], where);
  checkChoice(recipe, "vaeInput", "recipe.vaeInput", ["reference", "clean"], where);
  checkChoice(recipe, "precision", "recipe.precision", ["bf16-autocast", "float32"], where);
  const crop = recipe.vaeCrop as Json;
  checkPair(crop.scale, "recipe.vaeCrop.scale", where);
  if (crop.ratio !== undefined) checkPair(crop.ratio, "recipe.vaeCrop.ratio", where);
}

function checkEval(e: unknown, where: string): void {
  if (!isObject(e)) throw new Error(`${where}: "eval" must be an object {tokenizer, contextLength, resize, paperFeatures}`);
  checkChoice(e, "tokenizer", "eval.tokenizer", ["clip-bpe", "sentencepiece"], where);
  if (!Number.isInteger(e.contextLength) || (e.contextLength as number) < 1 || (e.contextLength as number) > 4096) {
    throw new Error(`${where}: "eval.contextLength" must be an integer in [1, 4096], got ${JSON.stringify(e.contextLength)}`);
  }
  checkChoice(e, "resize", "eval.resize", ["shorter-side-crop", "squash"], where);
  checkChoice(e, "paperFeatures", "eval.paperFeatures", ["cls-random-patch-mean", "l2-cls-patch-mean", "cls", "pooled"], where);
  if (e.paperPatchTokens !== undefined && !(Number.isInteger(e.paperPatchTokens) && (e.paperPatchTokens as number) > 0)) {
    throw new Error(`${where}: "eval.paperPatchTokens" must be a positive integer, got ${JSON.stringify(e.paperPatchTokens)}`);
  }
}

function checkCondition(c: unknown, where: string): asserts c is ConditionSpec {
  if (!isObject(c)) throw new Error(`${where}: "condition" must be an object`);
  if (c.text !== "add" && c.text !== "mean") throw new Error(`${where}: "condition.text" must be "add" or "mean", got ${JSON.stringify(c.text)}`);
  if (c.kind === "clsAllPatches" || c.kind === "clsOnly") return;
  if (c.kind === "clsRandomPatches" && Number.isInteger(c.numPatches) && (c.numPatches as number) > 0) return;
  if (c.kind === "pooledAvgPool" && Number.isInteger(c.window) && (c.window as number) > 0) return;
  throw new Error(`${where}: "condition" must be {kind: "clsAllPatches"}, {kind: "clsOnly"}, {kind: "clsRandomPatches", numPatches} or {kind: "pooledAvgPool", window} with "text"`);
}

/**
 * A preset from JSON: the fields of a DivaPreset, optionally on top of a known preset named by `"base"`
 * (objects are merged key by key, so `{"base": "openai-vit-l-14", "recipe": {"steps": 10}}` works; `condition` and
 * the normalisations are replaced whole). `normalization` sets both `trainNormalization` and
 * `evalNormalization` (the form of earlier preset files).
 * Errors name the file and the field.
 */
export function presetFromJson(json: unknown, where = "preset"): DivaPreset {
  if (!isObject(json)) throw new Error(`${where}: a preset must be a JSON object`);
  checkJsonKeys(json, where); // "__proto__" and friends would reach prototypes when merged
  const { base, normalization, ...rest } = json;
  if (normalization !== undefined) {
    checkNormalization(normalization, "normalization", where);
    if (!Object.hasOwn(rest, "trainNormalization")) rest.trainNormalization = normalization;
    if (!Object.hasOwn(rest, "evalNormalization")) rest.evalNormalization = normalization;
  }
  if (typeof base === "string" && !Object.hasOwn(PRESETS, base)) {
    throw new Error(`${where}: "base": unknown preset ${JSON.stringify(base)}; known presets: ${Object.keys(PRESETS).join(", ")}`);
  }
  const p = typeof base === "string" ? merge(getPreset(base) as unknown as Json, rest) : rest;
  if (typeof p.name !== "string" || !p.name) throw new Error(`${where}: "name" must be a non-empty string`);
  for (const f of ["vision.imageSize", "crossAttentionDim", "recipe.lr", "recipe.momentum", "recipe.clipNorm", "recipe.imagesPerStep", "recipe.steps", "recipe.drawsPerImage", "recipe.vaeCrop.size"]) {
    checkNumber(p, f, where);
  }
  checkNormalization(p.trainNormalization, "trainNormalization", where);
  checkNormalization(p.evalNormalization, "evalNormalization", where);
  checkCondition(p.condition, where);
  checkRecipe(p.recipe, where);
  checkEval(p.eval, where);
  return p as unknown as DivaPreset;
}

/** A preset by name, or read from a `.json` file; an unknown name lists the known ones. */
export async function resolvePreset(spec: string): Promise<DivaPreset> {
  if (!spec.endsWith(".json")) {
    if (!Object.hasOwn(PRESETS, spec)) throw new Error(`unknown preset "${spec}"; known presets: ${Object.keys(PRESETS).join(", ")} (or a preset .json file)`);
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
