import { attentionDefs } from "./attention.js";
import { biasActDefs } from "./bias-act.js";
import { convDefs } from "./conv.js";
import { elementwiseDefs } from "./elementwise.js";
import { indexingDefs } from "./indexing.js";
import { linalgDefs } from "./linalg.js";
import { nnDefs } from "./nn.js";
import { normDefs } from "./norm.js";
import { reduceDefs } from "./reduce.js";
import { installOps, type KernelOpTable } from "./registry.js";
import { shapeDefs, viewDefs } from "./shape.js";

/** Every kernel op's definition; the annotation makes a missing op (or VJP) a compile error. */
const kernelOpTable: KernelOpTable = {
  ...elementwiseDefs,
  ...reduceDefs,
  ...shapeDefs,
  ...linalgDefs,
  ...convDefs,
  ...indexingDefs,
  ...nnDefs,
  ...normDefs,
  ...attentionDefs,
  ...biasActDefs,
};

installOps(kernelOpTable, viewDefs);
