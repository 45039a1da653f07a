/**
 * The browser check page: runs the check network's forward and backward pass on the CPU backend and on
 * WebGPU (navigator.gpu), and shows them as a table (device, adapter, loss, time, largest difference from the
 * CPU) in `#summary`, with every number as JSON in `#report`; `document.body.dataset.status` becomes "done"
 * (or "error" with the message in `#error`) when finished.
 */
import { initBackend, WebGPUBackend } from "@diva/tensor";
import { runCheck, type CheckResult } from "./check.js";

/** What the page reports: the CPU result, and the WebGPU result or why WebGPU was unavailable. */
export interface PageReport {
  readonly userAgent: string;
  readonly cpu: CheckResult;
  /** Milliseconds of the CPU run (forward, backward and reading the results back). */
  readonly cpuMs: number;
  readonly webgpu: CheckResult | null;
  /** Milliseconds of the WebGPU run (after the backend started), or null. */
  readonly webgpuMs: number | null;
  readonly webgpuAdapter: string | null;
  readonly webgpuUnavailable: string | null;
}

/** The adapter description of the initialised WebGPU backend, or why it could not start. */
async function startWebGPU(): Promise<{ adapter: string | null; reason: string | null }> {
  if (!("gpu" in navigator)) return { adapter: null, reason: "navigator.gpu is undefined (WebGPU disabled or not a secure context)" };
  try {
    const backend = await initBackend("webgpu");
    return { adapter: backend instanceof WebGPUBackend ? backend.adapter.name : "unknown", reason: null };
  } catch (e) {
    return { adapter: null, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** `runCheck(device)` and how long it took. */
async function timed(device: "cpu" | "webgpu"): Promise<[CheckResult, number]> {
  const t0 = performance.now();
  const result = await runCheck(device);
  return [result, performance.now() - t0];
}

async function main(): Promise<PageReport> {
  const [cpu, cpuMs] = await timed("cpu");
  const { adapter, reason } = await startWebGPU();
  const [webgpu, webgpuMs] = adapter ? await timed("webgpu") : [null, null];
  return { userAgent: navigator.userAgent, cpu, cpuMs, webgpu, webgpuMs, webgpuAdapter: adapter, webgpuUnavailable: reason };
}

/** Largest |a - b| over the loss, the logits and every gradient of two results. */
function largestDifference(a: CheckResult, b: CheckResult): number {
  let worst = Math.abs(a.loss - b.loss);
  const pairs: [number[], number[]][] = [[a.logits, b.logits], ...Object.keys(a.grads).map((k): [number[], number[]] => [a.grads[k]!, b.grads[k] ?? []])];
  for (const [x, y] of pairs) for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - (y[i] ?? NaN)));
  return worst;
}

/** One row of the summary table; cells given as [text, numeric?]. */
function row(cells: [string, boolean][]): HTMLTableRowElement {
  const tr = document.createElement("tr");
  for (const [text, numeric] of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    if (numeric) td.className = "num";
    tr.append(td);
  }
  return tr;
}

function showReport(report: PageReport): void {
  const body = document.querySelector("#summary tbody")!;
  body.append(row([["cpu", false], ["JavaScript / WebAssembly", false], [report.cpu.loss.toFixed(6), true], [report.cpuMs.toFixed(1), true], ["-", true]]));
  if (report.webgpu && report.webgpuMs !== null) {
    const diff = largestDifference(report.webgpu, report.cpu);
    body.append(
      row([["webgpu", false], [report.webgpuAdapter ?? "", false], [report.webgpu.loss.toFixed(6), true], [report.webgpuMs.toFixed(1), true], [diff.toExponential(2), true]]),
    );
  } else {
    body.append(row([["webgpu", false], [`unavailable: ${report.webgpuUnavailable}`, false], ["-", true], ["-", true], ["-", true]]));
  }
  document.getElementById("summary")!.hidden = false;
  document.getElementById("progress")!.remove();
  document.getElementById("report")!.textContent = JSON.stringify(report);
}

const errorEl = document.getElementById("error")!;
main().then(
  (report) => {
    showReport(report);
    document.body.dataset.status = "done";
  },
  (e: unknown) => {
    errorEl.textContent = e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e);
    document.body.dataset.status = "error";
  },
);
