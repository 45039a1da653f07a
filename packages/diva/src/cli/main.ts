#!/usr/bin/env node
/**
 * The `diva` command line: `diva post-train`, `diva eval mmvp|zeroshot`, `diva parity`, `diva demo`.
 * Errors print their message and exit with code 1 (the stack too with DIVA_DEBUG=1).
 * @module
 */
import { program } from "./program.js";
import { runCli } from "./run.js";

await runCli(program(), process.argv);
