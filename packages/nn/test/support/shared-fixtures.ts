/**
 * The one locator of the shared parity fixtures for tests: $DIVA_FIXTURES, else ../shared/fixtures beside the
 * repository. Tests that need a fixture skip, with the reason printed, when it is absent. Not part of the
 * package API.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { divaEnv } from "@diva/tensor";
import { loadFixture, type Fixture } from "../../src/parity/fixture.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** The fixtures folder, or null (with the reason printed) when it is absent. */
export function sharedFixturesDir(): string | null {
  const dir = divaEnv("DIVA_FIXTURES") ?? resolve(repoRoot, "../shared/fixtures");
  if (existsSync(dir)) return dir;
  console.warn(`skipping shared-fixture parity tests: ${dir} does not exist (set DIVA_FIXTURES to its location)`);
  return null;
}

/** The path of `name`.safetensors in the fixtures folder, or null (with the reason printed) when it is absent. */
export function sharedFixturePath(name: string): string | null {
  const dir = sharedFixturesDir();
  if (!dir) return null;
  const path = join(dir, `${name}.safetensors`);
  if (existsSync(path)) return path;
  console.warn(`skipping ${name} parity: fixture ${path} not found`);
  return null;
}

/** Reads `name`.safetensors from the fixtures folder, or returns null (printing why) when it is absent. */
export async function loadSharedFixture(name: string): Promise<Fixture | null> {
  const path = sharedFixturePath(name);
  return path ? loadFixture(path) : null;
}
