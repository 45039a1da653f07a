import { describe, expect, it } from "vitest";
import { initBackend, registerBackendFactory, createCpuBackend, type Backend } from "../src/index.js";

describe("initBackend", () => {
  it("shares one initialisation between concurrent callers", async () => {
    let created = 0;
    // a stand-in device name: the factory registry is keyed by name, and "webgpu" may be taken by the real backend
    const name = "webgpu-test" as unknown as "webgpu";
    registerBackendFactory(name, async () => {
      created++;
      await new Promise((r) => setTimeout(r, 10));
      return { ...createCpuBackend(), name } as Backend;
    });
    const [a, b] = await Promise.all([initBackend(name), initBackend(name)]);
    expect(a).toBe(b);
    expect(created).toBe(1);
  });

  it("names the known devices for an unknown one", async () => {
    await expect(initBackend("tpu" as unknown as "cpu")).rejects.toThrow(/unknown device "tpu"; known: .*cpu/);
  });
});
