/**
 * Script entry: `node --conditions=source --import tsx packages/nn/src/parity/bin.ts FILE...`.
 * @module
 */
import { parityMain } from "../index.js"; // the whole package, so that every family registers its runner

process.exitCode = await parityMain(process.argv.slice(2));
