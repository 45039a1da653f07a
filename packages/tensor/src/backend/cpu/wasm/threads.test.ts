import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { getCpuThreads, setCpuThreads } from "./threads.js";
import { hardwareThreads } from "./env.js";

describe("thread configuration and lifecycle", () => {
  const saved = process.env.DIVA_THREADS;
  afterEach(() => {
    setCpuThreads(undefined);
    if (saved === undefined) delete process.env.DIVA_THREADS;
    else process.env.DIVA_THREADS = saved;
  });

  it("defaults to every core, reads DIVA_THREADS, and setCpuThreads wins", () => {
    delete process.env.DIVA_THREADS;
    expect(getCpuThreads()).toBe(hardwareThreads());
    process.env.DIVA_THREADS = "3";
    expect(getCpuThreads()).toBe(3);
    setCpuThreads(1);
    expect(getCpuThreads()).toBe(1);
    process.env.DIVA_THREADS = "zero";
    setCpuThreads(undefined);
    expect(() => getCpuThreads()).toThrow(/DIVA_THREADS/);
    expect(() => setCpuThreads(0)).toThrow(RangeError);
  });

  it("a process that used worker threads exits by itself", () => {
    const script = fileURLToPath(new URL("./exit-check.fixture.ts", import.meta.url));
    const r = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 60_000, env: { ...process.env, DIVA_THREADS: "3" } });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^ok parallel=[1-9]/);
  });
});
