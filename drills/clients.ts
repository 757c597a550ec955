// The AWS clients the cloud drill kinds use, handed in (tests pass mocked ones) or built on first use.
import type { RDSClient } from "@aws-sdk/client-rds";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

export interface DrillClients {
  /** Serves every region when given. */
  rds?: RDSClient;
  dynamodb?: DynamoDBClient;
  /** Region of the clients built here when a drill names none. Default: the AWS SDK's (AWS_REGION). */
  region?: string;
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
