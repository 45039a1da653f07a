import type { Backend, Device } from "../backend/backend.js";

const backends = new Map<Device, Backend>();
const factories = new Map<Device, () => Promise<Backend>>();
// initialisations in flight, so that concurrent callers share one device instead of creating two
const pending = new Map<Device, Promise<Backend>>();
let defaultDevice: Device = "cpu";

/** Registers a ready backend (the CPU backend registers itself on import). */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Registers an async factory for a backend that needs initialisation (WebGPU). */
export function registerBackendFactory(name: Device, factory: () => Promise<Backend>): void {
  factories.set(name, factory);
}

/** The backend for `device`; throws if it has not been initialised with `initBackend`/`useBackend`. */
export function getBackend(device: Device): Backend {
  const b = backends.get(device);
  if (!b) {
    throw new Error(`device "${device}" is not initialised: call await useBackend("${device}") or await initBackend("${device}") first`);
  }
  return b;
}

/** Initialises a backend (once) without making it the default. */
export async function initBackend(device: Device): Promise<Backend> {
  const existing = backends.get(device);
  if (existing) return existing;
  const factory = factories.get(device);
  if (!factory) throw new Error(`unknown device "${device}"; known: ${[...new Set([...backends.keys(), ...factories.keys()])].join(", ")}`);
  let p = pending.get(device);
  if (!p) {
    p = factory().finally(() => pending.delete(device));
    pending.set(device, p);
  }
  const backend = await p;
  backends.set(device, backend);
  return backend;
}

/**
 * Initialises `device` and makes it the default for new tensors.
 *
 * @example
 * ```ts
 * await useBackend("webgpu"); // Dawn in Node, navigator.gpu in a browser
 * const y = matmul(tensor([[1, 2]]), tensor([[3], [4]])); // runs on the GPU
 * console.log(await y.data());
 * ```
 */
export async function useBackend(device: Device): Promise<Backend> {
  const b = await initBackend(device);
  defaultDevice = device;
  return b;
}

/** The device new tensors are created on unless told otherwise. */
export function getDefaultDevice(): Device {
  return defaultDevice;
}

/** Makes an initialised device the default synchronously (tests and scoped code). */
export function setDefaultDevice(device: Device): void {
  getBackend(device);
  defaultDevice = device;
}

/** Devices whose backends are initialised. */
export function initialisedDevices(): Device[] {
  return [...backends.keys()];
}
