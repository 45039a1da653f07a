// The demo's temporary folder goes away when the demo is interrupted, and folders left by killed runs
// (owner process gone) are removed on the next start.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeDemoWorkDir, removeStaleDemoDirs } from "../src/demo/work-dir.js";

const REPO = join(import.meta.dirname, "..", "..", "..");
const MAIN = join(REPO, "packages", "diva", "src", "cli", "main.ts");
const bases: string[] = [];
const newBase = () => {
  const b = mkdtempSync(join(tmpdir(), "diva-workdir-test-"));
  bases.push(b);
  return b;
};
afterAll(() => bases.forEach((b) => rmSync(b, { recursive: true, force: true })));

const demoDirs = (base: string) => readdirSync(base).filter((n) => n.startsWith("diva-demo-"));

/** Resolves when `check` holds (polling), or rejects after `ms`. */
async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the demo's temporary folder", () => {
  it("holds its owner's pid and is removed by dispose()", () => {
    const base = newBase();
    const w = makeDemoWorkDir(base);
    expect(readFileSync(join(w.path, "owner.pid"), "utf8").trim()).toBe(String(process.pid));
    w.dispose();
    w.dispose();
    expect(existsSync(w.path)).toBe(false);
    expect(process.listeners("SIGINT").length + process.listeners("SIGTERM").length).toBe(0);
  });

  it("removes folders of finished processes and old unowned ones, keeps live and recent ones", () => {
    const base = newBase();
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!;
    const make = (name: string, pid?: number) => {
      mkdirSync(join(base, name));
      writeFileSync(join(base, name, "big.bin"), Buffer.alloc(1024));
      if (pid !== undefined) writeFileSync(join(base, name, "owner.pid"), `${pid}\n`);
    };
    make("diva-demo-dead", deadPid);
    make("diva-demo-live", process.pid);
    make("diva-demo-parent", process.ppid);
    make("diva-demo-old");
    make("diva-demo-new");
    make("other-dead", deadPid);
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(base, "diva-demo-old"), old, old);
    expect(removeStaleDemoDirs(base).sort()).toEqual([join(base, "diva-demo-dead"), join(base, "diva-demo-old")]);
    expect(readdirSync(base).sort()).toEqual(["diva-demo-live", "diva-demo-new", "diva-demo-parent", "other-dead"]);
  });

  it.each(["SIGINT", "SIGTERM"] as const)("is removed when diva demo gets %s, and the process still ends", async (signal) => {
    const base = newBase();
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", MAIN, "demo", "--quick", "--out", join(base, "report")], {
      cwd: REPO,
      env: { ...process.env, TMPDIR: base },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, sig) => resolve({ code, signal: sig })));
    try {
      await waitFor(() => demoDirs(base).some((d) => existsSync(join(base, d, "owner.pid"))), 60_000, "the demo's folder");
      child.kill(signal);
      const end = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`demo did not end after ${signal}: ${err}`)), 30_000))]);
      expect(end.signal ?? end.code).not.toBe(0);
      expect(demoDirs(base)).toEqual([]);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
