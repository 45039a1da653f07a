import type { BiasActivation, KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { allocHost } from "../../dtype.js";
import { UNARY } from "../../ops/elementwise-table.js";
import { broadcastStrides, sizeOf } from "../../shape.js";
import { runLoop } from "./loops.js";
import { erf, sigmoid } from "./math.js";
import { CpuStorage, dataOf } from "./storage.js";

type Act = Exclude<BiasActivation, "none">;

/** The activation of the elementwise table's JavaScript expression, as a function of one number. */
function actFunction(name: Act): (x: number) => number {
  return new Function("erf", "sigmoid", `return (x) => ${UNARY[name].js};`)(erf, sigmoid) as (x: number) => number;
}

const ENV: Record<string, (x: number) => number> = {};
for (const name of ["relu", "gelu", "geluTanh", "quickGelu", "silu"] as const) ENV[`act_${name}`] = actFunction(name);

/** act(x + bias) with bias broadcast over the last axis: one strided loop, the sum kept in float64. */
export function biasActKernel(inputs: readonly TensorView[], attrs: KernelAttrs["biasAct"], out: OutputInfo): CpuStorage {
  const [x, b] = inputs as [TensorView, TensorView];
  const res = allocHost(out.dtype, sizeOf(out.shape));
  const expr = attrs.activation === "none" ? "x + y" : `act_${attrs.activation}(x + y)`;
  const operands = [
    { data: dataOf(x), offset: x.offset, strides: x.strides },
    { data: dataOf(b), offset: b.offset, strides: broadcastStrides(b.shape, b.strides, out.shape) },
  ];
  runLoop(expr, operands, out.shape, res, attrs.activation === "none" ? undefined : { [`act_${attrs.activation}`]: ENV[`act_${attrs.activation}`] });
  return new CpuStorage(res);
}
