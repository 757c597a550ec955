// Scheduling: probes on their intervals, spread and never overlapping themselves.
export { createScheduler, offsetFor, nextSlot } from "./scheduler.ts";
export type { Scheduler, ScheduledJob, SchedulerDeps, JobStats } from "./scheduler.ts";
