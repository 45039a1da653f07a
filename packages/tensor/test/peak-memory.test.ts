/** peakMemory / resetPeakMemory: the largest live bytes per device within a window. */
import { describe, expect, it } from "vitest";
import { memory, peakMemory, resetPeakMemory, zeros } from "../src/index.js";

describe("peakMemory", () => {
  it("records the largest live bytes since the last reset, after the tensors are gone", () => {
    resetPeakMemory();
    const start = memory().bytes.cpu ?? 0;
    expect(peakMemory().cpu ?? 0).toBe(start);
    const a = zeros([256, 1024]); // 1 MiB
    const b = zeros([128, 1024]); // 0.5 MiB
    a.dispose();
    b.dispose();
    expect(memory().bytes.cpu ?? 0).toBe(start);
    expect(peakMemory().cpu).toBe(start + 1.5 * 2 ** 20);
    resetPeakMemory();
    const c = zeros([64, 1024]);
    expect(peakMemory().cpu).toBe(start + 0.25 * 2 ** 20);
    c.dispose();
  });
});
