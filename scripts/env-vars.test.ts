/**
 * The `DIVA_*` environment variables are defined once: `DIVA_ENV_VARS` in packages/tensor/src/env.ts lists
 * them, `divaEnv` there is the one reader, and docs/getting-started.md shows the same table. This checks that
 * - every `DIVA_*` name in the code (packages, tests, scripts, examples, benchmarks, .ci/run) is in the list
 *   (names declared as constants, such as `DIVA_RECIPE`, are not variables);
 * - no file outside env.ts reads `process.env.DIVA_*` itself; test files (`*.test.ts`) may set, save and
 *   restore the variables whose effect they test, and the driver-probe child script in webgpu/quiet.ts, a
 *   separate process given as source text, reads its own input;
 * - the docs table lists exactly the names of the list, with each one's default.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DIVA_ENV_VARS } from "../packages/tensor/src/env.js"; // the module itself: the package index would load the backends

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SKIP = new Set(["node_modules", "dist", "results", "api", ".git", "fixtures"]);
const CODE = /\.(ts|mjs|js|sh)$/;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (CODE.test(e.name)) out.push(p);
  }
  return out;
}

const packages = readdirSync(join(root, "packages")).map((p) => join(root, "packages", p));
const sources = [...packages.flatMap((p) => [join(p, "src"), join(p, "test"), join(p, "scripts")]), ...["scripts", "examples", "benchmarks"].map((d) => join(root, d))]
  .flatMap((d) => {
    try {
      return files(d);
    } catch {
      return []; // a package without that folder
    }
  })
  .concat([join(root, ".ci", "run"), join(root, "packages", "diva", "test", "fixtures", "crash-child.ts")]);
const text = new Map(sources.map((f) => [relative(root, f).split("\\").join("/"), readFileSync(f, "utf8")]));
const listed = new Set(Object.keys(DIVA_ENV_VARS));

/** The one module that reads the variables, and the probe child's source text (see the file comment). */
const READERS = new Set(["packages/tensor/src/env.ts"]);
const PROBE_CHILD = "packages/tensor/src/backend/webgpu/quiet.ts";

describe("DIVA_* environment variables", () => {
  it("reads the sources", () => expect(text.size).toBeGreaterThan(100));

  it("every DIVA_* name in the code is listed in DIVA_ENV_VARS", () => {
    const constants = new Set<string>();
    for (const t of text.values()) for (const m of t.matchAll(/\b(?:const|let|var)\s+(DIVA_[A-Z0-9_]+)\b/g)) constants.add(m[1]!);
    const unlisted: string[] = [];
    for (const [file, t] of text) {
      for (const m of t.matchAll(/\bDIVA_[A-Z0-9_]*[A-Z0-9]\b/g)) if (!listed.has(m[0]) && !constants.has(m[0])) unlisted.push(`${file}: ${m[0]}`);
    }
    expect([...new Set(unlisted)]).toEqual([]);
  });

  it("only env.ts reads them (tests may set and restore what they test)", () => {
    const reads: string[] = [];
    for (const [file, t] of text) {
      if (READERS.has(file) || file.endsWith(".test.ts") || !/\.(ts|mjs|js)$/.test(file)) continue;
      const lines = t.split("\n");
      lines.forEach((line, i) => {
        if (!/process\.env(?:\?\.|\.|\[\s*["'])DIVA_/.test(line)) return;
        if (file === PROBE_CHILD && /JSON\.parse\(process\.env\.DIVA_WEBGPU_PROBE\)/.test(line)) return;
        reads.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(reads).toEqual([]);
  });

  it("docs/getting-started.md lists exactly those variables, with their defaults", () => {
    const doc = readFileSync(join(root, "docs", "getting-started.md"), "utf8");
    const rows = new Map<string, string>();
    for (const m of doc.matchAll(/^\| `(DIVA_[A-Z0-9_]+)` \| (.*) \| (.*) \| (\w+) \|$/gm)) rows.set(m[1]!, m[3]!.replace(/\\\|/g, "|"));
    expect([...rows.keys()].sort()).toEqual([...listed].sort());
    for (const [name, info] of Object.entries(DIVA_ENV_VARS)) expect(rows.get(name), name).toBe(info.default);
  });
});
