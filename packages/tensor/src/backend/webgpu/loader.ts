/// <reference types="@webgpu/types" />
import { divaEnv } from "../../env.js";
import { GPU_SETUP_TIMEOUT_MS, withDeadline } from "./deadline.js";
import { dawnDebug, probeVulkanDrivers, withoutWaylandNoise } from "./quiet.js";

/** An adapter and the GPU object that made it (keep both referenced for the device's lifetime). */
export interface AdapterChoice {
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  /** How it was found, for messages: "navigator.gpu", "dawn vulkan", "dawn vulkan (swiftshader)", "dawn opengl". */
  readonly via: string;
}

interface DawnModule {
  create(flags: string[]): GPU;
  globals: object;
}

/**
 * GPU objects from the `webgpu` package's `create()`. Dawn's native instance dies with its JS object and
 * the process then crashes, so every one ever made is kept here for the life of the process.
 */
const keepAlive: GPU[] = [];

const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
/** Values of DIVA_WEBGPU_BACKEND. */
const FORCED_BACKENDS: readonly string[] = ["vulkan", "swiftshader", "opengl"];
const ICD_DIRS = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];

/** Environment variables of the process (Node), or an empty record (browser); written for the drivers (VK_ICD_FILENAMES, EGL_PLATFORM). */
function env(): Record<string, string | undefined> {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env ?? {};
}

interface NodeFs {
  existsSync(p: string): boolean;
  readdirSync(p: string): string[];
  statSync(p: string, o: { throwIfNoEntry: false }): { isDirectory(): boolean } | undefined;
}

async function nodeFs(): Promise<NodeFs> {
  const name = "node:fs";
  return (await import(/* @vite-ignore */ name)) as NodeFs;
}

/** The Vulkan driver manifests the Vulkan loader finds without VK_ICD_FILENAMES. */
function systemIcdFiles(fs: NodeFs): string[] {
  return ICD_DIRS.flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith(".json")).sort().map((f) => `${d}/${f}`) : []));
}

/**
 * Imports Dawn for Node (the `webgpu` package, an optional dependency of @diva/tensor: CPU-only users need not
 * install its 130 MB); `name` is for tests. A failure says how to install it.
 */
export async function loadDawn(name = "webgpu"): Promise<DawnModule> {
  try {
    const mod = (await import(/* @vite-ignore */ name)) as DawnModule;
    for (const [k, v] of Object.entries(mod.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    return mod;
  } catch (e) {
    // Node: "Cannot find package 'webgpu' imported from ..."; a missing dependency of webgpu names another.
    const missing = (e as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && (e as Error).message.includes(`'${name}'`);
    const hint = `the WebGPU backend in Node needs it, an optional dependency of @diva/tensor: npm install ${name}`;
    throw new Error(`webgpu: the "${name}" npm package (Dawn for Node) ${missing ? "is not installed" : `could not be loaded: ${(e as Error).message}`}; ${hint}`);
  }
}

/**
 * The Dawn flags of every instance: `user` (from DIVA_WEBGPU_FLAGS) with `timestamp_quantization` added to
 * the disabled Dawn toggles. Dawn rounds timestamp-query results down to multiples of 2^16 ns by default
 * (against timing attacks in browsers), which would make GPU timing of short passes useless; a Node
 * process has nothing to guard with it.
 */
export function dawnFlags(user: readonly string[]): string[] {
  const key = "disable-dawn-features=";
  const i = user.findIndex((f) => f.startsWith(key));
  if (i < 0) return [...user, `${key}timestamp_quantization`];
  const out = [...user];
  out[i] = `${out[i]!.replace(/,+$/, "")}${out[i]!.length > key.length ? "," : ""}timestamp_quantization`;
  return out;
}

async function tryAdapter(gpu: GPU, options: GPURequestAdapterOptions): Promise<GPUAdapter | null> {
  const a = await withDeadline(gpu.requestAdapter(options), GPU_SETUP_TIMEOUT_MS, "a WebGPU adapter");
  if (a) return a;
  return withDeadline(gpu.requestAdapter({ ...options, forceFallbackAdapter: true }), GPU_SETUP_TIMEOUT_MS, "a fallback WebGPU adapter");
}

/**
 * Finds a WebGPU adapter. In a browser: `navigator.gpu`. In Node: Dawn from the `webgpu` package, trying
 * in turn its default backend (a Vulkan driver such as Mesa lavapipe), SwiftShader from Debian's
 * chromium-common when no Vulkan driver is installed system-wide (setting VK_ICD_FILENAMES), and Dawn's
 * OpenGL backend in compatibility mode (Mesa llvmpipe). `DIVA_WEBGPU_BACKEND=vulkan|swiftshader|opengl`
 * forces one (`swiftshader`: Vulkan with VK_ICD_FILENAMES set to Chromium's SwiftShader, even when another
 * Vulkan driver is installed); `DIVA_WEBGPU_FLAGS` adds comma-separated Dawn flags. Returns null, with the
 * reasons, when none works (or DIVA_WEBGPU_BACKEND has another value). Dawn's timestamp quantization is
 * turned off (see `dawnFlags`). Dawn's discovery messages stay off stderr unless DIVA_WEBGPU_DEBUG=1 (see
 * quiet.ts): system Vulkan drivers that Dawn refuses are left out, found by a probe in a child process.
 */
export async function findAdapter(): Promise<{ choice: AdapterChoice | null; tried: string[] }> {
  const tried: string[] = [];
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu && !isNode()) {
    const adapter = await tryAdapter(nav.gpu, { powerPreference: "high-performance" });
    if (adapter) return { choice: { gpu: nav.gpu, adapter, via: "navigator.gpu" }, tried };
    tried.push("navigator.gpu: requestAdapter returned null");
    return { choice: null, tried };
  }
  const forced = divaEnv("DIVA_WEBGPU_BACKEND") || undefined;
  if (forced !== undefined && !FORCED_BACKENDS.includes(forced)) {
    tried.push(`DIVA_WEBGPU_BACKEND=${forced} is not one of ${FORCED_BACKENDS.join(", ")}`);
    return { choice: null, tried };
  }
  const dawn = await loadDawn();
  const fs = await nodeFs();
  const isDir = (p: string) => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  return withoutWaylandNoise(isDir, () => findDawnAdapter(dawn, fs, forced, tried));
}

/** The Node part of `findAdapter`: Dawn's Vulkan (system drivers, SwiftShader) and OpenGL backends in turn. */
async function findDawnAdapter(
  dawn: DawnModule,
  fs: NodeFs,
  forced: string | undefined,
  tried: string[],
): Promise<{ choice: AdapterChoice | null; tried: string[] }> {
  const e = env();
  const extra = dawnFlags((divaEnv("DIVA_WEBGPU_FLAGS") ?? "").split(",").filter(Boolean));
  const make = (flags: string[]) => {
    const gpu = dawn.create([...flags, ...extra]);
    keepAlive.push(gpu);
    return gpu;
  };
  if (forced === "swiftshader") {
    if (!fs.existsSync(SWIFTSHADER_ICD)) {
      tried.push(`DIVA_WEBGPU_BACKEND=swiftshader: no ${SWIFTSHADER_ICD} (Debian's chromium-common package has it)`);
      return { choice: null, tried };
    }
    e.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const gpu = make(["backend=vulkan"]);
    const adapter = await tryAdapter(gpu, {});
    if (adapter) return { choice: { gpu, adapter, via: "dawn vulkan (swiftshader)" }, tried };
    tried.push("dawn vulkan (swiftshader): no adapter");
    return { choice: null, tried };
  }
  if (forced !== "opengl") {
    const systemIcds = systemIcdFiles(fs);
    const userIcds = e.VK_ICD_FILENAMES;
    let skipSystem = false;
    if (!userIcds && systemIcds.length > 0 && !dawnDebug()) {
      // only the drivers Dawn accepts, so that it prints no warning about the others
      const probe = await probeVulkanDrivers(systemIcds, extra, e.WAYLAND_DISPLAY);
      if (probe && probe.accepted.length > 0) e.VK_ICD_FILENAMES = probe.accepted.join(":");
      else if (probe) {
        skipSystem = true;
        tried.push(`dawn default: Dawn accepts none of the system Vulkan drivers (${probe.refused.join(", ")}; DIVA_WEBGPU_DEBUG=1 shows why)`);
      }
    }
    if (!e.VK_ICD_FILENAMES && systemIcds.length === 0 && fs.existsSync(SWIFTSHADER_ICD)) e.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    if (!skipSystem) {
      const label = e.VK_ICD_FILENAMES === SWIFTSHADER_ICD ? "dawn vulkan (swiftshader)" : "dawn default";
      const gpu = make(forced === "vulkan" ? ["backend=vulkan"] : []);
      const adapter = await tryAdapter(gpu, { powerPreference: "high-performance" });
      if (adapter) return { choice: { gpu, adapter, via: label }, tried };
      tried.push(`${label}: no adapter${e.VK_ICD_FILENAMES ? ` (VK_ICD_FILENAMES=${e.VK_ICD_FILENAMES})` : ""}`);
    }
    if (!userIcds && e.VK_ICD_FILENAMES !== SWIFTSHADER_ICD && fs.existsSync(SWIFTSHADER_ICD)) {
      e.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      const g2 = make([]);
      const a2 = await tryAdapter(g2, {});
      if (a2) return { choice: { gpu: g2, adapter: a2, via: "dawn vulkan (swiftshader)" }, tried };
      tried.push("dawn vulkan (swiftshader): no adapter");
    }
  }
  if (forced !== "vulkan") {
    e.EGL_PLATFORM ??= "surfaceless";
    const gpu = make(["backend=opengl"]);
    const adapter = await tryAdapter(gpu, { featureLevel: "compatibility" } as GPURequestAdapterOptions);
    if (adapter) return { choice: { gpu, adapter, via: "dawn opengl" }, tried };
    tried.push("dawn opengl (compatibility): no adapter");
  }
  return { choice: null, tried };
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === "string";
}
