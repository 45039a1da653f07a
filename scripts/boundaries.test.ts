/**
 * Examples and benchmarks use the packages as a user would: through `@diva/*` entry points that the packages'
 * `exports` declare, never through a relative path into `packages/` (which would reach internals and break
 * when files move). Benchmarks that time raw kernels or full-size steps use the subpaths made for them
 * (`@diva/tensor/cpu-kernels`, `@diva/core/full-scale`); any file that reaches into packages/ fails this test.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

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

  it("no file reaches into packages/", () => {
    expect(offenders).toEqual([]);
  });
});
