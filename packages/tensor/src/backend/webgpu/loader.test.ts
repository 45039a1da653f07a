import { afterEach, describe, expect, it } from "vitest";
import { findAdapter } from "./loader.js";

const saved = process.env.DIVA_WEBGPU_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.DIVA_WEBGPU_BACKEND;
  else process.env.DIVA_WEBGPU_BACKEND = saved;
});

describe("webgpu adapter choice (DIVA_WEBGPU_BACKEND)", () => {
  it("refuses an unknown value, naming it and the accepted ones, without trying any driver", async () => {
    process.env.DIVA_WEBGPU_BACKEND = "metal";
    const { choice, tried } = await findAdapter();
    expect(choice).toBeNull();
    expect(tried).toEqual(["DIVA_WEBGPU_BACKEND=metal is not one of vulkan, swiftshader, opengl"]);
  });
});
