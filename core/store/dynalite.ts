// The embedded DynamoDB-compatible store: dynalite in-process, on 127.0.0.1, persisted under a folder or in memory.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createRequire } from "node:module";
import type dynaliteType from "dynalite";

// Loaded when started, not when imported: a Lambda bundle that reaches this module through core/store's index (the
// API, the runners) must not carry dynalite and its native LevelDB, which only `vigie start` and tests use.
const loadDynalite = () => createRequire(import.meta.url)("dynalite") as typeof dynaliteType;

export interface EmbeddedDynamo {
  endpoint: string;
  /** A client for this server (fake credentials; dynalite checks none). */
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** Starts dynalite on a free port. With `path`, data survives restarts in that folder. */
export async function startEmbeddedDynamo(options: { path?: string | undefined; port?: number } = {}): Promise<EmbeddedDynamo> {
  const server: Server = loadDynalite()({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "embedded", secretAccessKey: "embedded" },
    maxAttempts: 1,
  });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
