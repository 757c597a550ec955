// The embedded database's own process: dynalite on a folder, on 127.0.0.1:PORT, until its parent goes away.
//
// dynalite throws any LevelDB fault (LEVEL_IO_ERROR: a full disk, a read-only folder) out of a callback, which ends
// the process it runs in. Here that is this process, not vigie: it says why on the IPC channel and exits, and its
// supervisor (dynalite.ts) reopens the database with backoff. Run by Node as is (its types are only stripped).
import http from "node:http";
import { createRequire } from "node:module";
import dynalite from "dynalite";

const [dbPath, portText] = process.argv.slice(2);
const send = (message: Record<string, unknown>) => {
  try {
    process.send?.(message);
  } catch {
    // The parent is gone; `disconnect` ends this process.
  }
};

/** "LEVEL_DATABASE_NOT_OPEN: Database is not open, because LEVEL_IO_ERROR: …": the error and its causes. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let at = error, depth = 0; at && depth < 4; at = (at as { cause?: unknown }).cause, depth++) {
    const { code, message } = at as { code?: string; message?: string };
    const text = message ?? String(at);
    parts.push(`${code && !text.startsWith(code) ? `${code}: ` : ""}${text}`);
  }
  return parts.join(", because ");
}

let failed = false;
const fatal = (error: unknown) => {
  // Only the first fault is the cause: the ones after it (an iterator used after close, a database not open) follow
  // from it, and would hide it.
  if (failed) return;
  failed = true;
  // Exits once the parent has the reason (or at once without one): the database is in no state to go on.
  setTimeout(() => process.exit(70), 1_000).unref();
  if (!process.send || !process.connected) process.exit(70);
  process.send({ type: "fault", message: describe(error) }, () => process.exit(70));
};
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);
// vigie went away (even by SIGKILL): so does its database.
process.on("disconnect", () => process.exit(0));

// dynalite opens LevelDB lazily and loses why an open failed (its requests then fail with a bare "Database is not
// open"): open it here first, once, so a folder that cannot be used is reported with its real cause (EACCES, EROFS,
// ENOSPC, a file in its place), then close it for dynalite.
const { Level } = createRequire(createRequire(import.meta.url).resolve("dynalite"))("level") as {
  Level: new (path: string) => { open(): Promise<void>; close(): Promise<void> };
};
try {
  const probe = new Level(dbPath!);
  await probe.open();
  await probe.close();
} catch (error) {
  fatal(error);
  await new Promise(() => {});
}

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: dbPath! });
// Idle connections stay open: closing one as the client reuses it fails that request ("socket hang up").
server.keepAliveTimeout = 0;
server.once("error", fatal);
server.listen(Number(portText), "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  // LevelDB opens on the first request: make one (ListTables reads the database), so a database that cannot be
  // used fails here, before it is said to be open.
  const request = http.request({
    host: "127.0.0.1", port, method: "POST", path: "/",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "DynamoDB_20120810.ListTables",
      "x-amz-date": "20250101T000000Z",
      authorization: "AWS4-HMAC-SHA256 Credential=embedded/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    },
  }, (response) => {
    response.resume();
    response.on("end", () => {
      if (response.statusCode === 200) send({ type: "listening", port });
      else fatal(new Error(`the database answered ${response.statusCode} to its first read`));
    });
  });
  request.on("error", fatal);
  request.end("{}");
});
process.on("message", (message: { type?: string }) => {
  if (message?.type !== "stop") return;
  // Closing the server closes the database, so LevelDB writes what it holds before the process ends.
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
});
