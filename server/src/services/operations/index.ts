/**
 * The operation machinery. Importing this module registers the grant and plan-change executors,
 * so anything that runs or resumes operations imports it rather than executor.ts directly.
 */
import "../grants";
import "../plan-change";

export { configureExecutor, resumePending, runOperation, SimulatedCrash } from "./executor";
export type { ExecutorTuning, KillPoint } from "./executor";
export { toView, operationOrThrow } from "./core";
export * from "./schema";
