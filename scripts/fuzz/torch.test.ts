// A small seeded batch of the torch checkpoint fuzzer, so that CI repeats it (the full run: see torch.ts).
import { afterEach, describe, expect, it } from "vitest";
import { formatReport, fuzzTorch } from "./torch.js";

describe("torch checkpoint fuzzer", () => {
  afterEach(() => {
    delete process.env["TORCH_FUZZ_SABOTAGE"];
  });

  it("40 seeded malformed and malicious files in-process: only clean errors or correct loads", async () => {
    const report = await fuzzTorch({ seed: 11, count: 40, inProcess: true, light: true, timeoutMs: 10_000 });
    const text = formatReport(report);
    expect(report.bad, text).toEqual([]);
    expect(report.results).toHaveLength(40);
    expect(report.counts["clean-error"], text).toBeGreaterThan(20);
  });

  it("attributes a crash and a hang in a child process to their cases and goes on", async () => {
    process.env["TORCH_FUZZ_SABOTAGE"] = "crash:1,hang:2";
    const report = await fuzzTorch({ seed: 11, count: 3, timeoutMs: 1500 });
    expect(report.bad.map((c) => [c.index, c.outcome])).toEqual([
      [1, "crash"],
      [2, "timeout"],
    ]);
    expect(report.results.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(report.peakRssKb).toBeGreaterThan(0);
  });
});
