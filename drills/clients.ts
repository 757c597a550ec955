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
