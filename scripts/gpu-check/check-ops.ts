/**
 * The op comparison: runs every kernel case and gradient case on the cpu and webgpu backends and compares
 * the results elementwise (see compare.ts for the tolerances).
 */
import { getBackend, tidy, type Tensor } from "@diva/tensor";
import { compare } from "./compare.js";
import { KERNEL_CASES, type OpCase } from "./kernel-cases.js";
import { Maker } from "./maker.js";
import { F16_CASES } from "./f16-cases.js";
import { VJP_CASES } from "./vjp-cases.js";

/** One compared case. */
export interface OpCheckRow {
  /** "forward" (a kernel's cases), "vjp", or "float16" (cases run only with shader-f16). */
  readonly group: "forward" | "vjp" | "float16";
  /** Kernel name (forward), "vjp" or "float16". */
  readonly op: string;
  readonly label: string;
  readonly ok: boolean;
  /** Largest error relative to the tolerance over all outputs (<= 1 passes). */
  readonly worst: number;
  /** Largest absolute difference. */
  readonly maxAbs: number;
  /** Why it failed. */
  readonly detail?: string;
}

function seedOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Runs a case on `device` and reads every output (values, dtype and shape). */
async function runOn(c: OpCase, device: "cpu" | "webgpu", seed: number): Promise<{ dtype: string; shape: number[]; data: ArrayLike<number> }[]> {
  const outs = tidy(() => {
    const r = c.run(new Maker(device, seed));
    return (Array.isArray(r) ? r : [r]) as Tensor[];
  });
  try {
    return await Promise.all(outs.map(async (t) => ({ dtype: t.dtype, shape: [...t.shape], data: Array.from(await t.data(), Number) })));
  } finally {
    for (const t of outs) t.dispose();
  }
}

async function checkCase(group: OpCheckRow["group"], op: string, c: OpCase): Promise<OpCheckRow> {
  const seed = seedOf(`${op} ${c.label}`);
  const base = { group, op, label: c.label };
  let cpu: Awaited<ReturnType<typeof runOn>>;
  try {
    cpu = await runOn(c, "cpu", seed);
  } catch (e) {
    return { ...base, ok: false, worst: Infinity, maxAbs: Infinity, detail: `cpu failed: ${(e as Error).message.split("\n")[0]}` };
  }
  let gpu: Awaited<ReturnType<typeof runOn>>;
  try {
    gpu = await runOn(c, "webgpu", seed);
  } catch (e) {
    return { ...base, ok: false, worst: Infinity, maxAbs: Infinity, detail: `webgpu failed: ${(e as Error).message.split("\n")[0]}` };
  }
  let worst = 0;
  let maxAbs = 0;
  for (let i = 0; i < cpu.length; i++) {
    const a = gpu[i]!;
    const b = cpu[i]!;
    if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) {
      return { ...base, ok: false, worst: Infinity, maxAbs: Infinity, detail: `output ${i}: webgpu ${a.dtype}[${a.shape}] vs cpu ${b.dtype}[${b.shape}]` };
    }
    const r = compare(a.data, b.data, c.tol);
    worst = Math.max(worst, r.worst);
    maxAbs = Math.max(maxAbs, r.maxAbs);
    if (!r.ok) {
      const f = r.first;
      const where = f ? `element ${f.index}: webgpu ${f.gpu} vs cpu ${f.cpu}` : r.mismatch;
      return { ...base, ok: false, worst, maxAbs, detail: `output ${i}: ${where} (rtol ${c.tol.rtol}, atol ${c.tol.atol})` };
    }
  }
  return { ...base, ok: true, worst, maxAbs };
}

/** Options of `checkOps`. */
export interface CheckOpsOptions {
  /** Only cases whose "op label" contains this. */
  readonly filter?: string;
  /** Called with each finished row. */
  readonly onRow?: (row: OpCheckRow) => void;
}

/** Runs all cases (the webgpu and cpu backends must be initialised). */
export async function checkOps(o: CheckOpsOptions = {}): Promise<OpCheckRow[]> {
  const rows: OpCheckRow[] = [];
  const todo: [OpCheckRow["group"], string, OpCase][] = [];
  for (const [op, cases] of Object.entries(KERNEL_CASES)) for (const c of cases) todo.push(["forward", op, c]);
  for (const c of VJP_CASES) todo.push(["vjp", "vjp", c]);
  if (getBackend("webgpu").supports("float16")) for (const c of F16_CASES) todo.push(["float16", "float16", c]);
  else console.log("gpu-check: float16 cases skipped: the adapter lacks shader-f16");
  for (const [group, op, c] of todo) {
    if (o.filter && !`${op} ${c.label}`.includes(o.filter)) continue;
    const row = await checkCase(group, op, c);
    rows.push(row);
    o.onRow?.(row);
  }
  return rows;
}

/** One printed line per row: status, op, label, worst error relative to tolerance, max abs difference. */
export function formatRow(r: OpCheckRow): string {
  const worst = Number.isFinite(r.worst) ? r.worst.toFixed(3) : "inf";
  const abs = Number.isFinite(r.maxAbs) ? r.maxAbs.toExponential(1) : "inf";
  return `${r.ok ? "ok  " : "FAIL"} ${r.op.padEnd(12)} ${r.label.slice(0, 58).padEnd(58)} ${worst.padStart(6)} ${abs.padStart(8)}${r.detail ? `  ${r.detail}` : ""}`;
}
