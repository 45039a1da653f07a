import type { Device } from "../backend/backend.js";
import type { ChoiceSampleOptions } from "./host-choice.js";
import type { NormalSampleOptions, SampleFloatDType, TruncatedNormalSampleOptions, UniformSampleOptions } from "./host-float.js";

// The options of the tensor samplers in tensors.ts.

/** Where a sampled tensor is created (default: the current default device). */
export interface DeviceOption {
  /** Device of the new tensor. */
  device?: Device;
}

/** Options of {@link uniform}. */
export interface UniformOptions<D extends SampleFloatDType = SampleFloatDType> extends UniformSampleOptions<D>, DeviceOption {}

/** Options of {@link normal}. */
export interface NormalOptions<D extends SampleFloatDType = SampleFloatDType> extends NormalSampleOptions<D>, DeviceOption {}

/** Options of {@link truncatedNormal}. */
export interface TruncatedNormalOptions<D extends SampleFloatDType = SampleFloatDType>
  extends TruncatedNormalSampleOptions<D>,
    DeviceOption {}

/** Options of {@link choice}. */
export interface ChoiceOptions extends ChoiceSampleOptions, DeviceOption {}
