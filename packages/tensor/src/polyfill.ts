// Symbol.dispose / Symbol.asyncDispose for runtimes that predate explicit resource management (`using`).
const sym = Symbol as unknown as { dispose?: symbol; asyncDispose?: symbol };
sym.dispose ??= Symbol.for("Symbol.dispose");
sym.asyncDispose ??= Symbol.for("Symbol.asyncDispose");
export {};
