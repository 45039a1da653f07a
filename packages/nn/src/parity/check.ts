/**
 * The parity check: read a fixture, pick the runner of its model family, build the model from the
 * fixture's config, run it, and compare every `output.*`, `intermediate.*` and `grad.*` tensor the fixture
 * holds (max absolute and scale-relative error, pass/fail per tolerance).
 */
import { dispose, type Tensor } from "@diva/tensor";
import { compareTensors, type Comparison } from "./compare.js";
import { disposeFixture, loadFixture, type Fixture } from "./fixture.js";
import { parityRunners, type ParityRunner } from "./registry.js";
import { clipParityRunners } from "./clip-runners.js";
import { tokenizerParityRunner } from "./tokenizer-runner.js";

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

/**
 * The runner for a fixture: registered runners first (the diffusion family registers itself when
 * `@diva/nn` is imported), then the tokenizer and the CLIP family.
 */
export function findParityRunner(f: Fixture): ParityRunner {
  const all = [...parityRunners(), tokenizerParityRunner, ...clipParityRunners];
  const r = all.find((x) => x.matches(f));
  if (!r) {
    const sample = Object.keys(f.weights).slice(0, 5).join(", ");
    throw new Error(`parity: no runner recognises fixture "${f.name}" (weights ${sample}...; config keys ${Object.keys(f.config).join(", ")})`);
  }
  return r;
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
      const actual = produced[name];
      const expected = f.expected[name] ?? f.weights[name] ?? f.inputs[name.replace(/^input\./, "")];
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
