/**
 * The browser check: builds the page against the built @diva/tensor, serves it on localhost, opens it in
 * headless Chromium and checks that the WebGPU forward and backward results match the CPU ones, that the page
 * shows them as a table (device, adapter, loss, time), and that the browser logged no error (no 404 either).
 * Without Chromium the test is skipped with a printed reason, except under CI=true, where it must run.
 * Without a WebGPU adapter in the browser the WebGPU comparison is skipped with the page's reason, except
 * under CI=true with DIVA_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { divaEnv } from "@diva/tensor";
import { buildPage } from "./build.js";
import type { CheckResult } from "./check.js";
import { findChromium, launchChromium, type LaunchedChromium } from "../../scripts/browser/chromium.js";
import type { PageReport } from "./main.js";
import { serveStatic, type StaticServer } from "./serve.js";

const ci = process.env.CI === "true";
const requireWebGPU = ci && divaEnv("DIVA_REQUIRE_WEBGPU") === "1";
const chromiumPath = findChromium();
if (!chromiumPath) {
  const reason = "no Chromium at /usr/bin/chromium (apt-get install chromium) or CHROMIUM_PATH";
  if (ci) throw new Error(`browser check: ${reason}, and CI=true requires it`);
  console.warn(`[browser check] skipped: ${reason}`);
}

/** Largest |a - b| / (atol + rtol |b|) over two arrays of equal length (<= 1 means within tolerance). */
function worstRatio(a: readonly number[], b: readonly number[], rtol: number, atol: number): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!)));
  return worst;
}

describe.skipIf(!chromiumPath)("browser check (headless Chromium)", () => {
  let server: StaticServer;
  let browser: LaunchedChromium;
  let report: PageReport;
  let table: string[][];
  const log: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    await buildPage();
    server = await serveStatic();
    browser = await launchChromium(chromiumPath!);
    const page = await browser.context.newPage();
    page.on("console", (m) => {
      log.push(`console.${m.type()}: ${m.text()}`);
      if (m.type() === "error") errors.push(`console.error: ${m.text()} (${m.location().url})`);
    });
    page.on("pageerror", (e) => {
      log.push(`pageerror: ${e.message}`);
      errors.push(`pageerror: ${e.message}`);
    });
    page.on("response", (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.status !== "running", undefined, { timeout: 120_000 });
    const status = await page.evaluate(() => document.body.dataset.status);
    if (status !== "done") {
      const error = await page.locator("#error").textContent();
      throw new Error(`the page failed: ${error}\n${log.join("\n")}`);
    }
    report = JSON.parse((await page.locator("#report").textContent()) ?? "null") as PageReport;
    table = await page.locator("#summary tr").evaluateAll((rows) => rows.map((r) => Array.from(r.children, (c) => c.textContent ?? "")));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("logs no error in the browser console and requests nothing that is missing", () => {
    expect(errors).toEqual([]);
  });

  it("shows a table of device, adapter, loss and time", () => {
    expect(table[0]).toEqual(["device", "adapter", "loss", "time (ms)", "largest difference from the CPU"]);
    const [cpuRow, gpuRow] = [table[1]!, table[2]!];
    expect(cpuRow.slice(0, 3)).toEqual(["cpu", "JavaScript / WebAssembly", report.cpu.loss.toFixed(6)]);
    expect(Number(cpuRow[3])).toBeGreaterThan(0);
    expect(cpuRow[4]).toBe("-");
    expect(gpuRow[0]).toBe("webgpu");
    if (report.webgpu) {
      expect(gpuRow.slice(1, 3)).toEqual([report.webgpuAdapter, report.webgpu.loss.toFixed(6)]);
      expect(Number(gpuRow[3])).toBeGreaterThan(0);
      expect(Number(gpuRow[4])).toBeGreaterThanOrEqual(0);
    } else {
      expect(gpuRow[1]).toBe(`unavailable: ${report.webgpuUnavailable}`);
    }
    expect(table).toHaveLength(3);
  });

  it("runs forward and backward on the CPU backend in the browser", () => {
    const cpu = report.cpu;
    expect(Number.isFinite(cpu.loss)).toBe(true);
    expect(cpu.logits).toHaveLength(6);
    for (const g of Object.values(cpu.grads)) expect(g.every(Number.isFinite)).toBe(true);
    expect(Object.keys(cpu.grads).sort()).toEqual(["conv", "convBias", "head", "norm", "proj"]);
  });

  it("matches the CPU results on WebGPU (navigator.gpu)", (ctx) => {
    if (!report.webgpu) {
      const reason = `no WebGPU in headless Chromium: ${report.webgpuUnavailable}`;
      if (requireWebGPU) throw new Error(`${reason} (CI=true, DIVA_REQUIRE_WEBGPU=1 requires it)`);
      console.warn(`[browser check] WebGPU part skipped: ${reason}`);
      ctx.skip();
      return;
    }
    const gpu: CheckResult = report.webgpu;
    const cpu = report.cpu;
    console.log(`[browser check] ${report.userAgent}; WebGPU adapter: ${report.webgpuAdapter}; loss cpu ${cpu.loss}, webgpu ${gpu.loss}`);
    // float32 through conv, norms, attention and a softmax loss: composite tolerance.
    const rtol = 1e-3;
    const atol = 1e-4;
    expect(worstRatio([gpu.loss], [cpu.loss], rtol, atol)).toBeLessThanOrEqual(1);
    expect(worstRatio(gpu.logits, cpu.logits, rtol, atol)).toBeLessThanOrEqual(1);
    for (const name of Object.keys(cpu.grads)) {
      expect({ name, ratio: worstRatio(gpu.grads[name]!, cpu.grads[name]!, rtol, atol) <= 1 }).toEqual({ name, ratio: true });
    }
  });
});
