/**
 * Script entry: `node --conditions=source --import tsx packages/nn/src/parity/bin.ts FILE...`.
 * @module
 */
import { parityMain } from "./cli.js";

process.exitCode = await parityMain(process.argv.slice(2));
