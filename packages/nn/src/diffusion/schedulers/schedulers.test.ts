import { tensor } from "@diva/tensor";
import { describe, expect, it } from "vitest";
import { compareTensors } from "../../parity/compare.js";
import { loadSharedFixture } from "../../../test/support/shared-fixtures.js";
import { DDIMScheduler } from "./ddim.js";
import { DDPMScheduler } from "./ddpm.js";
import { linspaceF32 } from "./float32.js";
import { inferenceTimesteps } from "./timesteps.js";
import { SD21_BASE_SCHEDULER_CONFIG, type DDPMSchedulerConfig } from "./config.js";

const fixture = await loadSharedFixture("ddpm_scheduler");

describe.skipIf(!fixture)("DDPM parity with diffusers (ddpm_scheduler fixture)", () => {
  // the body still runs to collect tests when the suite is skipped: register none without the fixture
  if (!fixture) return;
  const f = fixture;
  const T = f.weights; // a scheduler fixture's betas and alphas_cumprod have no reserved prefix
  const config = f.config as DDPMSchedulerConfig;
  const host = (name: string): number[] => Array.from(T[name]!.dataSync());

  it("reproduces the float32 betas bit for bit", () => {
    const sched = new DDPMScheduler(config);
    expect(Array.from(sched.betas)).toEqual(host("betas"));
    expect(Array.from(sched.alphasCumprod)).toEqual(host("alphas_cumprod"));
    expect(Array.from(new DDPMScheduler(SD21_BASE_SCHEDULER_CONFIG).alphasCumprod)).toEqual(host("alphas_cumprod"));
  });
});

describe("schedules and timesteps", () => {
  it("linspaceF32 ends on its endpoints and is monotone", () => {
    const xs = linspaceF32(0.0001, 0.02, 1000);
    expect(xs[0]).toBe(Math.fround(0.0001));
    expect(xs[999]).toBe(Math.fround(0.02));
    for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThan(xs[i - 1]!);
  });

  it("spaces inference timesteps as diffusers does", () => {
    expect(inferenceTimesteps(1000, 10, "leading", 1)).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    expect(inferenceTimesteps(1000, 10, "trailing", 0)).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    expect(inferenceTimesteps(1000, 10, "linspace", 0)).toEqual([999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
    expect(inferenceTimesteps(1000, 3, "trailing", 0)).toEqual([999, 666, 332]);
  });

  it("squaredcos_cap_v2 caps betas at 0.999", () => {
    const s = new DDPMScheduler({ beta_schedule: "squaredcos_cap_v2" });
    expect(s.betas[999]).toBe(Math.fround(0.999));
    expect(s.betas[0]).toBeGreaterThan(0);
  });

  it("DDIM with eta 0 is deterministic and inverts addNoise for a perfect noise prediction", async () => {
    const s = new DDIMScheduler({ beta_schedule: "scaled_linear", beta_start: 0.00085, beta_end: 0.012, clip_sample: false, set_alpha_to_one: false, steps_offset: 1 });
    const ts = s.setTimesteps(20);
    expect(ts[0]).toBe(951);
    const x0 = tensor([[[[0.5, -0.25], [0.125, 1]]]]);
    const eps = tensor([[[[0.3, -1.2], [0.7, 0.1]]]]);
    const xt = s.addNoise(x0, eps, [ts[0]!]);
    const { predOriginalSample } = s.step(eps, ts[0]!, xt);
    const { maxAbs } = await compareTensors("pred_original_sample", predOriginalSample, x0, 1e-5);
    expect(maxAbs).toBeLessThan(1e-5);
  });

  it("a noisy step needs noise or a key", () => {
    const s = new DDPMScheduler();
    const x = tensor([[[[1]]]]);
    expect(() => s.step(x, 10, x)).toThrow(/pass \{ noise \} or \{ key \}/);
  });
});
