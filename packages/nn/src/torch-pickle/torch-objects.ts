/**
 * The only non-container objects a checkpoint unpickle can produce: references to allowed globals, and
 * descriptions of storages and tensors. Nothing here holds tensor data; tensors are materialised later, from
 * the archive's storage files, once it is known which ones are wanted.
 */
import type { TorchDType } from "./torch-dtypes.js";

/** The rebuild functions (and `collections.OrderedDict`) that a checkpoint may call. */
export type AllowedCallable =
  | "OrderedDict"
  | "_rebuild_tensor"
  | "_rebuild_tensor_v2"
  | "_rebuild_parameter"
  | "_rebuild_parameter_with_state"
  | "_rebuild_from_type_v2";

/** A reference to an allowed callable global. */
export class CallableRef {
  /** Python type name, for messages. */
  readonly pyName = "function";
  /** `qualified` is `module.name` as pickled. */
  constructor(
    readonly kind: AllowedCallable,
    readonly qualified: string,
  ) {}
}

/** A legacy storage class such as `torch.FloatStorage` (only usable in a persistent id). */
export class StorageClassRef {
  /** Python type name, for messages. */
  readonly pyName = "storage class";
  /** The class named `qualified` holds elements of `dtype`. */
  constructor(
    readonly dtype: TorchDType,
    readonly qualified: string,
  ) {}
}

/** A dtype object such as `torch.float16`. */
export class DTypeRef {
  /** Python type name, for messages. */
  readonly pyName = "torch.dtype";
  /** The dtype. */
  constructor(readonly dtype: TorchDType) {}
}

/** The class `torch.Tensor` (allowed only as the type argument of `_rebuild_from_type_v2`). */
export class TensorClassRef {
  /** Python type name, for messages. */
  readonly pyName = "type";
}

/** A storage named by a persistent id: the archive entry `data/<key>`, holding `numel` elements of `dtype`. */
export class StorageRef {
  /** Python type name, for messages. */
  readonly pyName = "storage";
  /** From the persistent id `("storage", cls, key, location, numel)`. */
  constructor(
    readonly key: string,
    readonly dtype: TorchDType,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** A tensor view of a storage: `size` elements from `offset` with `stride`, as `_rebuild_tensor_v2` takes them. */
export class TensorRef {
  /** Python type name, for messages. */
  readonly pyName = "torch.Tensor";
  /** The view's storage, element offset, shape and strides (in elements). */
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
  ) {}
}
