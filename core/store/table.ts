// The single DynamoDB table every part of vigie writes: its key layout and how to create it.
//
// Key layout (pk / sk are strings; each module owns its own pk prefixes):
//   runs, rollups, current state  → owned by core/store:
//     RUN#{probeId}#{region}         sk {startedAt ISO}          a raw run (`data`: the ProbeResult as JSON); TTL = retention.
//                                                                No index copy: a probe's runs across regions are its
//                                                                regions' partitions merged (runs written before carry an
//                                                                unused gsi1pk RUN#{probeId})
//     ROLLUP#H#{probeId}#{region}    sk "2025-01-02T13"          hour rollup: runs/pass/degraded/fail, latency buckets
//                                                                h{i}, `applied` set of counted run tokens, and the hour's
//                                                                newest run: lastAt/lastOutcome/lastMs/lastError; TTL 14 d
//     ROLLUP#D#{probeId}#{region}    sk "2025-01-02"             day rollup, folded from its hours; TTL 400 d
//     STATE                          sk {probeId}#{region}       marker: `hour`, the newest hour with runs, and the state
//                                                                of a run of it; written once an hour (the current state is
//                                                                the newer of it and that hour's last run)
//   alert state, incidents, outbox → owned by core/alerting
// `expiresAt` (epoch seconds) is the TTL attribute. `gsi1pk` / `gsi1sk` feed the one global secondary
// index, GSI1, for reads across partitions (e.g. open incidents, newest first).
import {
  CreateTableCommand, DescribeTableCommand, ResourceNotFoundException, UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";

export const TTL_ATTRIBUTE = "expiresAt";
export const GSI1 = "GSI1";

/** Creates the table when it is missing, waits until it is ACTIVE, and turns TTL on where supported. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (described.Table?.TableStatus === "ACTIVE") return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && (error as Error).name !== "ResourceNotFoundException") throw error;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
          { AttributeName: "gsi1pk", AttributeType: "S" },
          { AttributeName: "gsi1sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: GSI1,
            KeySchema: [
              { AttributeName: "gsi1pk", KeyType: "HASH" },
              { AttributeName: "gsi1sk", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
      }),
    );
  }
  for (let tries = 0; tries < 600; tries++) {
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (described.Table?.TableStatus === "ACTIVE") break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
  } catch {
    // dynalite has no TTL API; the attribute is still written, and DynamoDB on AWS has TTL set by the stack.
  }
}
