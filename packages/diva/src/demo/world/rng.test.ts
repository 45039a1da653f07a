import { describe, expect, it } from "vitest";
import { createRng, hashString } from "./rng.js";

describe("createRng", () => {
  it("is deterministic per seed and tags", () => {
    const a = createRng(7, "x");
    const b = createRng(7, "x");
    expect(Array.from({ length: 20 }, () => a.uint32())).toEqual(Array.from({ length: 20 }, () => b.uint32()));
  });

  it("separates streams by seed and tag", () => {
    const draw = (r: ReturnType<typeof createRng>): number[] => Array.from({ length: 8 }, () => r.uint32());
    expect(draw(createRng(7, "x"))).not.toEqual(draw(createRng(7, "y")));
    expect(draw(createRng(7, "x"))).not.toEqual(draw(createRng(8, "x")));
    expect(draw(createRng(7))).not.toEqual(draw(createRng("7")));
  });

  it("draws in range with plausible uniformity", () => {
    const r = createRng(1);
    const counts = [0, 0, 0, 0, 0];
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < 50_000; i++) {
      const u = r.next();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      counts[r.int(5)]++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it("weighted and shuffle behave", () => {
    const r = createRng(2);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (r.weighted([["a", 1], ["b", 3]] as const) === "b") hits++;
    expect(hits / 20_000).toBeCloseTo(0.75, 1);
    const s = r.shuffle([1, 2, 3, 4, 5, 6]);
    expect([...s].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("hashString is a stable 32-bit hash", () => {
    expect(hashString("abc")).toBe(hashString("abc"));
    expect(hashString("abc")).not.toBe(hashString("abd"));
    expect(hashString("abc") >>> 0).toBe(hashString("abc"));
  });
});
