// A forward and backward pass with the built @diva/tensor (dist/index.js) on the device named by argv[2]
// ("cpu" or "webgpu"); prints one JSON line { device, adapter, loss, grad }. Used by built-package.test.ts.
import * as T from "@diva/tensor";

const device = process.argv[2] ?? "webgpu";
const backend = await T.useBackend(device);
const x = T.tensor([[1, 2, 3], [4, 5, 6]]);
const w = T.tensor([[0.5, -1], [2, 0.25], [-0.5, 1]]);
const f = (w) => T.sum(T.square(T.gelu(T.matmul(x, w))));
const [loss, g] = T.valueAndGrad(f)(w);
const adapter = backend instanceof T.WebGPUBackend ? backend.adapter.name : null;
console.log(JSON.stringify({ device: loss.device, adapter, loss: await loss.item(), grad: Array.from(await g.data()) }));
