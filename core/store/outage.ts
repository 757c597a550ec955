// Which errors mean "the store is not answering right now" (an outage: try again later), as opposed to a request
// it refused for what it asked or a fault of ours.

/** Socket errors of a store that is down, restarting or unreachable. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ENOTFOUND"]);
/** DynamoDB's names for "busy or failing, not your request". */
const UNAVAILABLE_NAMES = new Set([
  "TimeoutError", "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
  "ServiceUnavailable", "InternalServerError", "InternalFailure",
]);

/** True for an error that says the store is down, unreachable, throttled or failing, which waiting may cure. */
export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, name, $fault, $metadata } = error as { code?: string; name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  if (code && NETWORK_CODES.has(code)) return true;
  if (name && UNAVAILABLE_NAMES.has(name)) return true;
  if ($fault === "server") return true;
  return ($metadata?.httpStatusCode ?? 0) >= 500;
}
