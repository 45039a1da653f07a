import { describe, expect, it } from "vitest";
import { lossCurveSvg, movingAverage, niceTicks } from "./plots.js";

describe("demo plots", () => {
  it("movingAverage is a trailing mean over the window", () => {
    expect(movingAverage([1, 2, 3, 4, 5], 2)).toEqual([1, 1.5, 2.5, 3.5, 4.5]);
    expect(movingAverage([4, 0, 2], 1)).toEqual([4, 0, 2]);
    expect(() => movingAverage([1], 0)).toThrow(/window/);
  });

  it("niceTicks gives round values covering the range", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.031, 0.0335, 5)).toEqual([0.031, 0.0315, 0.032, 0.0325, 0.033, 0.0335]);
    expect(niceTicks(1, 150, 6)).toEqual([20, 40, 60, 80, 100, 120, 140]);
  });

  it("the loss plot has axes, tick labels, axis titles and a smoothed line per series", () => {
    const losses = Array.from({ length: 30 }, (_, i) => 0.05 - 0.001 * i + (i % 2 ? 0.004 : -0.004));
    const svg = lossCurveSvg([{ label: "DIVA seed 1", losses, group: 0 }, { label: "placebo seed 1", losses: losses.map((v) => v + 0.002), dashed: true, group: 0 }], { window: 4 });
    expect(svg).toContain("optimizer step");
    expect(svg).toContain("loss (noise MSE)");
    expect(svg).toContain(">0.03<");
    expect(svg).toContain(">10<");
    expect(svg.match(/<polyline/g)).toHaveLength(4); // raw and smoothed per series
    expect(svg).toContain('stroke-dasharray="6 4"');
  });
});
