import { describe, expect, test } from "vitest";
import { OP } from "./opcodes.js";
import { unpickle, type PickleResolver } from "./unpickler.js";
import { PyDict, PySet, PyTuple } from "./values.js";

// Pickles written by CPython's pickle.dumps(v, protocol=p); see each constant for `v`.
// v = {'a': [1, -2, 300, 70000, -(2**31), 2**40, -(2**70), 2.5, 'xé中', None, True, False, (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)], 'n': {'k': 0.1}}
const MIXED: Record<number, string> = {
  0: "286470300a56610a70310a286c70320a49310a61492d320a61493330300a614937303030300a61492d323134373438333634380a614c313039393531313632373737364c0a614c2d313138303539313632303731373431313330333432344c0a6146322e350a615678e95c75346532640a70330a614e614930310a614930300a612874612849310a7470340a612849310a49320a7470350a612849310a49320a49330a7470360a612849310a49320a49330a49340a7470370a6173566e0a70380a286470390a566b0a7031300a46302e310a73732e",
  1: "7d71002858010000006171015d7102284b014afeffffff4d2c014a701101004a000000804c313039393531313632373737364c0a4c2d313138303539313632303731373431313330333432344c0a474004000000000000580600000078c3a9e4b8ad71034e4930310a4930300a29284b01747104284b014b02747105284b014b024b03747106284b014b024b034b047471076558010000006e71087d710958010000006b710a473fb999999999999a73752e",
  2: "80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101004a000000808a060000000000018a090000000000000000c0474004000000000000580600000078c3a9e4b8ad71034e8889294b018571044b014b028671054b014b024b03877106284b014b024b034b047471076558010000006e71087d710958010000006b710a473fb999999999999a73752e",
  4: "8004957b000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101004a000000808a060000000000018a090000000000000000c04740040000000000008c0678c3a9e4b8ad944e8889294b0185944b014b0286944b014b024b038794284b014b024b034b047494658c016e947d948c016b94473fb999999999999a73752e",
  5: "8005957b000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101004a000000808a060000000000018a090000000000000000c04740040000000000008c0678c3a9e4b8ad944e8889294b0185944b014b0286944b014b024b038794284b014b024b034b047494658c016e947d948c016b94473fb999999999999a73752e",
};
// {'s': {1, 2}, 'f': frozenset([3]), 'b': b'\x00\xff', 'l': 'L' * 300}, protocol 4
const SETS_P4 = `80049559010000000000007d94288c0173948f94284b014b02908c016694284b0391948c016294430200ff948c016c94582c010000${"4c".repeat(300)}94752e`;
// {'ba': bytearray(b'ab')}, protocol 5
const BYTEARRAY_P5 = "80059515000000000000007d948c02626194960200000000000000616294732e";
// sh = [1, 2]; {'x': sh, 'y': sh}, protocol 2 (the second reference is a BINGET)
const SHARED_P2 = "80027d71002858010000007871015d7102284b014b026558010000007971036802752e";

const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));

const refuseAll: PickleResolver = {
  findGlobal: (m, n) => {
    throw new Error(`global ${m}.${n}`);
  },
  call: () => {
    throw new Error("call");
  },
  newObject: () => {
    throw new Error("newObject");
  },
  build: () => {
    throw new Error("build");
  },
  persistentLoad: () => {
    throw new Error("persistentLoad");
  },
};

const fail = (m: string) => new Error(`pickle: ${m}`);

/** Python value -> plain JS for comparisons. */
function js(v: unknown): unknown {
  if (v instanceof PyDict) return Object.fromEntries([...v.entries].map(([k, x]) => [String(k), js(x)]));
  if (v instanceof PyTuple) return { tuple: v.items.map(js) };
  if (v instanceof PySet) return { [v.frozen ? "frozenset" : "set"]: v.items.map(js) };
  if (Array.isArray(v)) return v.map(js);
  if (v instanceof Uint8Array) return { bytes: [...v] };
  return v;
}

const MIXED_JS = {
  a: [1, -2, 300, 70000, -(2 ** 31), 2 ** 40, -(2n ** 70n), 2.5, "xé中", null, true, false, { tuple: [] }, { tuple: [1] }, { tuple: [1, 2] }, { tuple: [1, 2, 3] }, { tuple: [1, 2, 3, 4] }],
  n: { k: 0.1 },
};

describe("unpickle", () => {
  for (const [protocol, h] of Object.entries(MIXED)) {
    test(`CPython protocol ${protocol}: ints, big ints, floats, str, None, bools, tuples, nested dicts`, () => {
      expect(js(unpickle(hex(h), refuseAll, fail))).toEqual(MIXED_JS);
    });
  }

  test("protocol 4: FRAME, MEMOIZE, sets, frozensets, bytes, long strings", () => {
    expect(js(unpickle(hex(SETS_P4), refuseAll, fail))).toEqual({ s: { set: [1, 2] }, f: { frozenset: [3] }, b: { bytes: [0, 255] }, l: "L".repeat(300) });
  });

  test("protocol 5: BYTEARRAY8", () => {
    expect(js(unpickle(hex(BYTEARRAY_P5), refuseAll, fail))).toEqual({ ba: { bytes: [97, 98] } });
  });

  test("memo: a shared list is the same object twice", () => {
    const d = unpickle(hex(SHARED_P2), refuseAll, fail) as PyDict;
    expect(d.entries.get("x")).toBe(d.entries.get("y"));
  });

  test("globals, calls, BUILD and persistent ids all go to the resolver", () => {
    const log: string[] = [];
    const resolver: PickleResolver = {
      findGlobal: (m, n) => (log.push(`global ${m}.${n}`), `${m}.${n}`),
      call: (f, args) => (log.push(`call ${String(f)}(${args.length})`), "called"),
      newObject: (c, args) => (log.push(`new ${String(c)}(${args.length})`), new PyDict()),
      build: (_o, s) => void log.push(`build ${typeof s}`),
      persistentLoad: (pid) => (log.push(`pid ${js(pid) as string}`), "loaded"),
    };
    // [m.f(1), stackglobal(), new, persid, build]
    const p = Uint8Array.from([
      OP.PROTO, 4, OP.EMPTY_LIST, OP.MARK,
      OP.GLOBAL, ...new TextEncoder().encode("m\nf\n"), OP.BININT1, 1, OP.TUPLE1, OP.REDUCE,
      OP.SHORT_BINUNICODE, 1, 0x6d, OP.SHORT_BINUNICODE, 1, 0x67, OP.STACK_GLOBAL,
      OP.GLOBAL, ...new TextEncoder().encode("m\nC\n"), OP.EMPTY_TUPLE, OP.NEWOBJ, OP.NONE, OP.BUILD,
      OP.SHORT_BINUNICODE, 1, 0x6b, OP.BINPERSID,
      OP.APPENDS, OP.STOP,
    ]);
    expect(js(unpickle(p, resolver, fail))).toEqual(["called", "m.g", {}, "loaded"]);
    expect(log).toEqual(["global m.f", "call m.f(1)", "global m.g", "global m.C", "new m.C(0)", "build object", "pid k"]);
  });

  test("protocol 0 text opcodes: STRING escapes, UNICODE escapes, FLOAT inf, PUT/GET, POP, DUP", () => {
    const text = `(S'a\\'b\\x41\\n'\np0\nVx\\u00e9\n${"F"}inf\nI-7\nL12345678901234567890L\ng0\n0I5\n2l.`;
    expect(js(unpickle(new TextEncoder().encode(text), refuseAll, fail))).toEqual(["a'bA\n", "xé", Infinity, -7, 12345678901234567890n, 5, 5]);
  });

  const malformed: [string, number[], RegExp][] = [
    ["unknown opcode names the byte", [OP.PROTO, 2, 0xff], /unknown pickle opcode 0xff at byte 2/],
    ["no STOP", [OP.PROTO, 2, OP.NONE], /without a STOP/],
    ["truncated BINUNICODE", [OP.BINUNICODE, 10, 0, 0, 0, 0x61], /truncated: BINUNICODE needs 10 bytes/],
    ["stack underflow", [OP.TUPLE2, OP.STOP], /stack underflow.*TUPLE2/],
    ["missing MARK", [OP.TUPLE, OP.STOP], /no MARK/],
    ["missing memo entry", [OP.BINGET, 3, OP.STOP], /memo entry 3/],
    ["SETITEMS with odd items", [OP.EMPTY_DICT, OP.MARK, OP.NONE, OP.SETITEMS, OP.STOP], /odd number/],
    ["APPEND to a dict", [OP.EMPTY_DICT, OP.NONE, OP.APPEND, OP.STOP], /cannot append to a dict/],
    ["protocol 6", [OP.PROTO, 6, OP.NONE, OP.STOP], /unsupported pickle protocol 6/],
    ["EXT1", [OP.EXT1, 1, OP.STOP], /extension-registry/],
    ["NEXT_BUFFER", [OP.NEXT_BUFFER, OP.STOP], /out-of-band/],
    ["invalid UTF-8", [OP.SHORT_BINUNICODE, 1, 0xff, OP.STOP], /not valid UTF-8/],
    ["huge BINUNICODE8", [OP.BINUNICODE8, 0, 0, 0, 0, 0, 0, 0x10, 0, OP.STOP], /truncated|too large/],
    ["empty input", [], /without a STOP/],
  ];
  for (const [what, bytes, message] of malformed) {
    test(`malformed: ${what}`, () => {
      expect(() => unpickle(Uint8Array.from(bytes), refuseAll, fail)).toThrow(message);
    });
  }
});
