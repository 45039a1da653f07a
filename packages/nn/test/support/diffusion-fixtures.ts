/**
 * Helpers for the diffusion parity tests: locate and read a fixture of ../shared/fixtures, and measure the
 * error of an output against the reference. Not part of the package API.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors, type Tensor } from "@diva/tensor";
import { sharedFixturesDir } from "../fixtures-path.js";

/** A fixture: its tensors and its metadata with JSON values parsed. */
export interface Fixture {
  tensors: Record<string, Tensor>;
  meta: Record<string, unknown>;
}

/** Reads `name`.safetensors from the fixtures folder, or returns null (printing why) when it is absent. */
export async function loadFixture(name: string): Promise<Fixture | null> {
  const dir = sharedFixturesDir();
  if (!dir) return null;
  const path = join(dir, `${name}.safetensors`);
  if (!existsSync(path)) {
    console.warn(`skipping ${name} parity: fixture ${path} not found`);
    return null;
  }
  const { tensors, metadata } = await readSafetensors(path);
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    try {
      meta[k] = JSON.parse(v);
    } catch {
      meta[k] = v;
    }
  }
  return { tensors, meta };
}

/** Maximum absolute error and that error relative to the largest reference magnitude. */
export interface ErrorStats {
  maxAbs: number;
  maxRel: number;
}

/** Compares `actual` with `expected` (same shape required). */
export async function compare(actual: Tensor, expected: Tensor): Promise<ErrorStats> {
  if (actual.shape.join() !== expected.shape.join()) {
    throw new Error(`shape [${actual.shape.join(",")}] differs from the reference [${expected.shape.join(",")}]`);
  }
  const a = await actual.data();
  const e = await expected.data();
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs(Number(a[i]) - Number(e[i]));
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(Number(e[i])));
  }
  return { maxAbs, maxRel: maxAbs / Math.max(scale, 1e-30) };
}
