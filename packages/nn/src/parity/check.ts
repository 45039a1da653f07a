/**
 * The parity check: read a fixture, pick the runner of its model family, build the model from the
 * fixture's config, run it, and compare every `output.*`, `intermediate.*` and `grad.*` tensor the fixture
 * holds (max absolute and scale-relative error, pass/fail per tolerance).
 */
import { dispose, type Tensor } from "@diva/tensor";
import { compareTensors, type Comparison } from "./compare.js";
import { disposeFixture, fixtureTensor, loadFixture, type Fixture } from "./fixture.js";
import type { ParityRunner } from "./runner.js";
import { findParityRunner } from "./runners.js";

/** Options of {@link runParity}. */
export interface ParityOptions {
  /** Relative tolerance for every result, or per full name (others keep the runner's default). */
  tolerance?: number | Record<string, number>;
  /** Use this runner instead of detecting one. */
  runner?: ParityRunner;
}

/** Result of a parity check. */
export interface ParityReport {
  /** Fixture name. */
  fixture: string;
  /** Runner that handled it. */
  runner: string;
  /** One row per expected tensor (unproduced ones fail with a note). */
  rows: Comparison[];
  /** True when every row passed. */
  ok: boolean;
}

/** Runs the parity check of an already loaded fixture. */
export async function checkFixture(f: Fixture, options: ParityOptions = {}): Promise<ParityReport> {
  const runner = options.runner ?? findParityRunner(f);
  const wanted = runner.referenceNames ? runner.referenceNames(f) : Object.keys(f.expected);
  const produced: Record<string, Tensor> = await runner.run(f, wanted);
  const tol = (name: string) =>
    typeof options.tolerance === "number" ? options.tolerance : (options.tolerance?.[name] ?? runner.tolerance(name, f));
  const rows: Comparison[] = [];
  try {
    for (const name of wanted) {
      const actual = Object.hasOwn(produced, name) ? produced[name] : undefined;
      const expected = fixtureTensor(f, name);
      if (!expected) throw new Error(`parity: the ${runner.name} runner names "${name}", which the fixture does not hold`);
      if (!actual) {
        rows.push({ name, shape: [...expected.shape], maxAbs: NaN, maxRel: NaN, tolerance: tol(name), ok: false, note: `the ${runner.name} runner does not produce "${name}"` });
        continue;
      }
      rows.push(await compareTensors(name, actual, expected, tol(name)));
    }
  } finally {
    dispose(produced);
  }
  return { fixture: f.name, runner: runner.name, rows, ok: rows.length > 0 && rows.every((r) => r.ok) };
}

/** Reads a fixture file (or bytes), checks it, frees it. */
export async function runParity(source: string | Uint8Array, options: ParityOptions = {}): Promise<ParityReport> {
  const f = await loadFixture(source);
  try {
    return await checkFixture(f, options);
  } finally {
    disposeFixture(f);
  }
}

/** A table of the report: name, shape, max abs error, max relative error, tolerance, status. */
export function formatParityReport(r: ParityReport): string {
  const e = (x: number) => (Number.isNaN(x) ? "-" : x.toExponential(2));
  const width = Math.max(4, ...r.rows.map((x) => x.name.length));
  const lines = [`${r.fixture} (${r.runner}): ${r.ok ? "PASS" : "FAIL"}`, `  ${"name".padEnd(width)}  ${"shape".padEnd(16)}  max_abs    max_rel    tol        status`];
  for (const x of r.rows) {
    const status = x.ok ? "ok" : `FAIL${x.note ? ` (${x.note})` : ""}`;
    lines.push(`  ${x.name.padEnd(width)}  ${`[${x.shape.join(",")}]`.padEnd(16)}  ${e(x.maxAbs).padEnd(9)}  ${e(x.maxRel).padEnd(9)}  ${e(x.tolerance).padEnd(9)}  ${status}`);
  }
  return lines.join("\n");
}
