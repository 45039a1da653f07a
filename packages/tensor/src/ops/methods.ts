/**
 * Method-call sugar on Tensor (`x.add(y).relu()`), each forwarding to the op function of the same name.
 */
import type { Device } from "../backend/backend.js";
import type { DType } from "../dtype.js";
import { initBackend } from "../engine/backends.js";
import { Tensor } from "../tensor.js";
import { fromHost } from "./creation.js";
import * as ew from "./elementwise.js";
import { matmul } from "./matmul.js";
import { logSoftmax, softmax } from "./softmax.js";
import * as red from "./reduce.js";
import * as sh from "./shape.js";
import type { TensorLike } from "./util.js";

declare module "../tensor.js" {
  interface Tensor<D extends DType = DType> {
    /** `add(this, other)` */ add(other: TensorLike): Tensor;
    /** `sub(this, other)` */ sub(other: TensorLike): Tensor;
    /** `mul(this, other)` */ mul(other: TensorLike): Tensor;
    /** `div(this, other)` */ div(other: TensorLike): Tensor;
    /** `pow(this, other)` */ pow(other: TensorLike): Tensor;
    /** `neg(this)` */ neg(): Tensor;
    /** `abs(this)` */ abs(): Tensor;
    /** `exp(this)` */ exp(): Tensor;
    /** `log(this)` */ log(): Tensor;
    /** `sqrt(this)` */ sqrt(): Tensor;
    /** `square(this)` */ square(): Tensor;
    /** `tanh(this)` */ tanh(): Tensor;
    /** `sigmoid(this)` */ sigmoid(): Tensor;
    /** `relu(this)` */ relu(): Tensor;
    /** `matmul(this, other)` */ matmul(other: Tensor): Tensor;
    /** `reshape(this, shape)` */ reshape(shape: readonly number[]): Tensor<D>;
    /** `permute(this, perm)` */ permute(perm: readonly number[]): Tensor<D>;
    /** `transpose(this, dim0, dim1)` */ transpose(dim0?: number, dim1?: number): Tensor<D>;
    /** `flatten(this, start, end)` */ flatten(start?: number, end?: number): Tensor<D>;
    /** `squeeze(this, axes)` */ squeeze(axes?: number | readonly number[]): Tensor<D>;
    /** `unsqueeze(this, axis)` */ unsqueeze(axis: number): Tensor<D>;
    /** `expand(this, shape)` */ expand(shape: readonly number[]): Tensor<D>;
    /** `slice(this, specs)` */ slice(specs: readonly sh.SliceSpec[]): Tensor<D>;
    /** `contiguous(this)` */ contiguous(): Tensor<D>;
    /** `sum(this, axes, options)` */ sum(axes?: red.Axes, options?: red.ReduceOptions): Tensor;
    /** `mean(this, axes, options)` */ mean(axes?: red.Axes, options?: red.ReduceOptions): Tensor;
    /** `max(this, axes, options)` */ max(axes?: red.Axes, options?: red.ReduceOptions): Tensor<D>;
    /** `min(this, axes, options)` */ min(axes?: red.Axes, options?: red.ReduceOptions): Tensor<D>;
    /** `argmax(this, axis, options)` */ argmax(axis?: number, options?: red.ReduceOptions): Tensor<"int32">;
    /** `softmax(this, axis)` */ softmax(axis?: number): Tensor<D>;
    /** `logSoftmax(this, axis)` */ logSoftmax(axis?: number): Tensor<D>;
    /** `cast(this, dtype)` */ cast<E extends DType>(dtype: E): Tensor<E>;
    /** A copy on another device (initialising it if needed). */
    to(device: Device): Promise<Tensor<D>>;
  }
}

const proto = Tensor.prototype as unknown as Record<string, unknown>;
Object.assign(proto, {
  add(this: Tensor, o: TensorLike) { return ew.add(this, o); },
  sub(this: Tensor, o: TensorLike) { return ew.sub(this, o); },
  mul(this: Tensor, o: TensorLike) { return ew.mul(this, o); },
  div(this: Tensor, o: TensorLike) { return ew.div(this, o); },
  pow(this: Tensor, o: TensorLike) { return ew.pow(this, o); },
  neg(this: Tensor) { return ew.neg(this); },
  abs(this: Tensor) { return ew.abs(this); },
  exp(this: Tensor) { return ew.exp(this); },
  log(this: Tensor) { return ew.log(this); },
  sqrt(this: Tensor) { return ew.sqrt(this); },
  square(this: Tensor) { return ew.square(this); },
  tanh(this: Tensor) { return ew.tanh(this); },
  sigmoid(this: Tensor) { return ew.sigmoid(this); },
  relu(this: Tensor) { return ew.relu(this); },
  matmul(this: Tensor, o: Tensor) { return matmul(this, o); },
  reshape(this: Tensor, s: readonly number[]) { return sh.reshape(this, s); },
  permute(this: Tensor, p: readonly number[]) { return sh.permute(this, p); },
  transpose(this: Tensor, a?: number, b?: number) { return sh.transpose(this, a, b); },
  flatten(this: Tensor, a?: number, b?: number) { return sh.flatten(this, a, b); },
  squeeze(this: Tensor, a?: number | readonly number[]) { return sh.squeeze(this, a); },
  unsqueeze(this: Tensor, a: number) { return sh.unsqueeze(this, a); },
  expand(this: Tensor, s: readonly number[]) { return sh.expand(this, s); },
  slice(this: Tensor, s: readonly sh.SliceSpec[]) { return sh.slice(this, s); },
  contiguous(this: Tensor) { return sh.contiguous(this); },
  sum(this: Tensor, a?: red.Axes, o?: red.ReduceOptions) { return red.sum(this, a, o); },
  mean(this: Tensor, a?: red.Axes, o?: red.ReduceOptions) { return red.mean(this, a, o); },
  max(this: Tensor, a?: red.Axes, o?: red.ReduceOptions) { return red.max(this, a, o); },
  min(this: Tensor, a?: red.Axes, o?: red.ReduceOptions) { return red.min(this, a, o); },
  argmax(this: Tensor, a?: number, o?: red.ReduceOptions) { return red.argmax(this, a, o); },
  softmax(this: Tensor, a?: number) { return softmax(this, a); },
  logSoftmax(this: Tensor, a?: number) { return logSoftmax(this, a); },
  cast(this: Tensor, d: DType) { return ew.cast(this, d); },
  async to(this: Tensor, device: Device) {
    if (device === this.device) {
      const c = sh.contiguous(this);
      return c === this ? new Tensor(this.ref, this.dtype, this.shape, this.strides, this.offset) : c;
    }
    await initBackend(device);
    return fromHost(await this.data(), this.dtype, this.shape, device);
  },
});
