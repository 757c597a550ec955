// The dynamodb-pitr drill kind.
export { DynamoDbPitrDrill, ItemCheck } from "./schema.ts";
export { dynamoDbKind } from "./run.ts";
