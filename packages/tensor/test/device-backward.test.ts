/**
 * Device suite, part 6: backward. Every gradient case of grad-cases.ts runs on each device in float32 and is
 * compared with the CPU's float64 gradient of the same random projection (whose correctness the
 * finite-difference suite establishes). Tolerance: |g32 - g64| <= atol (1 + max |g64|) + rtol |g64|.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { Device } from "../src/index.js";
import { ALL_GRAD_CASES } from "./grad-cases.js";
import { checkGradOnDevice } from "./gradcheck.js";
import { prop, Rand, runsFor, seedArb, testDevices } from "./helpers.js";

const devices = await testDevices();

describe.each(devices)("gradients on %s (float32) match float64 CPU gradients", (device: Device) => {
  const tol = device === "cpu" ? { rtol: 1e-4, atol: 2e-5 } : { rtol: 1e-3, atol: 2e-4 };
  for (const c of ALL_GRAD_CASES) {
    it(c.name, async () => {
      await prop(
        fc.record({ shape: c.shape ?? fc.constant([] as number[]), seed: seedArb }),
        async ({ shape, seed }) => {
          const r = new Rand(seed);
          await checkGradOnDevice(c.build(shape, r), r, device, tol);
        },
        runsFor(device, 4),
      );
    });
  }
});
