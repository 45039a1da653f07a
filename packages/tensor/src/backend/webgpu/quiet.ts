/**
 * Keeps Dawn's adapter discovery off stderr in Node. Dawn and the drivers it loads print from native code,
 * straight to file descriptor 2, messages that look like errors but are not ones for us:
 * - `error: XDG_RUNTIME_DIR is invalid or not set in the environment.` (libwayland, loaded by the Vulkan
 *   drivers, when there is no desktop session): avoided by pointing WAYLAND_DISPLAY at an absolute path
 *   while adapters are discovered, which makes libwayland fail quietly instead of looking at XDG_RUNTIME_DIR;
 * - `Warning: Vulkan shaderUniform*ArrayDynamicIndexing required. - While initializing adapter ...` (Dawn
 *   refusing a system Vulkan driver, such as Debian 12's lavapipe 22.3): avoided by asking a child process
 *   which system drivers Dawn accepts (its stderr is discarded) and giving Dawn only those.
 * `DIVA_WEBGPU_DEBUG=1` turns all this off, so that Dawn's messages show.
 */
import { divaFlag } from "../../env.js";

/** Environment variables of the process (Node), or an empty record (browser); writable (see withoutWaylandNoise). */
function env(): Record<string, string | undefined> {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env ?? {};
}

/** True when DIVA_WEBGPU_DEBUG asks to see Dawn's own messages. */
export function dawnDebug(): boolean {
  return divaFlag("DIVA_WEBGPU_DEBUG");
}

/** An absolute WAYLAND_DISPLAY that names no socket: libwayland then fails without complaining. */
const NO_WAYLAND = "/nonexistent/diva-no-wayland-display";

/**
 * Runs `fn` (adapter discovery) with WAYLAND_DISPLAY pointing nowhere when no Wayland session can exist
 * (XDG_RUNTIME_DIR unset or not a directory, WAYLAND_DISPLAY unset), then restores the variable.
 */
export async function withoutWaylandNoise<T>(isDir: (path: string) => boolean, fn: () => Promise<T>): Promise<T> {
  const e = env();
  const xdg = e.XDG_RUNTIME_DIR;
  if (dawnDebug() || e.WAYLAND_DISPLAY !== undefined || (xdg !== undefined && xdg !== "" && isDir(xdg))) return fn();
  e.WAYLAND_DISPLAY = NO_WAYLAND;
  try {
    return await fn();
  } finally {
    if (e.WAYLAND_DISPLAY === NO_WAYLAND) delete e.WAYLAND_DISPLAY;
  }
}

/** What the probe found: the Vulkan driver manifests Dawn gives an adapter for, and the others. */
interface VulkanProbe {
  readonly accepted: readonly string[];
  readonly refused: readonly string[];
}

/** The child's program: one Dawn instance per driver manifest, one JSON line per manifest on stdout. */
const PROBE_SCRIPT = `
const input = JSON.parse(process.env.DIVA_WEBGPU_PROBE);
const { create } = await import(input.module);
const keep = [];
for (const file of input.manifests) {
  process.env.VK_ICD_FILENAMES = file;
  let ok = false;
  try {
    const gpu = create(["backend=vulkan", ...input.flags]);
    keep.push(gpu);
    const a = (await gpu.requestAdapter({ powerPreference: "high-performance" })) ?? (await gpu.requestAdapter({ forceFallbackAdapter: true }));
    ok = a !== null && a !== undefined;
  } catch {}
  process.stdout.write(JSON.stringify({ file, ok }) + "\\n");
}
process.exit(0);
`;

/** How long the probe may take before the loader goes on without it. */
const PROBE_TIMEOUT_MS = 20_000;

/**
 * Asks a child Node process which of the Vulkan driver `manifests` Dawn accepts (Dawn's messages about the
 * refused ones stay in the child). Null when the probe cannot run or does not finish in time: the caller then
 * lets Dawn load every driver, as without the probe.
 */
export async function probeVulkanDrivers(manifests: readonly string[], flags: readonly string[], waylandDisplay?: string): Promise<VulkanProbe | null> {
  try {
    const { spawn } = (await import(/* @vite-ignore */ "node:child_process")) as typeof import("node:child_process");
    const { createRequire } = (await import(/* @vite-ignore */ "node:module")) as unknown as { createRequire(from: string): { resolve(id: string): string } };
    const { pathToFileURL } = (await import(/* @vite-ignore */ "node:url")) as typeof import("node:url");
    const modulePath = createRequire(import.meta.url).resolve("webgpu");
    const input = JSON.stringify({ module: pathToFileURL(modulePath).href, manifests, flags });
    const childEnv: Record<string, string | undefined> = { ...env(), DIVA_WEBGPU_PROBE: input };
    if (waylandDisplay !== undefined) childEnv.WAYLAND_DISPLAY = waylandDisplay;
    const out = await new Promise<string | null>((resolve) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", PROBE_SCRIPT], { env: childEnv, stdio: ["ignore", "pipe", "ignore"] });
      let text = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve(null);
      }, PROBE_TIMEOUT_MS);
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        if (text.length < 1 << 20) text += chunk;
      });
      child.on("error", () => {
        clearTimeout(timer);
        resolve(null);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve(code === 0 ? text : null);
      });
    });
    return out === null ? null : parseProbe(out, manifests);
  } catch {
    return null;
  }
}

/** The probe's answer, or null unless it has one well-formed line for each manifest. */
export function parseProbe(text: string, manifests: readonly string[]): VulkanProbe | null {
  const ok = new Map<string, boolean>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return null;
    }
    const r = v as { file?: unknown; ok?: unknown };
    if (typeof r.file !== "string" || typeof r.ok !== "boolean" || !manifests.includes(r.file)) return null;
    ok.set(r.file, r.ok);
  }
  if (ok.size !== manifests.length) return null;
  return { accepted: manifests.filter((m) => ok.get(m)), refused: manifests.filter((m) => !ok.get(m)) };
}
