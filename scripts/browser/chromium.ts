/**
 * Finding and launching Debian's Chromium headless with WebGPU on a software adapter (SwiftShader, which
 * Chromium ships), through playwright-core (no browser download).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where the Chromium binary is looked for: CHROMIUM_PATH, then Debian's paths. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((p): p is string => !!p && existsSync(p)) ?? null;
}

/**
 * Flags: WebGPU enabled despite the blocklist (`--enable-unsafe-webgpu`) on SwiftShader's Vulkan device
 * (`--use-webgpu-adapter=swiftshader`, so the result does not depend on the machine's GPU), and a quiet
 * browser (no network, updates, sync or first-run UI). Checked on Chromium 156 (Debian 12).
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--use-webgpu-adapter=swiftshader",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--no-first-run",
  "--no-default-browser-check",
];

/** A launched browser context with a fresh profile; `close` also deletes the profile. */
export interface LaunchedChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium at `executablePath` with {@link CHROMIUM_FLAGS} and a fresh --user-data-dir. */
export async function launchChromium(executablePath: string): Promise<LaunchedChromium> {
  const profile = mkdtempSync(join(tmpdir(), "diva-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
