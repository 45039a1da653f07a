import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_GPU_WORK_TIMEOUT_MS, gpuWorkTimeoutMs, withDeadline } from "./deadline.js";

describe("bounded WebGPU waits", () => {
  const saved = process.env.DIVA_WEBGPU_TIMEOUT_MS;
  afterEach(() => {
    if (saved === undefined) delete process.env.DIVA_WEBGPU_TIMEOUT_MS;
    else process.env.DIVA_WEBGPU_TIMEOUT_MS = saved;
  });

  it("rejects a wait that never settles with an error naming what it waited for", async () => {
    const never = new Promise<number>(() => undefined);
    await expect(withDeadline(never, 20, "reading back 64 bytes")).rejects.toThrow(/gave up after 20 ms waiting for reading back 64 bytes/);
  });

  it("passes values and errors of a wait that settles in time through unchanged", async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, "x")).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error("device lost")), 1000, "x")).rejects.toThrow("device lost");
  });

  it("reads its bound from DIVA_WEBGPU_TIMEOUT_MS and refuses nonsense", () => {
    delete process.env.DIVA_WEBGPU_TIMEOUT_MS;
    expect(gpuWorkTimeoutMs()).toBe(DEFAULT_GPU_WORK_TIMEOUT_MS);
    process.env.DIVA_WEBGPU_TIMEOUT_MS = "2500";
    expect(gpuWorkTimeoutMs()).toBe(2500);
    process.env.DIVA_WEBGPU_TIMEOUT_MS = "soon";
    expect(() => gpuWorkTimeoutMs()).toThrow(/DIVA_WEBGPU_TIMEOUT_MS/);
  });
});
