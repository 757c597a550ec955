// Every price the plan uses, in one table: us-east-1 list prices, USD, read on 2026-12-02 from the pages named.
// Free tiers are left out (they are per account, not per stack), so the figures are an upper bound.

export const PRICES_AS_OF = "2026-12-02";

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

export const PRICES = {
  lambdaRequest: { usd: 0.20 / 1_000_000, unit: "request", source: "https://aws.amazon.com/lambda/pricing/" },
  lambdaGbSecondArm: { usd: 0.0000133334, unit: "GB-second (arm64)", source: "https://aws.amazon.com/lambda/pricing/" },
  lambdaGbSecondX86: { usd: 0.0000166667, unit: "GB-second (x86_64)", source: "https://aws.amazon.com/lambda/pricing/" },
  dynamoWriteUnit: { usd: 0.625 / 1_000_000, unit: "write request unit (on-demand)", source: "https://aws.amazon.com/dynamodb/pricing/on-demand/" },
  dynamoReadUnit: { usd: 0.125 / 1_000_000, unit: "read request unit (on-demand)", source: "https://aws.amazon.com/dynamodb/pricing/on-demand/" },
  dynamoStorageGb: { usd: 0.25, unit: "GB-month stored", source: "https://aws.amazon.com/dynamodb/pricing/on-demand/" },
  dynamoPitrGb: { usd: 0.20, unit: "GB-month of continuous backup", source: "https://aws.amazon.com/dynamodb/pricing/on-demand/" },
  snsPublish: { usd: 0.50 / 1_000_000, unit: "publish", source: "https://aws.amazon.com/sns/pricing/" },
  sqsRequest: { usd: 0.40 / 1_000_000, unit: "request", source: "https://aws.amazon.com/sqs/pricing/" },
  schedulerInvocation: { usd: 1.00 / 1_000_000, unit: "scheduled invocation", source: "https://aws.amazon.com/eventbridge/pricing/" },
  stepFunctionsTransition: { usd: 0.025 / 1_000, unit: "state transition (standard)", source: "https://aws.amazon.com/step-functions/pricing/" },
  vpcInterfaceEndpointHour: { usd: 0.01, unit: "interface endpoint-hour (one AZ)", source: "https://aws.amazon.com/privatelink/pricing/" },
  logsIngestedGb: { usd: 0.50, unit: "GB of logs ingested", source: "https://aws.amazon.com/cloudwatch/pricing/" },
  syntheticsCanaryRun: { usd: 0.0012, unit: "canary run", source: "https://aws.amazon.com/cloudwatch/pricing/" },
} as const;

export type PriceName = keyof typeof PRICES;
