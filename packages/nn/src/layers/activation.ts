/** Activation functions by the names the reference configs use. */
import { gelu, quickGelu, relu, silu, type BiasActivation, type Tensor } from "@diva/tensor";

/**
 * Activation names as they appear in reference configs: open_clip (`quick_gelu` flag -> "quick_gelu", else
 * "gelu"), Hugging Face `hidden_act` ("quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh"), timm
 * `act_layer` ("gelu", "gelu_tanh"), diffusers `act_fn` ("silu", "swish", "gelu", "relu").
 */
export type ActivationName = "quick_gelu" | "gelu" | "gelu_tanh" | "gelu_new" | "gelu_pytorch_tanh" | "relu" | "silu" | "swish";

const NAMES: readonly ActivationName[] = ["quick_gelu", "gelu", "gelu_tanh", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish"];

/** Checks an activation name from a config, with an error naming the field. */
export function checkActivation(name: unknown, field = "activation"): ActivationName {
  if (typeof name === "string" && (NAMES as readonly string[]).includes(name)) return name as ActivationName;
  throw new Error(`${field}: unknown activation ${JSON.stringify(name)} (expected one of ${NAMES.join(", ")})`);
}

/**
 * Applies an activation: QuickGELU x*sigmoid(1.702x), exact (erf) GELU, tanh-approximated GELU
 * ("gelu_tanh", "gelu_new", "gelu_pytorch_tanh"), ReLU, SiLU/swish.
 */
export function applyActivation(x: Tensor, name: ActivationName): Tensor {
  switch (name) {
    case "quick_gelu":
      return quickGelu(x);
    case "gelu":
      return gelu(x);
    case "gelu_tanh":
    case "gelu_new":
    case "gelu_pytorch_tanh":
      return gelu(x, { approximate: "tanh" });
    case "relu":
      return relu(x);
    case "silu":
    case "swish":
      return silu(x);
  }
}

const FUSED: Record<ActivationName, BiasActivation> = {
  quick_gelu: "quickGelu",
  gelu: "gelu",
  gelu_tanh: "geluTanh",
  gelu_new: "geluTanh",
  gelu_pytorch_tanh: "geluTanh",
  relu: "relu",
  silu: "silu",
  swish: "silu",
};

/** The activation `name` as @diva/tensor's fused bias + activation kernel names it (`linear(..., { activation })`). */
export function fusedActivation(name: ActivationName): BiasActivation {
  const f = Object.hasOwn(FUSED, name) ? FUSED[name] : undefined; // a config string "constructor" is no activation
  if (!f) throw new Error(`activation: unknown activation ${JSON.stringify(name)} (expected one of ${NAMES.join(", ")})`);
  return f;
}
