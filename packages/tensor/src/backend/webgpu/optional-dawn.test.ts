// Dawn for Node (the `webgpu` package) is an optional dependency: without it, asking for the WebGPU backend
// fails with a message that says how to install it, and the CPU backend works.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadDawn } from "./loader.js";

describe("the optional webgpu package", () => {
  it("is an optional dependency of @diva/tensor", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as Record<string, Record<string, string> | undefined>;
    expect(pkg.dependencies ?? {}).not.toHaveProperty("webgpu");
    expect(pkg.optionalDependencies).toHaveProperty("webgpu");
  });

  it("missing, it gives the install command", async () => {
    await expect(loadDawn("webgpu-not-installed-here")).rejects.toThrow(
      'webgpu: the "webgpu-not-installed-here" npm package (Dawn for Node) is not installed; the WebGPU backend in Node needs it, an optional dependency of @diva/tensor: npm install webgpu-not-installed-here',
    );
  });
});
