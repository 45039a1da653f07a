/**
 * A one-line description of the machine and runtime, for the benchmark's header.
 */
import os from "node:os";

/** CPU model, cores, Node version and platform. */
export function describeMachine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  return `${cpu}, ${os.availableParallelism()} cores; Node ${process.version}; ${os.platform()} ${os.arch()}`;
}
