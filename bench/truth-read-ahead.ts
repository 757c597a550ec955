// How late a client reads a response's last byte, against the target's clock: Node's own socket (what the HTTP probe
// used before) and `ReadAheadSocket` (what it uses now, `probes/http/read-ahead.ts`), interleaved run by run, each
// under Node's own HTTP client as the probe uses it, over http and over https. The target (bench/truth-target.ts)
// stamps its last write; the client stamps the read that brought the last byte (where the probe's `totalMs` ends)
// and the response's "end" (when the client is through with it). `npx tsx bench/truth-read-ahead.ts`; AHEAD_N runs
// per case (default 21). Prints medians in ms; asserts nothing.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { ReadAheadSocket } from "../probes/http/read-ahead.ts";
import { makeTestPki } from "../test/fixtures/certs.ts";
import { median, startTruthTarget } from "./truth-target-client.ts";

const N = Number(process.env.AHEAD_N ?? 21);
const pki = makeTestPki();
const { ports, stampsOf, close } = await startTruthTarget(pki.valid);
/** This process's clock as ms since the epoch, comparable with the target's. */
const epoch = (ms: number) => performance.timeOrigin + ms;
const context = tls.createSecureContext({ ca: pki.ca.cert });
let sequence = 0;

type Socket = "node" | "read-ahead";
async function once(scheme: "http" | "https", socket: Socket, query: string) {
  const id = String(++sequence);
  const secure = scheme === "https";
  let lastRead = NaN;
  let end = NaN;
  await new Promise<void>((resolve, reject) => {
    const createConnection = (options: object): Duplex => {
      if (socket === "node") {
        const made = secure ? tls.connect({ ...(options as tls.ConnectionOptions), secureContext: context }) : net.connect(options as net.NetConnectOpts);
        made.prependListener("data", () => (lastRead = performance.now()));
        return made;
      }
      const transport = new ReadAheadSocket(options as net.TcpNetConnectOpts);
      const made = secure ? tls.connect({ socket: transport, host: "127.0.0.1", secureContext: context }) : transport;
      made.prependListener("data", () => (lastRead = transport.arrivedAt));
      return made;
    };
    const url = `${scheme}://127.0.0.1:${ports[scheme]}/?id=${id}&${query}`;
    const request = (secure ? https : http).get(url, { createConnection } as http.RequestOptions, (res) => {
      res.resume();
      res.prependListener("end", () => {
        end = performance.now();
        resolve();
      });
    });
    request.on("error", reject);
  });
  const stamps = await stampsOf(id);
  const last = stamps.origin + stamps.last;
  return { lastRead: epoch(lastRead) - last, end: epoch(end) - last };
}

try {
  const sockets: Socket[] = ["node", "read-ahead"];
  console.log(`# the last byte's read and the response's end, after the target's last write (127.0.0.1, load average ${os.loadavg()[0]!.toFixed(1)}, ${os.cpus().length} cores; medians of ${N} runs per cell, sockets interleaved, ms)\n`);
  console.log(`| case | ${sockets.map((s) => `last byte read, ${s}`).join(" | ")} | ${sockets.map((s) => `end, ${s}`).join(" | ")} |`);
  console.log(`|---|${sockets.map(() => "---|---|").join("")}`);
  for (const [label, query] of [["1 MiB body", "bytes=1048576"], ["waits 20 ms", "wait=20"]] as const) {
    for (const scheme of ["http", "https"] as const) {
      for (let i = 0; i < 3; i++) for (const socket of sockets) await once(scheme, socket, query);
      const runs = Object.fromEntries(sockets.map((s) => [s, { lastRead: [] as number[], end: [] as number[] }]));
      for (let i = 0; i < N; i++) {
        for (const socket of sockets) {
          const run = await once(scheme, socket, query);
          runs[socket]!.lastRead.push(run.lastRead);
          runs[socket]!.end.push(run.end);
        }
      }
      const cells = [...sockets.map((s) => median(runs[s]!.lastRead)), ...sockets.map((s) => median(runs[s]!.end))];
      console.log(`| ${scheme} ${label} | ${cells.map((c) => c.toFixed(2)).join(" | ")} |`);
    }
  }
} finally {
  close();
}
