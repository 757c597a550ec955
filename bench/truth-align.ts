// Where Node's own HTTP client spends the time between the target's clock and its own: one request at a time (server
// waits 20 ms), Node's bare `http(s).get` timed at each socket event, the target's stamps (bench/truth-target.ts) put
// on the same clock through each process's `performance.timeOrigin`. Prints medians, asserts nothing.
// Then the client's connect event against how long it was idle before. `npx tsx bench/truth-align.ts` (ALIGN_N runs
// per scheme and setting, default 30).
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import { performance } from "node:perf_hooks";
import tls from "node:tls";
import { makeTestPki } from "../test/fixtures/certs.ts";
import { median, startTruthTarget } from "./truth-target-client.ts";

const N = Number(process.env.ALIGN_N ?? 30);
const pki = makeTestPki();
const { ports, stampsOf, close: closeTarget } = await startTruthTarget(pki.valid);
/** This process's clock as milliseconds since the epoch, comparable with the target's. */
const now = () => performance.timeOrigin + performance.now();
const context = tls.createSecureContext({ ca: pki.ca.cert });
let sequence = 0;

type Marks = Record<"start" | "socket" | "attempt" | "connect" | "secure" | "response" | "end", number>;
async function once(scheme: "http" | "https", wait = 20) {
  const id = String(++sequence);
  const secure = scheme === "https";
  const m = {} as Marks;
  const reads: number[] = [];
  await new Promise<void>((resolve, reject) => {
    m.start = now();
    const createConnection = (options: object) => {
      m.socket = now();
      const socket = secure ? tls.connect({ ...(options as tls.ConnectionOptions), secureContext: context }) : net.connect(options as net.NetConnectOpts);
      socket.once("connectionAttempt", () => (m.attempt = now()));
      socket.prependListener("data", () => reads.push(now()));
      return socket;
    };
    const request = (secure ? https : http).get(`${scheme}://127.0.0.1:${ports[scheme]}/?id=${id}&wait=${wait}`, { createConnection }, (res) => {
      m.response = now();
      res.resume();
      res.prependListener("end", () => {
        m.end = now();
        resolve();
      });
    });
    request.on("socket", (socket) => {
      socket.prependListener("connect", () => (m.connect = now()));
      if (secure) socket.once("secureConnect", () => (m.secure = now()));
    });
    request.on("error", reject);
  });
  const s = await stampsOf(id);
  const at = (ms: number) => s.origin + ms;
  return { m, lastRead: reads.at(-1)!, accept: at(s.accept), tls: s.tls === undefined ? NaN : at(s.tls), last: at(s.last) };
}

try {
  console.log(`# Node's bare client against the target's clock (127.0.0.1, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; medians of ${N} per scheme, ms)\n`);
  for (let i = 0; i < 10; i++) for (const scheme of ["https", "http"] as const) await once(scheme);
  const rows: Array<[string, (r: Awaited<ReturnType<typeof once>>) => number]> = [
    ["|total − floor| (client start → end, against accept → last write)", (r) => Math.abs(r.m.end - r.m.start - (r.last - r.accept))],
    ["building the request (start → socket asked for)", (r) => r.m.socket - r.m.start],
    ["making the socket and waiting for the tick (→ connection attempt)", (r) => r.m.attempt - r.m.socket],
    ["attempt → the target accepts (kernel handshake, target's loop)", (r) => r.accept - r.m.attempt],
    ["attempt → the client's connect event", (r) => r.m.connect - r.m.attempt],
    ["TLS: the client's secureConnect − the target's handshake end", (r) => r.m.secure - r.tls],
    ["the target's last write → the client reads the last byte", (r) => r.lastRead - r.last],
    ["last byte read → the response's end event (parse, end)", (r) => r.m.end - r.lastRead],
  ];
  for (const scheme of ["http", "https"] as const) {
    const runs = [];
    for (let i = 0; i < N; i++) runs.push(await once(scheme));
    console.log(`| ${scheme} | median |\n|---|---|`);
    for (const [label, of] of rows) console.log(`| ${label} | ${median(runs.map(of)).toFixed(3)} |`);
    console.log("");
  }
  // The connect event against how long this process was idle just before: the same request back to back, after a
  // 20 ms timer, and after a request whose server waited 20 ms (as every case above).
  console.log("| http connection attempt → connect event, when the client | median |\n|---|---|");
  const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const settings: Array<[string, () => Promise<unknown>, number]> = [
    ["ran a request whose server answered at once just before", async () => {}, 0],
    ["was idle 20 ms on a timer just before", () => idle(20), 0],
    ["ran a request whose server waited 20 ms just before", async () => {}, 20],
  ];
  for (const [label, before, wait] of settings) {
    const connects: number[] = [];
    await once("http", wait);
    for (let i = 0; i < N; i++) {
      await before();
      const { m } = await once("http", wait);
      connects.push(m.connect - m.attempt);
    }
    console.log(`| ${label} | ${median(connects).toFixed(3)} |`);
  }
} finally {
  closeTarget();
}
