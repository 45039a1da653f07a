import type { Backend, Device, TensorView } from "./backend/backend.js";
import type { DType, TypedArrayFor } from "./dtype.js";
import { StorageRef, countTensor } from "./engine/memory.js";
import { trackTensor } from "./engine/scope.js";
import type { TapeNode } from "./autograd/tape.js";
import { contiguousStrides, isContiguous, sizeOf, type Shape } from "./shape.js";
import { formatValues, forEachShown, getPrintOptions } from "./format.js";

/** Node's `util.inspect.custom`, taken from the global symbol registry so that browsers need no `node:util`. */
const inspectCustom = Symbol.for("nodejs.util.inspect.custom");

/** Reads of a CPU storage for printing go through one host copy when the view spans at most this many elements. */
const PRINT_SPAN_LIMIT = 1 << 16;

let nextId = 1;

/** Nested JavaScript arrays as `array()` returns them. */
export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array on a device. Immutable: ops return new tensors. A tensor is a strided view of a
 * storage, so reshape/transpose/slice/expand share memory where the layout allows.
 *
 * @example
 * ```ts
 * const t = tensor([[1, 2], [3, 4]]);
 * console.log(t.shape, t.dtype, await t.data()); // [2, 2] "float32" Float32Array [1, 2, 3, 4]
 * ```
 */
export class Tensor<D extends DType = DType> implements TensorView {
  /** Unique id (gradient maps are keyed by it). */
  readonly id: number = nextId++;
  /** Sizes of each dimension. */
  readonly shape: readonly number[];
  /** Element strides of each dimension in the storage. */
  readonly strides: readonly number[];
  /** @internal */
  readonly ref: StorageRef;
  /** True once `keep(t)` was called: no tidy scope disposes it. */
  kept = false;
  /** @internal Autograd nodes of this tensor, indexed by gradient level. */
  nodes: (TapeNode | undefined)[] | undefined;
  /** @internal Number of tape nodes that hold this tensor. */
  tapeRefs = 0;
  private state: "live" | "pending" | "disposed" = "live";
  /** The values printing shows, kept from the last `data()` of a tensor that has no synchronous read. */
  private printed: { values: number[]; threshold: number; edgeitems: number } | undefined;

  /** @internal Use `tensor()` and the ops to make tensors. */
  constructor(
    ref: StorageRef,
    /** Element type. */
    readonly dtype: D,
    shape: Shape,
    strides?: readonly number[],
    /** Element offset of this view in its storage. */
    readonly offset = 0,
  ) {
    this.ref = ref;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    ref.retain();
    countTensor(1);
    trackTensor(this);
  }

  /** The storage this view reads (for kernels). */
  get storage() {
    this.assertLive("read");
    return this.ref.storage;
  }

  /** @internal */
  get backend(): Backend {
    return this.ref.backend;
  }

  /** Device the data lives on. */
  get device(): Device {
    return this.ref.backend.name;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** True when the view is row-major contiguous. */
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** True after `dispose()`. */
  get isDisposed(): boolean {
    return this.state !== "live";
  }

  /**
   * Throws a clear error if the tensor's memory was released. (A tensor disposed while a gradient computation
   * still holds it stays readable until that computation ends: its VJPs need it.)
   */
  assertLive(op: string): void {
    if (this.state === "disposed") throw new Error(`${op}: tensor #${this.id} ${shapeText(this.shape)} was disposed`);
  }

  /**
   * Releases the tensor's memory (idempotent). If an active gradient computation still needs it, the release
   * happens when that computation ends.
   */
  dispose(): void {
    if (this.state !== "live") return;
    if (this.tapeRefs > 0) {
      this.state = "pending";
      return;
    }
    this.free();
  }

  /** @internal Called when the last tape node holding this tensor is released. */
  releaseFromTape(): void {
    if (--this.tapeRefs === 0 && this.state === "pending") this.free();
  }

  private free(): void {
    this.state = "disposed";
    this.printed = undefined;
    countTensor(-1);
    this.ref.release();
  }

  /** `using t = ...` disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** The elements in row-major order, as a new typed array (bool as Uint8Array of 0/1). */
  async data(): Promise<TypedArrayFor<D>> {
    this.assertLive("data");
    const src = this.isContiguous ? this : contiguousCopy(this);
    try {
      const values = (await src.backend.read(src.ref.storage, this.dtype, src.offset, this.size)) as TypedArrayFor<D>;
      if (!this.backend.readSync) this.keepPrinted(values);
      return values;
    } finally {
      if (src !== this) src.dispose();
    }
  }

  /** Synchronous `data()`, for tensors on the CPU. */
  dataSync(): TypedArrayFor<D> {
    this.assertLive("dataSync");
    const b = this.backend;
    if (!b.readSync) throw new Error(`dataSync: not available on device "${this.device}"; use await t.data()`);
    const src = this.isContiguous ? this : contiguousCopy(this);
    try {
      return b.readSync(src.ref.storage, this.dtype, src.offset, this.size) as TypedArrayFor<D>;
    } finally {
      if (src !== this) src.dispose();
    }
  }

  /** The value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item: tensor has ${this.size} elements ${shapeText(this.shape)}, expected 1`);
    return (await this.data())[0]!;
  }

  /** Nested arrays of numbers. */
  async array(): Promise<NestedArray> {
    return nest(Array.from(await this.data()), this.shape);
  }

  /** Synchronous `array()` for CPU tensors. */
  arraySync(): NestedArray {
    return nest(Array.from(this.dataSync()), this.shape);
  }

  /**
   * The values with dtype, shape and device, printed as PyTorch prints tensors (precision 4, large tensors
   * summarised with `...`; see `setPrintOptions`). Synchronous: a tensor on the CPU shows its values; a
   * WebGPU tensor shows those of its last `await t.data()` (or `item()`, `array()`), or says that its data has
   * not been read. A disposed tensor says so instead of throwing.
   *
   * @example
   * ```ts
   * console.log(String(tensor([[1, 2], [3, 4]])));
   * // tensor([[1., 2.],
   * //         [3., 4.]], dtype=float32, shape=[2, 2], device=cpu)
   * ```
   */
  toString(): string {
    const header = `shape=${listText(this.shape)}, dtype=${this.dtype}, device=${this.device}`;
    if (this.state !== "live") return `Tensor(${header}, disposed)`;
    const values = this.backend.readSync ? this.readPrintedSync() : this.cachedPrinted();
    if (!values) return `Tensor(${header}, data not read: await t.data())`;
    return formatValues(values, this.shape, this.dtype, [`dtype=${this.dtype}`, `shape=${listText(this.shape)}`, `device=${this.device}`]);
  }

  /** `console.log(t)` and `util.inspect(t)` in Node print `toString()`. */
  [inspectCustom](): string {
    return this.toString();
  }

  /** The shown values of a tensor on a backend with synchronous reads, without making tensors. */
  private readPrintedSync(): number[] {
    const b = this.backend;
    const read = (start: number, size: number) => b.readSync!(this.ref.storage, this.dtype, start, size);
    let lo = this.offset;
    let hi = this.offset;
    this.shape.forEach((d, i) => {
      const reach = (d - 1) * this.strides[i]!;
      if (reach < 0) lo += reach;
      else hi += reach;
    });
    const out: number[] = [];
    if (this.size === 0) return out;
    if (hi - lo < PRINT_SPAN_LIMIT) {
      const span = read(lo, hi - lo + 1);
      forEachShown(this.shape, this.strides, (i) => out.push(span[this.offset + i - lo]!));
    } else {
      forEachShown(this.shape, this.strides, (i) => out.push(read(this.offset + i, 1)[0]!));
    }
    return out;
  }

  private keepPrinted(values: ArrayLike<number>): void {
    const { threshold, edgeitems } = getPrintOptions();
    const shown: number[] = [];
    forEachShown(this.shape, contiguousStrides(this.shape), (i) => shown.push(values[i]!));
    this.printed = { values: shown, threshold, edgeitems };
  }

  private cachedPrinted(): number[] | undefined {
    const p = this.printed;
    if (!p) return undefined;
    const { threshold, edgeitems } = getPrintOptions();
    // other print options choose other elements: read again
    return p.threshold === threshold && p.edgeitems === edgeitems ? p.values : undefined;
  }
}

function listText(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

function shapeText(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

function nest(flat: number[], shape: Shape): NestedArray {
  if (shape.length === 0) return flat[0]!;
  const [d, ...rest] = shape;
  const step = sizeOf(rest);
  return Array.from({ length: d! }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
}

/** Contiguous copy through the backend kernel, outside autograd. */
function contiguousCopy<D extends DType>(t: Tensor<D>): Tensor<D> {
  const storage = t.backend.kernels.contiguous([t], {}, { shape: t.shape, dtype: t.dtype });
  return new Tensor(new StorageRef(storage, t.backend), t.dtype, t.shape);
}
