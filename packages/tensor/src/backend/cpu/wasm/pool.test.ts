import { describe, expect, it } from "vitest";
import { kernelRuntime } from "./runtime.js";

describe("worker pool", () => {
  it("reports a trap in a worker as an error and keeps working afterwards", () => {
    const rt = kernelRuntime()!;
    if (rt.threads(2) < 2) return; // single-threaded host: nothing to test
    const [x] = rt.layout(2, [4 * 64])!;
    const heap = rt.f32();
    heap.fill(1, x! >> 2, (x! >> 2) + 64);
    const kernel = rt.kernel("softmaxRows");
    const good = { kernel, args: [x!, x!, 4, 16] };
    const bad = { kernel, args: [rt.maximumBytes - 8, rt.maximumBytes - 8, 4, 16] };
    expect(() => rt.run([good, bad])).toThrow(/worker.*(out of bounds|memory)/is);
    heap.fill(1, x! >> 2, (x! >> 2) + 64);
    rt.run([good, { kernel, args: [x! + 128, x! + 128, 2, 16] }]);
    expect(rt.f32()[(x! >> 2) + 63]).toBeCloseTo(1 / 16, 6);
  });
});
