/**
 * tfjs (wasm backend) conv2d passes in its native NHWC / HWIO layouts (the operands are permuted before
 * timing): `conv2d`, `conv2dTranspose` (the input gradient) and the Conv2DBackpropFilter kernel (the
 * weight gradient, which tfjs-backend-wasm does not implement).
 */
import type { ConvCase } from "../cases.js";
import { permuteHost } from "../../kernels/host-layout.js";
import { loadedLibraryRunner, timeInProcess, type Runner } from "./runner.js";
import { loadTfjsWasm, type Tf } from "./tfjs-load.js";

type T4 = ReturnType<Tf["tensor4d"]>;

/** tfjs conv2d passes on the "wasm" backend. */
export function tfjsConvRunner(): Runner<ConvCase> {
  return loadedLibraryRunner("tfjs wasm", loadTfjsWasm, (tf) => ({
    unsupported(c: ConvCase) {
      if (c.pass === "weight-grad" && !tf().getKernel("Conv2DBackpropFilter", "wasm")) return "no Conv2DBackpropFilter kernel in tfjs-backend-wasm";
      return undefined;
    },
    async time(c: ConvCase, repeats: number) {
      const t = tf();
      const [N, C, H, W] = c.shape.x, [O, , kh, kw] = c.shape.w, [, , oh, ow] = c.out;
      const x = t.tensor4d(permuteHost(c.x, c.shape.x, [0, 2, 3, 1]), [N, H, W, C]);
      const w = t.tensor4d(permuteHost(c.w, c.shape.w, [2, 3, 1, 0]), [kh, kw, C, O]);
      const dy = t.tensor4d(permuteHost(c.dy, c.out, [0, 2, 3, 1]), [N, oh, ow, O]);
      const s = c.shape.stride, p = c.shape.pad;
      const run = (): T4 => {
        if (c.pass === "forward") return t.conv2d(x, w, s, p);
        if (c.pass === "input-grad") return t.conv2dTranspose(dy, w, [N, H, W, C], s, p);
        return t.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: s, pad: p, dataFormat: "NHWC", filterShape: [kh, kw, C, O] }) as T4;
      };
      const timing = await timeInProcess(repeats, () => {
        const y = run();
        y.dataSync();
        y.dispose();
      });
      for (const a of [x, w, dy]) a.dispose();
      return timing;
    },
  }));
}
