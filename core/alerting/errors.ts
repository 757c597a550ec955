// Alerting's own faults (not a target's).

/** The store refused, or a state kept changing under us. */
export class AlertingError extends Error {
  override readonly name = "AlertingError";
  constructor(readonly code: "conflict" | "unknown-probe", message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
