// How vigie builds its AWS SDK clients: in its region, and with a bound on opening a connection. The SDK sets none by
// default, so a Lambda in a VPC with no route to an AWS API (no NAT gateway, no VPC endpoint: packets to it are
// dropped) waited for the API until its own timeout, minutes later, with nothing said. With the bound, each attempt
// fails after AWS_CONNECT_TIMEOUT_MS ("TimeoutError"), the SDK retries as usual, and the error names what was
// unreachable (awsUnreachable below). Opening a connection to an AWS API takes milliseconds where there is a route.

/** How long opening a connection to an AWS API may take. */
export const AWS_CONNECT_TIMEOUT_MS = 5_000;

/** The constructor options of every AWS SDK client vigie builds (DynamoDB, SQS, SNS, RDS, Step Functions). */
export function awsClientOptions(region?: string, connectTimeoutMs = AWS_CONNECT_TIMEOUT_MS) {
  return { ...(region ? { region } : {}), requestHandler: { connectionTimeout: connectTimeoutMs } };
}

/**
 * When `error` is the SDK giving up on opening a connection, a message naming the service, for a person reading a
 * drill step's or a function's failure; otherwise undefined.
 */
export function awsUnreachable(error: unknown, where: string): string | undefined {
  const e = error as { name?: string; code?: string; message?: string; $metadata?: unknown } | undefined;
  if (!e || (e.name !== "TimeoutError" && e.code !== "ETIMEDOUT")) return undefined;
  return `${where}: could not open a connection to an AWS API (${e.message ?? e.name}): from a VPC, the function needs a ` +
    `route to DynamoDB, RDS and Step Functions: a NAT gateway, or VPC endpoints (restore.vpcEndpoints: true adds them, for a drill in the home region)`;
}

/** One client per region, built on first use; a handed-in client serves every region. */
export function perRegion<C>(given: C | undefined, fallbackRegion: string | undefined, make: (region: string | undefined) => C): (region?: string) => C {
  const cache = new Map<string, C>();
  return (region) => {
    if (given) return given;
    const key = region ?? fallbackRegion ?? "";
    let client = cache.get(key);
    if (!client) cache.set(key, (client = make(region ?? fallbackRegion)));
    return client;
  };
}

/** The region of an ARN (`arn:aws:states:eu-west-1:123456789012:execution:…` → "eu-west-1"), or undefined when it has none. */
export function arnRegion(arn: string): string | undefined {
  const parts = arn.split(":");
  return parts[0] === "arn" && parts[3] ? parts[3] : undefined;
}
