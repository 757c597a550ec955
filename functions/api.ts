// Lambda entry for the results API and status page: the same Hono app as `vigie start`, over the stack's table.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { handle } from "hono/aws-lambda";
import { apiKeysFrom, createApp } from "../api/index.ts";
import { createAlerting, createDynamoAlertStore } from "../core/alerting/index.ts";
import { createResultStore, probeSecrets } from "../core/store/index.ts";
import { Config } from "../index.ts";
import rawConfig from "../vigie.config.ts";

// Built once per container; the table name comes from the stack.
const config = Config.parse(rawConfig);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const tableName = process.env.VIGIE_TABLE ?? `${config.project}-vigie`;
const store = createResultStore({ doc, tableName });
// Read side only: incidents, maintenance windows and SLO budgets, as `vigie start` serves them.
const alerting = createAlerting({ config, store: createDynamoAlertStore({ doc, tableName }) });

export const handler = handle(createApp({
  store,
  probes: config.probes,
  apiKeys: apiKeysFrom(process.env),
  secrets: probeSecrets(config.probes, process.env),
  incidents: alerting.incidents,
  alerting,
  title: config.project,
  publicIncidents: config.statusPage?.incidents,
}));
