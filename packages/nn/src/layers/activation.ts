/** Activation functions by the names the reference configs use. */
import { gelu, mul, quickGelu, relu, silu, softplus, tanh, type BiasActivation, type Tensor } from "@diva/tensor";

/**
 * Activation names as they appear in reference configs: open_clip (`quick_gelu` flag -> "quick_gelu", else
 * "gelu"), Hugging Face `hidden_act` ("quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh"), timm
 * `act_layer` ("gelu", "gelu_tanh"), diffusers `act_fn` ("silu", "swish", "mish", "gelu", "relu").
 */
export type ActivationName = "quick_gelu" | "gelu" | "gelu_tanh" | "gelu_new" | "gelu_pytorch_tanh" | "relu" | "silu" | "swish" | "mish";

const NAMES: readonly ActivationName[] = ["quick_gelu", "gelu", "gelu_tanh", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish", "mish"];

/** Checks an activation name from a config, with an error naming the field. */
export function checkActivation(name: unknown, field = "activation"): ActivationName {
  if (typeof name === "string" && (NAMES as readonly string[]).includes(name)) return name as ActivationName;
  throw new Error(`${field}: unknown activation ${JSON.stringify(name)} (expected one of ${NAMES.join(", ")})`);
}

/**
 * Applies an activation: QuickGELU x*sigmoid(1.702x), exact (erf) GELU, tanh-approximated GELU
 * ("gelu_tanh", "gelu_new", "gelu_pytorch_tanh"), ReLU, SiLU/swish, Mish x*tanh(softplus(x)).
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
    case "mish":
      return mul(x, tanh(softplus(x)));
  }
}

/** The activation named `name` in a config (checked, with an error naming `field`) as a function. */
export function activationFn(name: unknown, field = "activation"): (x: Tensor) => Tensor {
  const checked = checkActivation(name, field);
  return (x) => applyActivation(x, checked);
}

const FUSED: Partial<Record<ActivationName, BiasActivation>> = {
  quick_gelu: "quickGelu",
  gelu: "gelu",
  gelu_tanh: "geluTanh",
  gelu_new: "geluTanh",
  gelu_pytorch_tanh: "geluTanh",
  relu: "relu",
  silu: "silu",
  swish: "silu",
};

/**
 * The activation `name` as @diva/tensor's fused bias + activation kernel names it (`linear(..., { activation })`),
 * or null for an activation that kernel lacks (mish).
 */
export function fusedActivation(name: ActivationName): BiasActivation | null {
  checkActivation(name); // a config string "constructor" is no activation
  return FUSED[name] ?? null;
}
