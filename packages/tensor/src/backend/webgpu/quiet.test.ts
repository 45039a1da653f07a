/**
 * The software-adapter warning (from fake adapter infos), the parsing of the driver probe's answer and the
 * WAYLAND_DISPLAY guard. No adapter needed; webgpu-startup.test.ts checks a real startup's stderr.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseProbe, withoutWaylandNoise } from "./quiet.js";
import { softwareAdapterWarning, warnIfSoftwareAdapter } from "./software-adapter.js";

const tail = "it is for checking correctness and runs far slower than the CPU backend; use the CPU backend for speed";

describe("softwareAdapterWarning", () => {
  it("names SwiftShader, llvmpipe and lavapipe from any info field", () => {
    expect(softwareAdapterWarning({ vendor: "google", architecture: "swiftshader", device: "swiftshader-device-subzero", description: "SwiftShader driver 5.0.0" })).toBe(
      `webgpu: the adapter is a software one (SwiftShader): ${tail}`,
    );
    expect(softwareAdapterWarning({ vendor: "mesa", architecture: "", device: "", description: "llvmpipe (LLVM 15.0.6, 256 bits)" })).toBe(
      `webgpu: the adapter is a software one (Mesa llvmpipe): ${tail}`,
    );
    expect(softwareAdapterWarning({ vendor: "", description: "Mesa Lavapipe 25.0.7" })).toBe(`webgpu: the adapter is a software one (Mesa lavapipe): ${tail}`);
  });

  it("counts an adapter flagged as fallback, from its info or (older implementations) from the adapter", () => {
    expect(softwareAdapterWarning({ vendor: "acme", description: "Acme CPU renderer", isFallbackAdapter: true })).toBe(
      `webgpu: the adapter is a software one (a fallback adapter): ${tail}`,
    );
    expect(softwareAdapterWarning({ vendor: "acme" }, true)).toBe(`webgpu: the adapter is a software one (a fallback adapter): ${tail}`);
  });

  it("says nothing for a hardware adapter", () => {
    expect(softwareAdapterWarning({ vendor: "nvidia", architecture: "hopper", device: "NVIDIA H100 80GB HBM3", description: "NVIDIA: 550.54", isFallbackAdapter: false })).toBeNull();
  });

  it("warns once per process, on one line", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const fake = (description: string) => ({ info: { vendor: "google", architecture: "swiftshader", device: "", description } }) as unknown as GPUAdapter;
    warnIfSoftwareAdapter({ info: { vendor: "nvidia", description: "RTX" } } as unknown as GPUAdapter);
    expect(warn).not.toHaveBeenCalled();
    warnIfSoftwareAdapter(fake("SwiftShader driver 5.0.0"));
    warnIfSoftwareAdapter(fake("SwiftShader driver 5.0.0"));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).not.toContain("\n");
    warn.mockRestore();
  });
});

describe("parseProbe", () => {
  const files = ["/usr/share/vulkan/icd.d/lvp_icd.x86_64.json", "/usr/share/vulkan/icd.d/radeon_icd.x86_64.json"];

  it("splits the manifests into accepted and refused", () => {
    const text = `${JSON.stringify({ file: files[0], ok: true })}\n${JSON.stringify({ file: files[1], ok: false })}\n`;
    expect(parseProbe(text, files)).toEqual({ accepted: [files[0]], refused: [files[1]] });
  });

  it("gives no answer (null: load every driver as before) for a partial or odd reply", () => {
    expect(parseProbe(`${JSON.stringify({ file: files[0], ok: true })}\n`, files)).toBeNull();
    expect(parseProbe("Warning: something\n", files)).toBeNull();
    expect(parseProbe(`${JSON.stringify({ file: "/elsewhere.json", ok: true })}\n${JSON.stringify({ file: files[1], ok: true })}`, files)).toBeNull();
    expect(parseProbe(`${JSON.stringify({ file: files[0], ok: "yes" })}\n${JSON.stringify({ file: files[1], ok: true })}`, files)).toBeNull();
  });
});

describe("withoutWaylandNoise", () => {
  const saved = { w: process.env.WAYLAND_DISPLAY, x: process.env.XDG_RUNTIME_DIR, d: process.env.DIVA_WEBGPU_DEBUG };
  afterEach(() => {
    for (const [k, v] of [["WAYLAND_DISPLAY", saved.w], ["XDG_RUNTIME_DIR", saved.x], ["DIVA_WEBGPU_DEBUG", saved.d]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("points WAYLAND_DISPLAY at an absolute path while discovering when XDG_RUNTIME_DIR is unusable, then restores it", async () => {
    delete process.env.WAYLAND_DISPLAY;
    delete process.env.DIVA_WEBGPU_DEBUG;
    process.env.XDG_RUNTIME_DIR = "/no/such/dir";
    const inside = await withoutWaylandNoise(() => false, async () => process.env.WAYLAND_DISPLAY);
    expect(inside).toMatch(/^\//);
    expect(process.env.WAYLAND_DISPLAY).toBeUndefined();
  });

  it("leaves a usable session, a set WAYLAND_DISPLAY and DIVA_WEBGPU_DEBUG=1 alone", async () => {
    delete process.env.WAYLAND_DISPLAY;
    process.env.XDG_RUNTIME_DIR = "/run/user/1000";
    expect(await withoutWaylandNoise(() => true, async () => process.env.WAYLAND_DISPLAY)).toBeUndefined();
    process.env.XDG_RUNTIME_DIR = "/no/such/dir";
    process.env.DIVA_WEBGPU_DEBUG = "1";
    expect(await withoutWaylandNoise(() => false, async () => process.env.WAYLAND_DISPLAY)).toBeUndefined();
    delete process.env.DIVA_WEBGPU_DEBUG;
    process.env.WAYLAND_DISPLAY = "wayland-1";
    expect(await withoutWaylandNoise(() => false, async () => process.env.WAYLAND_DISPLAY)).toBe("wayland-1");
  });
});
