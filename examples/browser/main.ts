/**
 * The browser check page: runs the check network's forward and backward pass on the CPU backend and on
 * WebGPU (navigator.gpu), and writes the results as JSON into `#result`; `document.body.dataset.status`
 * becomes "done" (or "error" with the message in `#error`) when finished.
 */
import { initBackend, WebGPUBackend } from "@diva/tensor";
import { runCheck, type CheckResult } from "./check.js";

/** What the page reports: the CPU result, and the WebGPU result or why WebGPU was unavailable. */
export interface PageReport {
  readonly userAgent: string;
  readonly cpu: CheckResult;
  readonly webgpu: CheckResult | null;
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

async function main(): Promise<PageReport> {
  const cpu = await runCheck("cpu");
  const { adapter, reason } = await startWebGPU();
  const webgpu = adapter ? await runCheck("webgpu") : null;
  return { userAgent: navigator.userAgent, cpu, webgpu, webgpuAdapter: adapter, webgpuUnavailable: reason };
}

const resultEl = document.getElementById("result")!;
const errorEl = document.getElementById("error")!;
main().then(
  (report) => {
    resultEl.textContent = JSON.stringify(report, null, 1);
    document.body.dataset.status = "done";
  },
  (e: unknown) => {
    errorEl.textContent = e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e);
    document.body.dataset.status = "error";
  },
);
