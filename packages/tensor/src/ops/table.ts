import { convDefs } from "./conv.js";
import { elementwiseDefs } from "./elementwise.js";
import { indexingDefs } from "./indexing.js";
import { linalgDefs } from "./linalg.js";
import { nnDefs } from "./nn.js";
import { reduceDefs } from "./reduce.js";
import { installOps, type KernelOpTable } from "./registry.js";
import { shapeDefs, viewDefs } from "./shape.js";

/** Every kernel op's definition; the annotation makes a missing op (or VJP) a compile error. */
export const kernelOpTable: KernelOpTable = {
  ...elementwiseDefs,
  ...reduceDefs,
  ...shapeDefs,
  ...linalgDefs,
  ...convDefs,
  ...indexingDefs,
  ...nnDefs,
};

installOps(kernelOpTable, viewDefs);
