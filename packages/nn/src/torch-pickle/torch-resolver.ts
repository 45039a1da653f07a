/**
 * The restricted unpickle policy for torch.save checkpoints: only `collections.OrderedDict`, the tensor
 * rebuild functions of `torch._utils` / `torch._tensor`, legacy storage classes, dtype objects and
 * `torch.Tensor` resolve; every other global is refused by name before anything could use it. Calls build
 * {@link TensorRef}s and dicts, never run code.
 */
import { DICT_BYTES, SLOT_BYTES, type PickleBudget } from "./pickle/budget.js";
import type { PickleResolver } from "./pickle/unpickler.js";
import { describePy, PyDict, PyTuple } from "./pickle/values.js";
import { DTYPE_OBJECTS, STORAGE_CLASSES } from "./torch-dtypes.js";
import { CallableRef, DTypeRef, StorageClassRef, StorageRef, TensorClassRef, TensorRef, type AllowedCallable } from "./torch-objects.js";

const CALLABLES = new Map<string, AllowedCallable>([
  ["collections.OrderedDict", "OrderedDict"],
  ["torch._utils._rebuild_tensor", "_rebuild_tensor"],
  ["torch._utils._rebuild_tensor_v2", "_rebuild_tensor_v2"],
  ["torch._utils._rebuild_parameter", "_rebuild_parameter"],
  ["torch._utils._rebuild_parameter_with_state", "_rebuild_parameter_with_state"],
  ["torch._tensor._rebuild_from_type_v2", "_rebuild_from_type_v2"],
]);

/** PyTorch's limit on tensor dimensions. */
const MAX_DIMS = 64;

/** The globals a checkpoint may name, as `module.name` (for documentation and tests). */
export function allowedGlobals(): string[] {
  return [
    ...CALLABLES.keys(),
    ...[...STORAGE_CLASSES.keys()].map((n) => `torch.${n}`),
    ...[...DTYPE_OBJECTS.keys()].map((n) => `torch.${n}`),
    "torch.Tensor",
    "torch._tensor.Tensor",
  ];
}

/**
 * Creates the resolver; `fail` builds the (file-named) error for a refusal or a malformed argument. Work
 * proportional to the size of an argument (pairs given to OrderedDict, BUILD state, shapes) is charged to
 * `budget`, the unpickle's, so that one shared argument passed to thousands of calls cannot take minutes.
 */
export function createTorchResolver(fail: (message: string) => Error, budget?: PickleBudget): PickleResolver {
  const spend = (steps: number, what: string) => budget?.spend(steps, what);
  const storages = new Map<string, StorageRef>();

  function findGlobal(module: string, name: string): unknown {
    const qualified = `${module}.${name}`;
    const callable = CALLABLES.get(qualified);
    if (callable) return new CallableRef(callable, qualified);
    if (module === "torch") {
      const storageDType = STORAGE_CLASSES.get(name);
      if (storageDType) return new StorageClassRef(storageDType, qualified);
      const dtype = DTYPE_OBJECTS.get(name);
      if (dtype) return new DTypeRef(dtype);
    }
    if (qualified === "torch.Tensor" || qualified === "torch._tensor.Tensor") return new TensorClassRef();
    throw fail(`refusing to unpickle global ${JSON.stringify(qualified)} (only tensor-rebuild globals are allowed)`);
  }

  function index(v: unknown, what: string): number {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw fail(`${what} must be a non-negative int, got ${describePy(v)} ${String(v)}`);
    }
    return v;
  }

  function indices(v: unknown, what: string): number[] {
    const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : undefined;
    if (!items) throw fail(`${what} must be a tuple of ints, got ${describePy(v)}`);
    spend(items.length, what);
    return items.map((x, i) => index(x, `${what}[${i}]`));
  }

  function tensorArg(v: unknown, fn: string): TensorRef {
    if (!(v instanceof TensorRef)) throw fail(`${fn}: expected a tensor, got ${describePy(v)}`);
    return v;
  }

  function arity(fn: string, args: readonly unknown[], min: number, max: number): void {
    if (args.length < min || args.length > max) {
      throw fail(`${fn} takes ${min === max ? min : `${min} to ${max}`} arguments, got ${args.length}`);
    }
  }

  function rebuildTensor(fn: string, args: readonly unknown[]): TensorRef {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef)) throw fail(`${fn}: expected a storage, got ${describePy(storage)}`);
    const dims = size instanceof PyTuple ? size.items.length : Array.isArray(size) ? size.length : 0;
    if (dims > MAX_DIMS) throw fail(`${fn}: a tensor of ${dims} dimensions (PyTorch allows at most ${MAX_DIMS})`);
    const shape = indices(size, `${fn} size`);
    const strides = indices(stride, `${fn} stride`);
    if (shape.length !== strides.length) throw fail(`${fn}: size has ${shape.length} dims but stride has ${strides.length}`);
    return new TensorRef(storage, index(offset, `${fn} storage_offset`), shape, strides);
  }

  function call(callable: unknown, args: readonly unknown[]): unknown {
    if (!(callable instanceof CallableRef)) throw fail(`refusing to call a ${describePy(callable)} (only tensor-rebuild functions may be called)`);
    const fn = callable.qualified;
    switch (callable.kind) {
      case "OrderedDict": {
        arity(fn, args, 0, 1);
        const d = new PyDict();
        if (args.length === 1) {
          const pairs = args[0] instanceof PyTuple ? args[0].items : Array.isArray(args[0]) ? args[0] : undefined;
          if (!pairs) throw fail(`${fn}: expected a list of pairs, got ${describePy(args[0])}`);
          spend(pairs.length, fn);
          budget?.allocate(DICT_BYTES + 2 * SLOT_BYTES * pairs.length, fn);
          for (const p of pairs) {
            if (!(p instanceof PyTuple) || p.items.length !== 2) throw fail(`${fn}: expected (key, value) pairs, got ${describePy(p)}`);
            d.entries.set(p.items[0], p.items[1]);
          }
        }
        return d;
      }
      case "_rebuild_tensor":
        arity(fn, args, 4, 4);
        return rebuildTensor(fn, args);
      case "_rebuild_tensor_v2":
        arity(fn, args, 6, 7);
        return rebuildTensor(fn, args);
      case "_rebuild_parameter":
        arity(fn, args, 3, 3);
        return tensorArg(args[0], fn);
      case "_rebuild_parameter_with_state":
        arity(fn, args, 4, 4);
        return tensorArg(args[0], fn);
      case "_rebuild_from_type_v2": {
        arity(fn, args, 4, 4);
        const [inner, type, innerArgs] = args;
        if (!(type instanceof TensorClassRef)) throw fail(`${fn}: only plain torch.Tensor is allowed, got ${describePy(type)}`);
        if (!(innerArgs instanceof PyTuple)) throw fail(`${fn}: expected an argument tuple, got ${describePy(innerArgs)}`);
        if (!(inner instanceof CallableRef) || inner.kind === "OrderedDict" || inner.kind === "_rebuild_from_type_v2") {
          throw fail(`${fn}: expected a tensor-rebuild function, got ${describePy(inner)}`);
        }
        return tensorArg(call(inner, innerArgs.items), fn);
      }
    }
  }

  return {
    findGlobal,
    call,
    newObject(cls, args, kwargs) {
      if (cls instanceof CallableRef && cls.kind === "OrderedDict" && (!kwargs || kwargs.entries.size === 0)) return call(cls, args);
      throw fail(`refusing to construct a ${describePy(cls)} (only OrderedDict may be constructed)`);
    },
    build(obj, state) {
      // Only dicts take state (an OrderedDict's `_metadata`); it is kept as attributes and never interpreted.
      if (!(obj instanceof PyDict)) throw fail(`refusing to set the state of a ${describePy(obj)}`);
      const parts = state instanceof PyTuple && state.items.length === 2 ? state.items : [state];
      for (const part of parts) {
        if (part === null) continue;
        if (!(part instanceof PyDict)) throw fail(`dict state must be a dict, got ${describePy(part)}`);
        spend(part.entries.size, "BUILD state");
        for (const [k, v] of part.entries) if (typeof k === "string") obj.attributes.set(k, v);
      }
    },
    persistentLoad(pid) {
      if (!(pid instanceof PyTuple) || pid.items[0] !== "storage" || pid.items.length !== 5) {
        throw fail(`unsupported persistent id ${describePy(pid)} (expected ("storage", type, key, location, numel))`);
      }
      const [, cls, key, location, numel] = pid.items;
      const dtype = cls instanceof StorageClassRef ? cls.dtype : cls instanceof DTypeRef ? cls.dtype : undefined;
      if (!dtype) throw fail(`persistent id: storage type must be a torch storage class, got ${describePy(cls)}`);
      if (typeof key !== "string" || !/^[A-Za-z0-9_.-]+$/.test(key)) throw fail(`persistent id: invalid storage key ${JSON.stringify(String(key))}`);
      if (typeof location !== "string") throw fail(`persistent id: location must be a str, got ${describePy(location)}`);
      const n = index(numel, "persistent id numel");
      const memoKey = `${key}\u0000${dtype}`;
      let ref = storages.get(memoKey);
      if (!ref) {
        ref = new StorageRef(key, dtype, location, n);
        storages.set(memoKey, ref);
      }
      return ref;
    },
  };
}
