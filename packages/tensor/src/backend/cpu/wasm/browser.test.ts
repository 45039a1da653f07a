/**
 * The kernels in headless Chromium: on a cross-origin-isolated page (COOP/COEP headers, so memory can be
 * shared), a dedicated worker starts kernel threads and runs matmul and softmax on them; the page's main
 * thread, which may not block, runs them on one thread. Skipped with a printed reason without Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { findChromium, launchChromium, type LaunchedChromium } from "../../../../../../scripts/browser/chromium.js";
import type { BrowserCheck } from "./browser.fixture.js";

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("[wasm kernels browser test] skipped: no Chromium (apt-get install chromium, or CHROMIUM_PATH)");

const PAGE = `<!doctype html><meta charset="utf-8"><body data-status="running"><script type="module">
import { check } from "/fixture.js";
const main = await check(2);
const worker = await new Promise((resolve) => {
  const w = new Worker("/fixture.js", { type: "module" });
  w.onmessage = (e) => resolve(e.data);
  w.onerror = (e) => resolve({ error: e.message });
});
document.body.dataset.result = JSON.stringify({ main, worker });
document.body.dataset.status = "done";
</script>`;

describe.skipIf(!chromiumPath)("wasm kernels in Chromium", () => {
  let server: Server;
  let browser: LaunchedChromium;
  let result: { main: BrowserCheck; worker: BrowserCheck & { error?: string } };

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL("./browser.fixture.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    const js = bundle.outputFiles[0]!.text;
    server = createServer((req, res) => {
      const isolation = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };
      if (req.url === "/fixture.js") res.writeHead(200, { "content-type": "text/javascript", ...isolation }).end(js);
      else if (req.url === "/") res.writeHead(200, { "content-type": "text/html", ...isolation }).end(PAGE);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    browser = await launchChromium(chromiumPath!);
    const page = await browser.context.newPage();
    const log: string[] = [];
    page.on("pageerror", (e) => log.push(e.message));
    await page.goto(`http://localhost:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => document.body.dataset.status === "done", undefined, { timeout: 120_000 }).catch(() => {
      throw new Error(`page did not finish: ${log.join("\n")}`);
    });
    result = JSON.parse((await page.evaluate(() => document.body.dataset.result)) ?? "null");
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it("runs single-threaded on the page's main thread", () => {
    expect(result.main.crossOriginIsolated).toBe(true);
    expect(result.main.info.wasm).toBe(true);
    expect(result.main.info.canBlock).toBe(false);
    expect(result.main.threadsStarted).toBe(1);
    expect(result.main.info.parallelJobs).toBe(0);
    expect(result.main.matmulMaxRelError).toBeLessThan(1e-5);
    expect(result.main.softmaxMaxAbsError).toBeLessThan(1e-6);
  });

  it("runs on several threads (nested Web Workers over shared memory) in a worker", () => {
    expect(result.worker.error).toBeUndefined();
    expect(result.worker.info.sharedMemory).toBe(true);
    expect(result.worker.info.canBlock).toBe(true);
    expect(result.worker.threadsStarted).toBe(2);
    expect(result.worker.info.parallelJobs).toBeGreaterThan(0);
    expect(result.worker.matmulMaxRelError).toBeLessThan(1e-5);
    expect(result.worker.softmaxMaxAbsError).toBeLessThan(1e-6);
  });
});
