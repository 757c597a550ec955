// The embedded DynamoDB-compatible store: dynalite on 127.0.0.1, persisted under a folder (in a process of its own,
// supervised) or in memory (in this process).
//
// A LevelDB fault (a full disk, a read-only folder) makes dynalite throw out of a callback, which ends the process
// it runs in. So a database on a folder runs in a child process: a fault ends the child, never vigie. The
// supervisor reopens it on the same port with backoff (200 ms doubling to 30 s) until it works again; meanwhile
// every request fails fast (connection refused), which the durable writer treats as an outage (results wait in the
// spool) and the API answers with 503. A database in memory has no disk to fail and stays in process.
import { fork, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
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
  /** The database process (undefined in memory, or while it is being reopened). */
  readonly pid: number | undefined;
  /** Whether the database answers, and the last fault that stopped it. */
  state(): { up: boolean; fault?: string | undefined };
  /** Calls `listener` each time the database answers again after it stopped (never in memory, which cannot stop). */
  onReopen(listener: () => void): void;
  close(): Promise<void>;
}

export interface EmbeddedDynamoOptions {
  /** Folder of the database; absent keeps it in memory. */
  path?: string | undefined;
  /** 0 (default) picks a free port; a reopened database keeps the port it had. */
  port?: number;
  log?: (line: string) => void;
  /** Wait before reopening a database that stopped, doubling up to maxMs. Default 200 ms and 30 s. */
  backoff?: { initialMs: number; maxMs: number };
}

const CHILD = fileURLToPath(new URL("./dynalite-process.ts", import.meta.url));
/**
 * The database process favours a small heap over a little speed (as `vigie start` does, see bin/vigie.js), with a
 * young generation of 4 MB: at 10,000 probes it held ≈ 400 MB with V8's defaults and ≈ 175 MB with these.
 */
const DATABASE_NODE_FLAGS = ["--optimize-for-size", "--max-semi-space-size=4"];
/** A database up this long has recovered: its next fault starts the backoff again from the first wait. */
const STABLE_MS = 30_000;

const clientFor = (endpoint: string) => new DynamoDBClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "embedded", secretAccessKey: "embedded" },
  maxAttempts: 1,
});

/** Starts dynalite on a free port (or `port`). With `path`, data survives restarts in that folder. */
export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  return options.path ? startSupervised(options.path, options) : startInProcess(options.port ?? 0);
}

async function startInProcess(port: number): Promise<EmbeddedDynamo> {
  const server: Server = loadDynalite()({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Idle connections stay open: closing one as the client reuses it fails that request ("socket hang up").
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = clientFor(endpoint);
  return {
    endpoint,
    client,
    pid: undefined,
    state: () => ({ up: server.listening }),
    onReopen: () => {},
    close: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startSupervised(dbPath: string, options: EmbeddedDynamoOptions): Promise<EmbeddedDynamo> {
  const log = options.log ?? (() => {});
  const backoff = options.backoff ?? { initialMs: 200, maxMs: 30_000 };
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;
  let up = false;
  let fault: string | undefined;
  let closing = false;
  let delay = backoff.initialMs;
  let upSince = 0;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the first open worked: a database that never opened is an error of the start, not an outage. */
  let started = false;
  const reopenListeners: Array<() => void> = [];

  /** Starts the database process; resolves with its port once it listens, rejects if it ends before. */
  function open(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      // In a process group of its own: the Ctrl-C a terminal sends vigie's group must not close the database
      // before vigie has stored what it drains. It ends when told, or when vigie goes away (IPC disconnect).
      const proc = fork(CHILD, [dbPath, String(port)], { execPath: process.execPath, execArgv: DATABASE_NODE_FLAGS, stdio: ["ignore", "ignore", "pipe", "ipc"], detached: true });
      child = proc;
      let stderr = "";
      let listening = false;
      let lastFault: string | undefined;
      proc.stderr?.on("data", (chunk: Buffer) => { stderr = `${stderr}${chunk}`.slice(-2_000); });
      proc.on("message", (message: { type?: string; port?: number; message?: string }) => {
        // The first fault is the cause; any after it follows from it.
        if (message.type === "fault") lastFault ??= message.message;
        if (message.type === "listening" && message.port) {
          listening = true;
          up = true;
          upSince = Date.now();
          resolve(message.port);
        }
      });
      proc.once("exit", (code, signal) => {
        if (child === proc) child = undefined;
        up = false;
        const why = lastFault ?? (stderr.trim().split("\n").at(-1) || `exit ${code ?? signal}`);
        if (!listening) reject(new Error(`the embedded database in ${dbPath} could not start: ${why}`));
        if (closing || !started) return;
        fault = why;
        if (listening && Date.now() - upSince >= STABLE_MS) delay = backoff.initialMs;
        log(`STORE DOWN: the embedded database in ${dbPath} stopped (${why}); reopening in ${delay} ms; results wait in the spool meanwhile`);
        reopenTimer = setTimeout(reopen, delay);
        delay = Math.min(delay * 2, backoff.maxMs);
      });
    });
  }

  function reopen(): void {
    reopenTimer = undefined;
    if (closing) return;
    open().then(
      () => {
        log(`store: the embedded database in ${dbPath} is open again`);
        for (const listener of reopenListeners) listener();
      },
      // Its exit scheduled the next try.
      () => {},
    );
  }

  port = await open();
  started = true;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = clientFor(endpoint);
  return {
    endpoint,
    client,
    get pid() { return child?.pid; },
    state: () => ({ up, ...(fault && !up ? { fault } : {}) }),
    onReopen: (listener) => { reopenListeners.push(listener); },
    close: async () => {
      closing = true;
      if (reopenTimer) clearTimeout(reopenTimer);
      client.destroy();
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      proc.send({ type: "stop" });
      const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
