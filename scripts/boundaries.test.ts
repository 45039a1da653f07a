/**
 * Examples and benchmarks use the packages as a user would: through `@diva/*` entry points that the packages'
 * `exports` declare, never through a relative path into `packages/` (which would reach internals and break
 * when files move). The few benchmark files that still reach internals are listed by name below: a new one
 * fails this test, and so does a listed one that no longer needs to be listed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Benchmarks that time raw kernels or full-scale internals with no public entry yet. */
const KNOWN_INTERNAL_IMPORTS = new Set(["benchmarks/cpu/machine.ts", "benchmarks/cpu/peers/diva.ts", "benchmarks/diva-step/profile.ts", "benchmarks/full-scale/run.ts"]);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "results") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(ts|js|mjs)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Module specifiers of static and dynamic imports (and re-exports) in `text`. */
function specifiers(text: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;
  return [...text.matchAll(re)].map((m) => m[1]!);
}

/** Whether `spec`, imported from `file`, resolves into one of the packages' folders. */
function reachesPackages(file: string, spec: string): boolean {
  if (!spec.startsWith(".")) return false;
  return relative(root, join(dirname(file), spec)).split(/[\\/]/)[0] === "packages";
}

describe("examples and benchmarks import only @diva/* entry points", () => {
  const files = [...sources(join(root, "examples")), ...sources(join(root, "benchmarks"))];
  const offenders = files.filter((f) => specifiers(readFileSync(f, "utf8")).some((s) => reachesPackages(f, s))).map((f) => relative(root, f).split("\\").join("/"));

  it("finds the sources", () => expect(files.length).toBeGreaterThan(5));

  it("no file outside the known list reaches into packages/", () => {
    expect(offenders.filter((f) => !KNOWN_INTERNAL_IMPORTS.has(f))).toEqual([]);
  });

  it("every listed file still does (the list only shrinks)", () => {
    expect([...KNOWN_INTERNAL_IMPORTS].filter((f) => !offenders.includes(f))).toEqual([]);
  });
});
