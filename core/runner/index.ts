// Running probes: the retry loop and the dependencies every runner shares.
export { runProbe, internalFailure } from "./run-probe.ts";
export type { ProbeDeps, AttemptRunner } from "./run-probe.ts";
export { resolveTarget } from "./resolve-target.ts";
export type { Target } from "./resolve-target.ts";
export { startNoiseMeter } from "./noise.ts";
export type { NoiseMeter } from "./noise.ts";
