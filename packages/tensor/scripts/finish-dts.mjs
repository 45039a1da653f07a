// Post-build step of @diva/tensor (run after tsup): makes dist/index.d.ts compile for a plain TypeScript
// consumer with skipLibCheck false, whatever its TypeScript version and lib setting.
//
// - Symbol.dispose / Symbol.asyncDispose, Disposable, AsyncDisposable: declared globally, as TypeScript's lib
//   esnext.disposable and @types/node declare them (identical declarations merge), so a consumer without
//   lib esnext compiles.
// - WebGPU types (GPUDevice, GPUBuffer, ...): declared as empty global interfaces. TypeScript 6.0 and later
//   declare them in lib.dom (a reference to @webgpu/types would clash there), TypeScript 5 has none, and
//   @webgpu/types itself needs lib dom. Empty interfaces merge with lib.dom's or @webgpu/types' declarations
//   where the consumer has them (full types), and leave the few WebGPU-facing members opaque where it has not.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const file = join(pkg, "dist", "index.d.ts");
const MARK = "// @diva/tensor: declarations for consumers";

let body = readFileSync(file, "utf8");
// Idempotent: a second run starts again from tsup's output.
if (body.startsWith(MARK)) body = body.slice(body.indexOf("\n// --- end of banner\n") + "\n// --- end of banner\n".length);

const disposable = `    interface SymbolConstructor {
        readonly dispose: unique symbol;
        readonly asyncDispose: unique symbol;
    }
    interface Disposable {
        [Symbol.dispose](): void;
    }
    interface AsyncDisposable {
        [Symbol.asyncDispose](): PromiseLike<void>;
    }`;

// Every GPU* name the declarations use; each must be an interface in @webgpu/types (type aliases cannot merge).
const code = body.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
const names = [...new Set(code.match(/\bGPU[A-Z][A-Za-z]*\b|\bGPU\b/g) ?? [])].sort();
const webgpuTypes = readFileSync(createRequire(join(pkg, "package.json")).resolve("@webgpu/types/dist/index.d.ts"), "utf8");
const aliases = names.filter((n) => new RegExp(`^\\s*(declare\\s+)?type\\s+${n}\\b`, "m").test(webgpuTypes));
if (aliases.length > 0) {
  console.error(`finish-dts: the public declarations use WebGPU type aliases ${aliases.join(", ")}; use their underlying types (an alias cannot be declared opaquely: it would clash with lib.dom's or @webgpu/types')`);
  process.exit(1);
}
const opaque = names.map((n) => `    interface ${n} {}`).join("\n");

writeFileSync(file, `${MARK} compiling with skipLibCheck false (see packages/tensor/scripts/finish-dts.mjs).
declare global {
${disposable}
${opaque}
}
// --- end of banner
${body}`);
console.log(`finish-dts: dist/index.d.ts declares Symbol.dispose and ${names.length} WebGPU interfaces for consumers without lib esnext, lib dom or @webgpu/types`);
