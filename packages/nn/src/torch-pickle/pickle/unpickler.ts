/**
 * A pickle virtual machine (protocols 0 to 5) that executes nothing itself: every global lookup, call,
 * object construction, BUILD and persistent id goes to a {@link PickleResolver}, which decides what is
 * allowed. Malformed input (truncation, stack underflow, a missing MARK or memo entry, an unknown opcode)
 * is an error naming the opcode and byte position; the loop consumes at least one byte per step, so it ends.
 * A {@link PickleBudget} bounds the work (steps per pickle byte) and the memory of the objects built, so a
 * small pickle cannot take minutes or gigabytes.
 */
import { CONTAINER_BYTES, DICT_BYTES, PickleBudget, SLOT_BYTES } from "./budget.js";
import { ByteCursor } from "./byte-cursor.js";
import { decodeLong } from "./ints.js";
import { HIGHEST_PROTOCOL, OP, opcodeLabel } from "./opcodes.js";
import { parseFloatLine, parseIntLine, parseLongLine, parseQuotedString, parseRawUnicode } from "./text-values.js";
import { describePy, PyDict, PySet, PyTuple } from "./values.js";

/** What an unpickle may do; each hook throws to refuse. */
export interface PickleResolver {
  /** GLOBAL / STACK_GLOBAL / INST: the object named `module.name`. */
  findGlobal(module: string, name: string): unknown;
  /** REDUCE / INST / OBJ: `callable(*args)`. */
  call(callable: unknown, args: readonly unknown[]): unknown;
  /** NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *args, **kwargs)`. */
  newObject(cls: unknown, args: readonly unknown[], kwargs: PyDict | undefined): unknown;
  /** BUILD: `obj.__setstate__(state)` (the object stays on the stack). */
  build(obj: unknown, state: unknown): void;
  /** BINPERSID / PERSID: the object a persistent id stands for. */
  persistentLoad(pid: unknown): unknown;
}

/**
 * Unpickles `bytes` with `resolver`; `fail` makes the error for malformed input or an exhausted `budget`
 * (default: a fresh one for `bytes`, which a resolver that does work of its own should share). Returns the
 * pickled value.
 */
export function unpickle(bytes: Uint8Array, resolver: PickleResolver, fail: (message: string) => Error, budget = new PickleBudget(bytes.length, fail)): unknown {
  return new Machine(bytes, resolver, fail, budget).run();
}

class Machine {
  private readonly cur: ByteCursor;
  private stack: unknown[] = [];
  private readonly marks: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();
  private opStart = 0;
  private op = 0;

  constructor(
    bytes: Uint8Array,
    private readonly resolver: PickleResolver,
    private readonly failWith: (message: string) => Error,
    private readonly budget: PickleBudget,
  ) {
    this.cur = new ByteCursor(bytes, failWith);
  }

  private fail(message: string): Error {
    return this.failWith(`${message} (opcode ${opcodeLabel(this.op)} at byte ${this.opStart})`);
  }

  private push(v: unknown): void {
    this.budget.allocate(SLOT_BYTES, "the pickle stack");
    this.stack.push(v);
  }

  /** Pushes a string just decoded (UTF-16 in memory). */
  private pushText(s: string): void {
    this.made(CONTAINER_BYTES + 2 * s.length);
    this.push(s);
  }

  /** Pushes an object the resolver made (a storage, a tensor reference, a dict). */
  private pushMade(v: unknown): void {
    this.made(2 * CONTAINER_BYTES);
    this.push(v);
  }

  /** Accounts for a new object of about `bytes` bytes, holding `items` items copied from elsewhere. */
  private made(bytes: number, items = 0): void {
    const what = () => `opcode ${opcodeLabel(this.op)} at byte ${this.opStart}`;
    if (items > 0) this.budget.spend(items, what);
    this.budget.allocate(bytes + SLOT_BYTES * items, what);
  }

  private pop(): unknown {
    if (this.stack.length === 0) throw this.fail("pickle stack underflow");
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length === 0) throw this.fail("pickle stack underflow");
    return this.stack[this.stack.length - 1];
  }

  private popMark(): unknown[] {
    const outer = this.marks.pop();
    if (outer === undefined) throw this.fail("no MARK to pop to");
    const items = this.stack;
    this.stack = outer;
    return items;
  }

  private popTuple(what: string): PyTuple {
    const v = this.pop();
    if (!(v instanceof PyTuple)) throw this.fail(`${what} must be a tuple, got ${describePy(v)}`);
    return v;
  }

  private popString(what: string): string {
    const v = this.pop();
    if (typeof v !== "string") throw this.fail(`${what} must be a str, got ${describePy(v)}`);
    return v;
  }

  private topList(): unknown[] {
    const t = this.top();
    if (!Array.isArray(t)) throw this.fail(`cannot append to a ${describePy(t)}`);
    return t;
  }

  private topDict(): PyDict {
    const t = this.top();
    if (!(t instanceof PyDict)) throw this.fail(`cannot set items of a ${describePy(t)}`);
    return t;
  }

  private memoGet(key: number): unknown {
    if (!this.memo.has(key)) throw this.fail(`memo entry ${key} was never stored`);
    return this.memo.get(key);
  }

  private memoPut(key: number): void {
    this.budget.allocate(2 * SLOT_BYTES, "the pickle memo");
    this.memo.set(key, this.top());
  }

  private lineInt(what: string): number {
    const line = this.cur.line(what);
    const v = parseLongLine(line);
    if (typeof v !== "number" || v < 0) throw this.fail(`${what} "${line}" is not a memo index`);
    return v;
  }

  private setItems(dict: PyDict, items: unknown[]): void {
    if (items.length % 2 !== 0) throw this.fail(`odd number of items (${items.length}) for a dict`);
    this.made(0, items.length);
    for (let i = 0; i < items.length; i += 2) dict.entries.set(items[i], items[i + 1]);
  }

  run(): unknown {
    const c = this.cur;
    for (;;) {
      if (c.atEnd) throw this.failWith(`pickle data ended at byte ${c.pos} without a STOP opcode (truncated?)`);
      this.opStart = c.pos;
      this.op = c.u8("opcode");
      this.budget.spend(1, "the pickle");
      switch (this.op) {
        case OP.PROTO: {
          const v = c.u8("protocol");
          if (v > HIGHEST_PROTOCOL) throw this.fail(`unsupported pickle protocol ${v}`);
          break;
        }
        case OP.FRAME:
          c.u64("frame length"); // framing is only a read-ahead hint
          break;
        case OP.STOP:
          return this.pop();
        case OP.MARK:
          this.made(CONTAINER_BYTES);
          this.marks.push(this.stack);
          this.stack = [];
          break;
        case OP.POP:
          if (this.stack.length > 0) this.stack.pop();
          else this.popMark();
          break;
        case OP.POP_MARK:
          this.popMark();
          break;
        case OP.DUP:
          this.push(this.top());
          break;
        // constants and numbers
        case OP.NONE:
          this.push(null);
          break;
        case OP.NEWTRUE:
          this.push(true);
          break;
        case OP.NEWFALSE:
          this.push(false);
          break;
        case OP.BININT:
          this.push(c.i32("BININT"));
          break;
        case OP.BININT1:
          this.push(c.u8("BININT1"));
          break;
        case OP.BININT2:
          this.push(c.u16("BININT2"));
          break;
        case OP.LONG1:
          this.push(decodeLong(c.take(c.u8("LONG1 length"), "LONG1")));
          break;
        case OP.LONG4: {
          const n = c.i32("LONG4 length");
          if (n < 0) throw this.fail(`negative LONG4 length ${n}`);
          this.made(CONTAINER_BYTES + n);
          this.push(decodeLong(c.take(n, "LONG4")));
          break;
        }
        case OP.BINFLOAT:
          this.push(c.f64be("BINFLOAT"));
          break;
        case OP.INT: {
          const line = c.line("INT");
          const v = parseIntLine(line);
          if (v === undefined) throw this.fail(`INT "${line}" is not an integer`);
          this.push(v);
          break;
        }
        case OP.LONG: {
          const line = c.line("LONG");
          const v = parseLongLine(line);
          if (v === undefined) throw this.fail(`LONG "${line}" is not an integer`);
          this.push(v);
          break;
        }
        case OP.FLOAT: {
          const line = c.line("FLOAT");
          const v = parseFloatLine(line);
          if (v === undefined) throw this.fail(`FLOAT "${line}" is not a number`);
          this.push(v);
          break;
        }
        // strings and bytes
        case OP.BINUNICODE:
          this.pushText(c.utf8(c.u32("BINUNICODE length"), "BINUNICODE"));
          break;
        case OP.SHORT_BINUNICODE:
          this.pushText(c.utf8(c.u8("SHORT_BINUNICODE length"), "SHORT_BINUNICODE"));
          break;
        case OP.BINUNICODE8:
          this.pushText(c.utf8(c.u64("BINUNICODE8 length"), "BINUNICODE8"));
          break;
        case OP.BINSTRING: {
          const n = c.i32("BINSTRING length");
          if (n < 0) throw this.fail(`negative BINSTRING length ${n}`);
          this.pushText(c.utf8(n, "BINSTRING"));
          break;
        }
        case OP.SHORT_BINSTRING:
          this.pushText(c.utf8(c.u8("SHORT_BINSTRING length"), "SHORT_BINSTRING"));
          break;
        case OP.STRING: {
          const line = c.line("STRING");
          const v = parseQuotedString(line);
          if (v === undefined) throw this.fail("STRING is not a quoted string literal");
          this.push(v);
          break;
        }
        case OP.UNICODE: {
          const v = parseRawUnicode(c.line("UNICODE"));
          if (v === undefined) throw this.fail("UNICODE has an invalid escape");
          this.push(v);
          break;
        }
        case OP.BINBYTES:
          this.push(c.take(c.u32("BINBYTES length"), "BINBYTES"));
          break;
        case OP.SHORT_BINBYTES:
          this.push(c.take(c.u8("SHORT_BINBYTES length"), "SHORT_BINBYTES"));
          break;
        case OP.BINBYTES8:
          this.push(c.take(c.u64("BINBYTES8 length"), "BINBYTES8"));
          break;
        case OP.BYTEARRAY8: {
          const view = c.take(c.u64("BYTEARRAY8 length"), "BYTEARRAY8");
          this.made(CONTAINER_BYTES + view.length);
          this.push(view.slice());
          break;
        }
        case OP.NEXT_BUFFER:
          throw this.fail("out-of-band buffers are not supported");
        case OP.READONLY_BUFFER:
          this.top();
          break;
        // containers
        case OP.EMPTY_TUPLE:
          this.made(CONTAINER_BYTES);
          this.push(new PyTuple([]));
          break;
        case OP.TUPLE1: {
          const a = this.pop();
          this.made(CONTAINER_BYTES + SLOT_BYTES);
          this.push(new PyTuple([a]));
          break;
        }
        case OP.TUPLE2: {
          const b = this.pop();
          const a = this.pop();
          this.made(CONTAINER_BYTES + 2 * SLOT_BYTES);
          this.push(new PyTuple([a, b]));
          break;
        }
        case OP.TUPLE3: {
          const cc = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.made(CONTAINER_BYTES + 3 * SLOT_BYTES);
          this.push(new PyTuple([a, b, cc]));
          break;
        }
        case OP.TUPLE:
          this.made(CONTAINER_BYTES);
          this.push(new PyTuple(this.popMark()));
          break;
        case OP.EMPTY_LIST:
          this.made(CONTAINER_BYTES);
          this.push([]);
          break;
        case OP.LIST:
          this.push(this.popMark());
          break;
        case OP.APPEND: {
          const v = this.pop();
          this.topList().push(v);
          break;
        }
        case OP.APPENDS: {
          const items = this.popMark();
          const list = this.topList();
          this.made(0, items.length);
          for (const v of items) list.push(v);
          break;
        }
        case OP.EMPTY_DICT:
          this.made(DICT_BYTES);
          this.push(new PyDict());
          break;
        case OP.DICT: {
          this.made(DICT_BYTES);
          const d = new PyDict();
          this.setItems(d, this.popMark());
          this.push(d);
          break;
        }
        case OP.SETITEM: {
          const v = this.pop();
          const k = this.pop();
          this.topDict().entries.set(k, v);
          break;
        }
        case OP.SETITEMS: {
          const items = this.popMark();
          this.setItems(this.topDict(), items);
          break;
        }
        case OP.EMPTY_SET:
          this.made(CONTAINER_BYTES);
          this.push(new PySet([], false));
          break;
        case OP.ADDITEMS: {
          const items = this.popMark();
          const s = this.top();
          if (!(s instanceof PySet) || s.frozen) throw this.fail(`cannot add items to a ${describePy(s)}`);
          this.made(0, items.length);
          for (const v of items) s.items.push(v);
          break;
        }
        case OP.FROZENSET:
          this.made(CONTAINER_BYTES);
          this.push(new PySet(this.popMark(), true));
          break;
        // memo
        case OP.PUT:
          this.memoPut(this.lineInt("PUT index"));
          break;
        case OP.BINPUT:
          this.memoPut(c.u8("BINPUT index"));
          break;
        case OP.LONG_BINPUT:
          this.memoPut(c.u32("LONG_BINPUT index"));
          break;
        case OP.MEMOIZE:
          this.memoPut(this.memo.size);
          break;
        case OP.GET:
          this.push(this.memoGet(this.lineInt("GET index")));
          break;
        case OP.BINGET:
          this.push(this.memoGet(c.u8("BINGET index")));
          break;
        case OP.LONG_BINGET:
          this.push(this.memoGet(c.u32("LONG_BINGET index")));
          break;
        // objects: all decided by the resolver
        case OP.GLOBAL: {
          const module = c.line("GLOBAL module");
          const name = c.line("GLOBAL name");
          this.pushMade(this.resolver.findGlobal(module, name));
          break;
        }
        case OP.STACK_GLOBAL: {
          const name = this.popString("STACK_GLOBAL name");
          const module = this.popString("STACK_GLOBAL module");
          this.pushMade(this.resolver.findGlobal(module, name));
          break;
        }
        case OP.INST: {
          const module = c.line("INST module");
          const name = c.line("INST name");
          const args = this.popMark();
          this.pushMade(this.resolver.call(this.resolver.findGlobal(module, name), args));
          break;
        }
        case OP.OBJ: {
          const items = this.popMark();
          if (items.length === 0) throw this.fail("OBJ without a class");
          this.made(CONTAINER_BYTES, items.length);
          this.pushMade(this.resolver.call(items[0], items.slice(1)));
          break;
        }
        case OP.REDUCE: {
          const args = this.popTuple("REDUCE arguments");
          const fn = this.pop();
          this.pushMade(this.resolver.call(fn, args.items));
          break;
        }
        case OP.NEWOBJ: {
          const args = this.popTuple("NEWOBJ arguments");
          const cls = this.pop();
          this.pushMade(this.resolver.newObject(cls, args.items, undefined));
          break;
        }
        case OP.NEWOBJ_EX: {
          const kwargs = this.pop();
          if (!(kwargs instanceof PyDict)) throw this.fail(`NEWOBJ_EX keyword arguments must be a dict, got ${describePy(kwargs)}`);
          const args = this.popTuple("NEWOBJ_EX arguments");
          const cls = this.pop();
          this.pushMade(this.resolver.newObject(cls, args.items, kwargs));
          break;
        }
        case OP.BUILD: {
          const state = this.pop();
          this.resolver.build(this.top(), state);
          break;
        }
        case OP.BINPERSID:
          this.pushMade(this.resolver.persistentLoad(this.pop()));
          break;
        case OP.PERSID:
          this.pushMade(this.resolver.persistentLoad(c.line("PERSID")));
          break;
        case OP.EXT1:
        case OP.EXT2:
        case OP.EXT4: {
          const code = this.op === OP.EXT1 ? c.u8("EXT1 code") : this.op === OP.EXT2 ? c.u16("EXT2 code") : c.i32("EXT4 code");
          throw this.fail(`refusing to unpickle extension-registry object ${code}`);
        }
        default:
          throw this.failWith(`unknown pickle opcode 0x${this.op.toString(16).padStart(2, "0")} at byte ${this.opStart}`);
      }
    }
  }
}
