import { attentionDefs } from "./attention.js";
import { biasActDefs } from "./bias-act.js";
import { convDefs } from "./conv.js";
import { elementwiseDefs } from "./elementwise.js";
import { indexingDefs } from "./indexing.js";
import { matmulDefs } from "./matmul.js";
import { normDefs } from "./norm.js";
import { normGradDefs } from "./norm-grad.js";
import { reduceDefs } from "./reduce.js";
import { installOps, type KernelOpTable } from "./registry.js";
import { shapeDefs, viewDefs } from "./shape.js";
import { softmaxDefs } from "./softmax.js";
import { windowDefs } from "./window.js";

/** Every kernel op's definition; the annotation makes a missing op (or VJP) a compile error. */
const kernelOpTable: KernelOpTable = {
  ...elementwiseDefs,
  ...reduceDefs,
  ...shapeDefs,
  ...matmulDefs,
  ...windowDefs,
  ...convDefs,
  ...indexingDefs,
  ...softmaxDefs,
  ...normDefs,
  ...attentionDefs,
  ...biasActDefs,
  ...normGradDefs,
};

installOps(kernelOpTable, viewDefs);
