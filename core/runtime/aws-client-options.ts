// How vigie builds its AWS SDK clients: in its region, and with a bound on opening a connection. The SDK sets none by
// default, so a Lambda in a VPC with no route to an AWS API (no NAT gateway, no VPC endpoint: packets to it are
// dropped) waited for the API until its own timeout, minutes later, with nothing said. With the bound, each attempt
// fails after AWS_CONNECT_TIMEOUT_MS ("TimeoutError"), the SDK retries as usual, and the error names what was
// unreachable (awsUnreachable below). Opening a connection to an AWS API takes milliseconds where there is a route.

// On Lambda the clients take their credentials from `lambdaCredentials`, not the SDK's default chain (below).
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { fromHttp } from "@aws-sdk/credential-provider-http";

/** How long opening a connection to an AWS API may take. */
export const AWS_CONNECT_TIMEOUT_MS = 5_000;

/**
 * The constructor options of every AWS SDK client vigie builds (DynamoDB, SQS, SNS, RDS, Step Functions); on Lambda
 * (`env` has AWS_LAMBDA_FUNCTION_NAME), with `lambdaCredentials`.
 */
export function awsClientOptions(region?: string, connectTimeoutMs = AWS_CONNECT_TIMEOUT_MS, env: NodeJS.ProcessEnv = process.env) {
  const credentials = env.AWS_LAMBDA_FUNCTION_NAME ? lambdaCredentials(env) : undefined;
  return { ...(region ? { region } : {}), requestHandler: { connectionTimeout: connectTimeoutMs }, ...(credentials ? { credentials } : {}) };
}

/**
 * Where a function's clients get credentials on Lambda: the function role's keys, which Lambda puts in the
 * environment (read as the SDK reads them, expiry and account included); without them, a container credentials
 * endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI). Not the SDK's default chain: it passes over the
 * keys whenever AWS_PROFILE is set, and goes on to the shared-config, SSO, credential-process and token-file
 * providers, which the deployed bundles leave out (NEVER_ON_LAMBDA in stacks/bundling.ts), so it would fail there
 * instead of moving on. With neither (a function run outside Lambda under its name, as `sst dev` may, from a
 * folder whose node_modules has those providers), undefined: the SDK's default chain. `env` is the process's
 * environment (the default of `awsClientOptions`): `fromEnv` reads the keys from `process.env` itself.
 */
export function lambdaCredentials(env: NodeJS.ProcessEnv) {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return fromEnv();
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  if (full || relative) {
    const token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    return fromHttp({
      ...(full ? { awsContainerCredentialsFullUri: full } : {}), ...(relative ? { awsContainerCredentialsRelativeUri: relative } : {}),
      ...(token ? { awsContainerAuthorizationToken: token } : {}), ...(tokenFile ? { awsContainerAuthorizationTokenFile: tokenFile } : {}),
    });
  }
  return undefined;
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
