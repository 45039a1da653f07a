// A small seeded batch of the safetensors fuzzer, so CI repeats it (the full run: see safetensors.ts).
import { afterEach, describe, expect, it } from "vitest";
import { fuzzSafetensors, formatReport } from "./safetensors.js";
import { assemble, makeBaseFiles } from "./safetensors-cases.js";
import { oracleDecode } from "./safetensors-oracle.js";

describe("safetensors fuzzer", () => {
  afterEach(() => {
    delete process.env["SAFETENSORS_FUZZ_SABOTAGE"];
  });

  it("the oracle decodes writer output and refuses holes, trailing bytes and duplicate keys", async () => {
    const [file] = await makeBaseFiles(7);
    const decoded = oracleDecode(file!);
    expect("invalid" in decoded ? decoded.invalid : [...decoded.tensors.keys()].sort()).toEqual(["b", "d", "e", "flag", "h", "i", "s", "w"]);
    const n = Number(new DataView(file!.buffer).getBigUint64(0, true));
    const text = new TextDecoder().decode(file!.subarray(8, 8 + n)).trimEnd();
    const data = file!.subarray(8 + n);
    const trailing = assemble(text, new Uint8Array([...data, 0]));
    expect(oracleDecode(trailing)).toEqual({ invalid: `tensors end at ${data.length} of ${data.length + 1}` });
    const twice = assemble(text.replace('"i":', '"i":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"i":'), data);
    expect(oracleDecode(twice)).toEqual({ invalid: 'key "i" appears twice' });
  });

  it("100 seeded malformed files in-process: no raw errors, no silent misreads, nothing over the timeout", async () => {
    // Headers up to 1 MiB (about 17000 tensors for the many-tensors family) keep this to a few seconds.
    const report = await fuzzSafetensors({ seed: 7, count: 100, inProcess: true, maxBig: 1 << 20, timeoutMs: 10_000 });
    const text = formatReport(report);
    expect(report.bad, text).toEqual([]);
    expect(report.cases).toBe(100);
    expect(report.counts["clean-error"], text).toBeGreaterThan(50);
    expect(report.counts["loaded-same"] + report.counts["loaded-data-changed"], text).toBeGreaterThan(5);
  });

  it("attributes a crash and a hang in a child process to their cases and goes on", async () => {
    process.env["SAFETENSORS_FUZZ_SABOTAGE"] = "crash:1,hang:2";
    const report = await fuzzSafetensors({ seed: 7, count: 3, timeoutMs: 1500 });
    expect(report.cases).toBe(3);
    expect(report.bad.map((c) => [c.index, c.outcome])).toEqual([
      [1, "crash"],
      [2, "timeout"],
    ]);
    expect(report.peakRssKb).toBeGreaterThan(0);
  });
});
