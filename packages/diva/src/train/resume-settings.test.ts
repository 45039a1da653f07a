import { describe, expect, it } from "vitest";
import { checkResumeSettings } from "./resume-settings.js";

describe("checkResumeSettings", () => {
  const base = { steps: 10, lr: 0.01, precision: "float32" };
  it("accepts the same settings", () => {
    expect(() => checkResumeSettings("ck", base, { ...base })).not.toThrow();
    expect(() => checkResumeSettings("ck", { ...base, projectionLrScale: 100 }, { ...base, projectionLrScale: 100 })).not.toThrow();
  });
  it("refuses a changed setting, naming it and both values", () => {
    expect(() => checkResumeSettings("ck", base, { ...base, lr: 0.1 })).toThrow(/ck was made with lr 0.01, not 0.1; resume with the same settings/);
  });
  it("an optional setting absent on one side means its default, in both directions", () => {
    // a placebo checkpoint resumed as an ordinary run, and the reverse (which earlier passed silently)
    expect(() => checkResumeSettings("ck", { ...base, conditionSource: "shuffled" }, base)).toThrow(/conditionSource shuffled, not its default now/);
    expect(() => checkResumeSettings("ck", base, { ...base, conditionSource: "shuffled" })).toThrow(/conditionSource at its default, not shuffled/);
    expect(() => checkResumeSettings("ck", base, { ...base, projectionLrScale: 100 })).toThrow(/projectionLrScale at its default, not 100/);
  });
  it("names a recorded setting this version does not know", () => {
    expect(() => checkResumeSettings("ck", { ...base, oldKnob: 3 }, base)).toThrow(/oldKnob 3, a setting this version no longer has/);
  });
  it("does not read settings through the prototype", () => {
    expect(() => checkResumeSettings("ck", { ...base, toString: "x" } as Record<string, unknown>, base)).toThrow(/toString x, a setting this version no longer has/);
  });
});
