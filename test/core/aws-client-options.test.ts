// vigie's AWS clients give up on a connection that does not open, as from a VPC with no route to the API, instead of
// waiting until the function's own timeout. The "unreachable" endpoint is a real server on 127.0.0.1 whose accept
// queue is full (its process listens with a backlog of 1, then never accepts): the kernel drops further SYNs, as a
// VPC drops packets to an address it has no route to.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { AWS_CONNECT_TIMEOUT_MS, awsClientOptions, awsUnreachable, lambdaCredentials } from "../../core/runtime/aws-client-options.ts";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A port on 127.0.0.1 on which no connection opens any more (the accept queue full, the listener never accepting). */
async function blackHole(): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, ["-e", `
    const server = require("node:net").createServer();
    server.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => {
      process.stdout.write(String(server.address().port) + "\\n");
      // Never return to the event loop: nothing is ever accepted.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    });
  `], { stdio: ["ignore", "pipe", "inherit"] });
  cleanups.push(() => child.kill("SIGKILL"));
  const port = await new Promise<number>((resolve) => child.stdout!.once("data", (chunk) => resolve(Number(String(chunk).trim()))));
  // Fill the accept queue: once it is full, each of these (and the client after them) waits on a SYN never answered.
  for (let i = 0; i < 8; i++) {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.on("error", () => {});
    cleanups.push(() => socket.destroy());
  }
  // The queue is full once a probe connection stays unopened for a while (a kernel set to refuse instead,
  // net.ipv4.tcp_abort_on_overflow = 1, never gets there: said below rather than looping).
  for (let tries = 0; tries < 50; tries++) {
    const opened = await new Promise<boolean>((resolve) => {
      const probe = net.connect({ host: "127.0.0.1", port }, () => resolve(true));
      probe.on("error", () => resolve(true));
      cleanups.push(() => probe.destroy());
      setTimeout(() => resolve(false), 300).unref();
    });
    if (!opened) return port;
  }
  throw new Error("no connection to the full listener ever stayed unopened: does this kernel refuse them (net.ipv4.tcp_abort_on_overflow)?");
}

describe("vigie's AWS clients", () => {
  it("give up on a connection that does not open, and the error says what to fix", { timeout: 30_000 }, async () => {
    const port = await blackHole();
    const client = new DynamoDBClient({
      ...awsClientOptions("us-east-1", 300), endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2,
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    cleanups.push(() => client.destroy());
    const started = Date.now();
    const error = await client.send(new ListTablesCommand({})).then(() => undefined, (e: unknown) => e);
    expect((error as Error).name).toBe("TimeoutError");
    // Two attempts of 300 ms and the SDK's back-off between them, not the minutes a function would have waited.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(awsUnreachable(error, "drill step")).toMatch(/^drill step: could not open a connection to an AWS API .*NAT gateway, or VPC endpoints \(restore\.vpcEndpoints: true/);
  });

  it("are built in their region with the connection bound, and other errors are not called unreachable", () => {
    expect(awsClientOptions("eu-west-1")).toEqual({ region: "eu-west-1", requestHandler: { connectionTimeout: AWS_CONNECT_TIMEOUT_MS } });
    expect(awsClientOptions()).toEqual({ requestHandler: { connectionTimeout: AWS_CONNECT_TIMEOUT_MS } });
    expect(awsUnreachable(Object.assign(new Error("nope"), { name: "AccessDeniedException" }), "x")).toBeUndefined();
  });
});

describe("credentials on Lambda", () => {
  it("take the role's keys from the environment, even with AWS_PROFILE set, else a container endpoint, else the SDK's default chain", async () => {
    const lambda = { AWS_LAMBDA_FUNCTION_NAME: "acme-ci-http-runner" };
    // Off Lambda: the SDK's default chain, as vigie test and vigie start use it.
    expect(awsClientOptions("us-east-1", 1000, { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" })).not.toHaveProperty("credentials");
    expect(typeof awsClientOptions("us-east-1", 1000, { ...lambda, AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b", AWS_PROFILE: "someone" }).credentials).toBe("function");
    expect(typeof lambdaCredentials({ ...lambda, AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:1/creds" })).toBe("function");
    expect(lambdaCredentials({ ...lambda, AWS_PROFILE: "someone" })).toBeUndefined();
  });
});
