import diagnostics_channel from "node:diagnostics_channel";
import type { LookupFunction } from "node:net";
import tls, { type TLSSocket } from "node:tls";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runProbe } from "../../../core/runner/index.ts";
import { ProbeResult } from "../../../core/result/index.ts";
import { HttpProbe, runHttpAttempt, type HttpDeps, type HttpProbeInput } from "../../../probes/http/index.ts";
import { makeTestPki, type TestPki } from "../../fixtures/certs.ts";
import { busy, waitFor } from "../../fixtures/wait.ts";
import { refusedPort, startHttpTarget, startHttpsTarget, startRawTarget, type Target } from "../../fixtures/targets.ts";

const deps = (extra: Partial<HttpDeps> = {}): HttpDeps => ({ region: "eu-west-1", now: Date.now, env: {}, ...extra });

async function run(input: Partial<HttpProbeInput> & { url: string }, extra: Partial<HttpDeps> = {}) {
  const probe = HttpProbe.parse({ id: "t", kind: "http", ...input });
  const result = await runProbe(probe, runHttpAttempt, deps(extra));
  expect(ProbeResult.safeParse(result).success).toBe(true);
  if (result.outcome !== "pass") expect(result.error).toBeDefined();
  return result;
}

/** The phases of a run in whole microseconds, and its total: they must be equal, not close. */
function partition(t: NonNullable<ProbeResult["http"]>["timings"]) {
  const us = (ms: number | undefined) => Math.round((ms ?? NaN) * 1000);
  const phases = [t.blockedMs, t.dnsMs, t.connectMs, t.tlsMs, t.ttfbMs, t.downloadMs].map(us);
  return { sum: phases.reduce((a, b) => a + b, 0), total: us(t.totalMs) };
}

/**
 * Runs `url`'s probe with the client slow on what it reads: every chunk its socket hands the HTTP client (over TLS, each
 * decrypted record) holds the thread for 20 ms, as parsing and decrypting a large body does in smaller steps. That
 * socket is paused until the connection's own socket has read the target's whole answer and its end, so every byte is
 * read before the client works on any of it. (Node's own socket stops reading while its consumer is paused, so with
 * it the run never got past the pause.)
 */
async function runSlowOnDelivered(url: string, input: Partial<HttpProbeInput> = {}) {
  let connection: import("node:net").Socket | undefined;
  const made = ({ socket }: { socket: import("node:net").Socket }) => (connection = socket);
  const slow = ({ request }: { request: import("node:http").ClientRequest }) => {
    request.once("socket", (socket) => {
      socket.pause();
      socket.on("data", () => busy(20));
      connection!.once("end", () => socket.resume());
    });
  };
  diagnostics_channel.subscribe("net.client.socket", made as (message: unknown) => void);
  diagnostics_channel.subscribe("http.client.request.created", slow as (message: unknown) => void);
  try {
    return await run({ url, timeout: "5s", ...input });
  } finally {
    diagnostics_channel.unsubscribe("http.client.request.created", slow as (message: unknown) => void);
    diagnostics_channel.unsubscribe("net.client.socket", made as (message: unknown) => void);
  }
}

/** Answers 96 KiB (more than one read) and closes the connection. */
function deliveredBody(_req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) {
  res.writeHead(200, { "content-length": String(96 * 1024), connection: "close" });
  res.end(Buffer.alloc(96 * 1024, 120));
}

const targets: Target[] = [];
async function target(handler: Parameters<typeof startHttpTarget>[0]) {
  const started = await startHttpTarget(handler);
  targets.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(targets.map((t) => t.close()));
});

describe("http probe over plain HTTP", () => {
  it("passes and breaks the time down into phases that add up to the total exactly", async () => {
    const server = await target((_req, res) => res.end("hello"));
    const result = await run({ url: `${server.url}/` });
    expect(result.outcome).toBe("pass");
    expect(result.kind).toBe("http");
    expect(result.region).toBe("eu-west-1");
    const t = result.http!.timings;
    expect(result.http).toMatchObject({ status: 200, bytes: 5 });
    expect(t.connectMs).toBeGreaterThan(0);
    expect(t.ttfbMs).toBeGreaterThan(0);
    expect(t.tlsMs).toBe(0);
    expect(t.dnsMs).toBe(0);
    expect(t.blockedMs).toBeGreaterThanOrEqual(0);
    expect(t.noiseMs).toBeGreaterThanOrEqual(0);
    const { sum, total } = partition(t);
    expect(sum).toBe(total);
    expect(result.durationMs).toBe(t.totalMs);
  });

  it("keeps the phases adding up to the total across redirects, the time between hops counted as blocked", async () => {
    const server = await target((req, res) => {
      if (req.url === "/a") return res.writeHead(302, { location: "/b" }).end();
      if (req.url === "/b") return res.writeHead(301, { location: "/c" }).end();
      res.end("landed");
    });
    const result = await run({ url: `${server.url}/a` });
    expect(result.outcome).toBe("pass");
    expect(result.http!.redirects).toBe(2);
    const { sum, total } = partition(result.http!.timings);
    expect(sum).toBe(total);
  });

  it("keeps the phases adding up to the total when the run times out mid-body, the body phase running to the end", async () => {
    const server = await target((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const drip = setInterval(() => res.write("."), 20);
      res.on("close", () => clearInterval(drip));
    });
    const result = await run({ url: server.url, timeout: "200ms" });
    expect(result.error?.category).toBe("timeout");
    const t = result.http!.timings;
    expect(t.downloadMs).toBeGreaterThan(0);
    const { sum, total } = partition(t);
    expect(sum).toBe(total);
    expect(t.totalMs).toBeGreaterThanOrEqual(199);
  });

  it("puts the time of a connection that never comes up in connect, and the phases still add up", async () => {
    const port = await refusedPort();
    const result = await run({ url: `http://127.0.0.1:${port}/` });
    expect(result.error?.category).toBe("connect");
    const t = result.http!.timings;
    expect([t.tlsMs, t.ttfbMs, t.downloadMs]).toEqual([0, 0, 0]);
    const { sum, total } = partition(t);
    expect(sum).toBe(total);
  });

  it("reports an event-loop stall that happened while it ran as noiseMs", async () => {
    const server = await target((_req, res) => setTimeout(() => res.end("late"), 60));
    const pending = run({ url: server.url });
    // The request is out (the run got as far as its first await): hold this process's event loop for 40 ms, as another probe's work would.
    busy(40);
    const result = await pending;
    expect(result.outcome).toBe("pass");
    expect(result.http!.timings.noiseMs).toBeGreaterThanOrEqual(35);
  });

  it("leaves the thread's own work before the connection attempt out of the run's time and out of connect, and reports it as noise", async () => {
    const server = await target((_req, res) => res.end("ok"));
    const probe = HttpProbe.parse({ id: "t", kind: "http", url: server.url });
    // The run has built its request and returned at its first await; it opens its connection on the next tick, and
    // Node issues the connect to an address on the tick after that. A tick queued now runs between the two: holding
    // the thread there stands for everything else queued before the attempt (other runs' sockets, their callbacks).
    const pending = runHttpAttempt(probe, deps(), new Set());
    let heldUntil = NaN;
    process.nextTick(() => (heldUntil = busy(30)));
    const t = (await pending).http!.timings;
    const after = performance.now();
    expect(t.totalMs).toBeLessThanOrEqual(after - heldUntil);
    expect(t.blockedMs).toBe(0);
    expect(t.connectMs).toBeLessThan(30);
    expect(t.noiseMs).toBeGreaterThanOrEqual(25);
    const { sum, total } = partition(t);
    expect(sum).toBe(total);
  });

  it("times the first and last byte as they arrive, not after Node has parsed them into a response", async () => {
    // The whole response in one write, so its first and last byte arrive together. Node publishes this channel after
    // the bytes reached JavaScript and before the "response" and "end" events: holding the thread there stands for
    // the parsing, the response object and the deferred end, which are the client's work, not the target's.
    const server = await target((_req, res) => res.end("ok"));
    let stalledFrom = NaN;
    const stall = () => {
      stalledFrom = performance.now();
      busy(60);
    };
    diagnostics_channel.subscribe("http.client.response.finish", stall);
    try {
      const before = performance.now();
      const result = await run({ url: server.url });
      expect(result.outcome).toBe("pass");
      const t = result.http!.timings;
      // The run started after `before`, and its last byte had arrived when the stall began.
      expect(t.totalMs).toBeLessThanOrEqual(stalledFrom - before);
      expect(t.downloadMs).toBeLessThan(5);
      const { sum, total } = partition(t);
      expect(sum).toBe(total);
    } finally {
      diagnostics_channel.unsubscribe("http.client.response.finish", stall);
    }
  });

  it("times a body's last byte by when it left the kernel, not after the client's work on the bytes read before it", async () => {
    const server = await target(deliveredBody);
    const result = await runSlowOnDelivered(server.url);
    expect(result.outcome).toBe("pass");
    expect(result.http!.bytes).toBe(96 * 1024);
    // Read one chunk at a time, each read waited for the 20 ms of work on the one before.
    expect(result.http!.timings.downloadMs).toBeLessThan(20);
    const { sum, total } = partition(result.http!.timings);
    expect(sum).toBe(total);
  });

  it("starts the clock once the request is built, as its connection is opened", async () => {
    // Node publishes this channel at the end of building a request: holding the thread there stands for the
    // prober's own set-up (the URL, the headers, the request object), which is not the target's time.
    const server = await target((_req, res) => res.end("ok"));
    let builtAt = NaN;
    const stall = () => (builtAt = busy(60));
    diagnostics_channel.subscribe("http.client.request.created", stall);
    try {
      const result = await run({ url: server.url });
      const after = performance.now();
      expect(result.outcome).toBe("pass");
      expect(result.http!.timings.totalMs).toBeLessThanOrEqual(after - builtAt);
      const { sum, total } = partition(result.http!.timings);
      expect(sum).toBe(total);
    } finally {
      diagnostics_channel.unsubscribe("http.client.request.created", stall);
    }
  });

  it("does not count the set-up of a run started beside it, as when the HTTP thread starts a turn's runs together", async () => {
    const server = await target((_req, res) => res.end("ok"));
    // Building the second run's request holds the thread for 60 ms (see the test above for the channel).
    let builds = 0;
    let secondBuiltAt = NaN;
    const stall = () => {
      if (++builds === 2) secondBuiltAt = busy(60);
    };
    diagnostics_channel.subscribe("http.client.request.created", stall);
    try {
      const probe = HttpProbe.parse({ id: "t", kind: "http", url: server.url });
      let firstEndedAt = NaN;
      const first = runHttpAttempt(probe, deps(), new Set()).then((result) => ((firstEndedAt = performance.now()), result));
      const second = runHttpAttempt(probe, deps(), new Set());
      const [a, b] = await Promise.all([first, second]);
      expect([a.outcome, b.outcome]).toEqual(["pass", "pass"]);
      // The first run's clock started once both requests were built.
      expect(a.http!.timings.totalMs).toBeLessThanOrEqual(firstEndedAt - secondBuiltAt);
    } finally {
      diagnostics_channel.unsubscribe("http.client.request.created", stall);
    }
  });

  it("keeps each connection's bytes its own when many runs read at once", async () => {
    // Bodies of 3 KiB to 276 KiB, each its own text and no stretch of one like another (the run's number and each
    // position in it), written in three parts a turn apart so the runs' reads interleave.
    const bodyOf = (n: number) => Array.from({ length: 400 + n * 1000 }, (_, i) => `${n}.${i};`).join("").slice(0, 3 * 1024 + n * 7 * 1024);
    const server = await target((req, res) => {
      const body = Buffer.from(bodyOf(Number(new URL(req.url!, "http://x").searchParams.get("n"))));
      res.writeHead(200, { "content-length": String(body.length) });
      const third = Math.ceil(body.length / 3);
      res.write(body.subarray(0, third));
      setImmediate(() => {
        res.write(body.subarray(third, 2 * third));
        setImmediate(() => res.end(body.subarray(2 * third)));
      });
    });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, n) => run({ url: `${server.url}/?n=${n}`, assertions: [{ source: "body", op: "eq", target: bodyOf(n) }] })),
    );
    expect(results.map((r) => r.outcome)).toEqual(results.map(() => "pass"));
  });

  it("opens a fresh connection on every run", async () => {
    const ports = new Set<number>();
    const server = await target((req, res) => {
      ports.add(req.socket.remotePort!);
      res.end("ok");
    });
    for (let i = 0; i < 3; i++) await run({ url: server.url });
    expect(ports.size).toBe(3);
  });

  it("sends the method, headers and body, and times DNS through the resolver", async () => {
    let seen: { method?: string; header?: string; body?: string } = {};
    const server = await target((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        seen = { method: req.method, header: req.headers["x-probe"] as string, body };
        res.end("done");
      });
    });
    // Answers no sooner than 5 ms after it was asked, on the clock the marks use: a timer alone counts from the
    // loop's cached time, which can be ms older than the call on a busy thread.
    const lookup: LookupFunction = (_host, options, callback) => {
      const askedAt = performance.now();
      const answer = () => {
        if (performance.now() - askedAt < 5) return void setTimeout(answer, 1);
        if (options.all) (callback as any)(null, [{ address: "127.0.0.1", family: 4 }]);
        else callback(null, "127.0.0.1", 4);
      };
      setTimeout(answer, 5);
    };
    const result = await run({ url: `http://api.vigie.test:${server.port}/orders`, method: "POST", headers: { "X-Probe": "1" }, body: '{"a":1}' }, { lookup });
    expect(result.outcome).toBe("pass");
    expect(seen).toEqual({ method: "POST", header: "1", body: '{"a":1}' });
    expect(result.http!.timings.dnsMs).toBeGreaterThanOrEqual(5);
  });

  it("fails with category dns when the name does not resolve", async () => {
    const lookup: LookupFunction = (hostname, _options, callback) =>
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), "", 4);
    const result = await run({ url: "http://nowhere.vigie.test/" }, { lookup });
    expect(result.outcome).toBe("fail");
    expect(result.error).toEqual({ category: "dns", message: "could not resolve nowhere.vigie.test (ENOTFOUND)" });
  });

  it("fails with category connect when the port refuses", async () => {
    const port = await refusedPort();
    const result = await run({ url: `http://127.0.0.1:${port}/` });
    expect(result.error).toEqual({ category: "connect", message: `connection refused by 127.0.0.1:${port}` });
  });

  it("fails with category timeout when headers never come, at the timeout (not later than a busy machine's scheduling delay)", async () => {
    const server = await startRawTarget(() => {});
    targets.push(server);
    const started = performance.now();
    const result = await run({ url: server.url, timeout: "300ms" });
    const elapsed = performance.now() - started;
    expect(result.error?.category).toBe("timeout");
    expect(result.error?.message).toBe("timed out after 300ms waiting for the response headers");
    expect(elapsed).toBeGreaterThanOrEqual(299);
    // The server never answers: without the deadline this would hang until the test's own timeout.
    expect(elapsed).toBeLessThan(300 + 1_000);
  });

  it("closes its connection when it gives up at the timeout", async () => {
    let closed = false;
    const server = await target((req) => req.socket.once("close", () => (closed = true)));
    const result = await run({ url: server.url, timeout: "200ms" });
    expect(result.error?.category).toBe("timeout");
    await waitFor("the target to see the connection closed", () => closed, { timeoutMs: 5_000 });
  });

  /** Runs `input` with the deadline's timer faked (and never firing by itself); `arm` fires it when the test says. */
  async function runFiringDeadline(input: Partial<HttpProbeInput> & { url: string }, arm: (fire: () => void) => void, extra: Partial<HttpDeps> = {}) {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let fired = false;
    arm(() => {
      fired = true;
      vi.advanceTimersByTime(1_000);
    });
    try {
      const result = await run({ timeout: "1s", ...input }, extra);
      expect(fired).toBe(true);
      return result;
    } finally {
      vi.useRealTimers();
    }
  }

  for (const [label, headers] of [["its length declared", { "content-length": "2", connection: "close" }], ["ended by the connection closing", { connection: "close" }]] as const) {
    it(`passes an answer (${label}) whose last byte came before the timeout, though the deadline fires before the client has read it`, async () => {
      // The answer and the connection's end are read; the deadline fires just then (after the connection's own "end"
      // listener), before the HTTP client has been handed the bytes.
      const server = await target((_req, res) => {
        res.useChunkedEncodingByDefault = false;
        res.writeHead(200, headers);
        res.end("ok");
      });
      const made = ({ socket }: { socket: import("node:net").Socket }) => socket.once("end", () => process.nextTick(fire));
      let fire = () => {};
      diagnostics_channel.subscribe("net.client.socket", made as (message: unknown) => void);
      try {
        const result = await runFiringDeadline({ url: server.url }, (f) => (fire = f));
        expect(result.outcome).toBe("pass");
        expect(result.http!.bytes).toBe(2);
      } finally {
        diagnostics_channel.unsubscribe("net.client.socket", made as (message: unknown) => void);
      }
    });
  }

  it("times out when the rest of the body comes after the deadline, even with a reset that hands it on at once", async () => {
    // Headers and one byte, then, once the deadline has fired, the other 80 KiB (a full 16 KiB read and a full 64 KiB
    // one, so the reset is read in the same poll) and a reset.
    let answer: import("node:http").ServerResponse | undefined;
    const server = await target((_req, res) => {
      res.writeHead(200, { "content-length": String(1 + 80 * 1024) });
      res.write("a");
      answer = res;
    });
    const created = ({ request }: { request: import("node:http").ClientRequest }) => request.once("response", () => process.nextTick(fire));
    let fire = () => {};
    diagnostics_channel.subscribe("http.client.request.created", created as (message: unknown) => void);
    try {
      const result = await runFiringDeadline({ url: server.url }, (f) => {
        fire = () => {
          f();
          answer!.write(Buffer.alloc(80 * 1024, 120), () => answer!.socket?.resetAndDestroy());
        };
      });
      expect(result.error).toEqual({ category: "timeout", message: "timed out after 1s waiting for the rest of the body" });
    } finally {
      diagnostics_channel.unsubscribe("http.client.request.created", created as (message: unknown) => void);
    }
  });

  it("names the phase the deadline interrupted, even when the next step comes just after it", async () => {
    const server = await target((_req, res) => res.end("ok"));
    let fire = () => {};
    // The name resolves just after the deadline fired: the run timed out resolving it.
    const lookup: LookupFunction = (_host, options, callback) => {
      process.nextTick(() => {
        fire();
        if (options.all) (callback as any)(null, [{ address: "127.0.0.1", family: 4 }]);
        else callback(null, "127.0.0.1", 4);
      });
    };
    const result = await runFiringDeadline({ url: `http://api.vigie.test:${server.port}/` }, (f) => (fire = f), { lookup });
    expect(result.error).toEqual({ category: "timeout", message: "timed out after 1s waiting for resolving the host" });
    expect(result.http!.timings.connectMs).toBe(0);
  });

  it("fails with category timeout when the body trickles past the timeout", async () => {
    const server = await target((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const drip = setInterval(() => res.write("."), 20);
      res.on("close", () => clearInterval(drip));
    });
    const started = performance.now();
    const result = await run({ url: server.url, timeout: "250ms" });
    // The body never ends: without the deadline this would run until the test's own timeout.
    expect(performance.now() - started).toBeLessThan(250 + 1_000);
    expect(result.error).toEqual({ category: "timeout", message: "timed out after 250ms waiting for the rest of the body" });
    expect(result.http!.timings.ttfbMs).toBeGreaterThan(0);
  });

  it("fails with category http when the connection resets mid-body", async () => {
    const server = await target((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("x".repeat(100), () => res.socket?.destroy());
    });
    const result = await run({ url: server.url });
    expect(result.error?.category).toBe("http");
    expect(result.error?.message).toMatch(/^connection reset after \d+ bytes of the body$/);
  });

  it("keeps the bytes that came before a reset: a whole answer passes, a cut one says how far it got", async () => {
    const whole = await target((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.end("x".repeat(100), () => res.socket?.resetAndDestroy());
    });
    const cut = await target((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("x".repeat(100), () => res.socket?.resetAndDestroy());
    });
    const passed = await run({ url: whole.url });
    expect(passed.outcome).toBe("pass");
    expect(passed.http!.bytes).toBe(100);
    const failed = await run({ url: cut.url });
    expect(failed.error).toEqual({ category: "http", message: "connection reset after 100 bytes of the body" });
  });

  it("fails with category http on a malformed response", async () => {
    const server = await startRawTarget((socket) => socket.once("data", () => socket.end("HTTP/1.1 abc nonsense\r\n\r\n")));
    targets.push(server);
    const result = await run({ url: server.url });
    expect(result.error?.category).toBe("http");
    expect(result.error?.message).toMatch(/^malformed response: .*HPE_/);
  });

  it("fails a 10 MiB body against the 1 MiB cap without reading it all", async () => {
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 120);
    const server = await target((_req, res) => {
      // No content-length: the cap has to stop a stream, not trust a header.
      const push = () => {
        while (sent < 10 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once("drain", push);
        }
        res.end();
      };
      push();
    });
    const result = await run({ url: server.url });
    expect(result.error).toEqual({ category: "http", message: "body is over the 1 MiB cap" });
    expect(sent).toBeLessThan(10 * 1024 * 1024);
  });

  it("refuses a declared body over the cap before reading it", async () => {
    const server = await target((_req, res) => {
      res.writeHead(200, { "content-length": String(10 * 1024 * 1024) });
      res.write("x");
    });
    const result = await run({ url: server.url, maxBodyBytes: 1024 });
    expect(result.error).toEqual({ category: "http", message: "body of 10485760 bytes is over the 1024 bytes cap" });
  });

  it("does not hold a HEAD answer's declared length against the cap", async () => {
    const server = await target((_req, res) => {
      res.writeHead(200, { "content-length": String(10 * 1024 * 1024) });
      res.end();
    });
    const result = await run({ url: server.url, method: "HEAD" });
    expect(result.outcome).toBe("pass");
    expect(result.http?.bytes).toBe(0);
  });

  it("detects a redirect loop", async () => {
    const server = await target((req, res) => {
      res.writeHead(302, { location: req.url === "/a" ? "/b" : "/a" });
      res.end();
    });
    const result = await run({ url: `${server.url}/a` });
    expect(result.error).toEqual({ category: "http", message: "redirect loop: /a → /b → /a" });
  });

  it("gives up after maxRedirects", async () => {
    const server = await target((req, res) => {
      res.writeHead(301, { location: `/n${Number(req.url!.slice(2) || 0) + 1}` });
      res.end();
    });
    const result = await run({ url: `${server.url}/n0`, maxRedirects: 3 });
    expect(result.error).toEqual({ category: "http", message: "more than 3 redirects" });
  });

  it("follows redirects, counts them, and keeps credentials on their own origin", async () => {
    let authAtOther: string | undefined = "unset";
    const other = await target((req, res) => {
      authAtOther = req.headers.authorization;
      res.end("landed");
    });
    const first = await target((req, res) => {
      if (req.url === "/start") res.writeHead(307, { location: "/next" });
      else res.writeHead(302, { location: `${other.url}/final` });
      res.end();
    });
    const result = await run({ url: `${first.url}/start`, headers: { authorization: "Bearer abc" }, assertions: [{ source: "body", op: "eq", target: "landed" }] });
    expect(result.outcome).toBe("pass");
    expect(result.http?.redirects).toBe(2);
    expect(authAtOther).toBeUndefined();
  });

  it("fails a 500 through the default status assertion", async () => {
    const server = await target((_req, res) => {
      res.statusCode = 500;
      res.end("boom");
    });
    const result = await run({ url: server.url });
    expect(result.outcome).toBe("fail");
    expect(result.error).toEqual({ category: "assertion", message: "status lt 400 (default), got 500" });
    expect(result.http?.status).toBe(500);
  });

  it("decodes the body only when an assertion reads it, and reports its size either way", async () => {
    const size = 300_000;
    const server = await target((_req, res) => res.end(Buffer.alloc(size, 120)));
    const decoded: number[] = [];
    const toString = Buffer.prototype.toString;
    const spy = vi.spyOn(Buffer.prototype, "toString").mockImplementation(function (this: Buffer, ...args: unknown[]) {
      if (this.length === size) decoded.push(this.length);
      return toString.apply(this, args as Parameters<Buffer["toString"]>);
    });
    try {
      const statusOnly = await run({ url: server.url });
      expect(statusOnly.outcome).toBe("pass");
      expect(statusOnly.http!.bytes).toBe(size);
      expect(decoded).toEqual([]);
      const onBody = await run({ url: server.url, assertions: [{ source: "body", op: "contains", target: "xxx" }, { source: "body", op: "notContains", target: "y" }] });
      expect(onBody.outcome).toBe("pass");
      expect(onBody.http!.bytes).toBe(size);
      expect(decoded).toEqual([size]);
    } finally {
      spy.mockRestore();
    }
  });

  it("fails a JSON assertion on a body that is not JSON, saying so", async () => {
    const server = await target((_req, res) => res.end("<html>not json</html>"));
    const result = await run({ url: server.url, assertions: [{ source: "json", path: "$.status", op: "eq", target: "ok" }] });
    expect(result.error?.category).toBe("assertion");
    const failed = result.assertions.find((a) => !a.passed)!;
    expect(failed.description).toBe('json $.status eq "ok"');
    expect(String(failed.actual)).toMatch(/^body is not JSON/);
  });

  it("records every assertion's verdict and actual value", async () => {
    const server = await target((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ status: "ok", items: [{ id: 7 }], count: 3 }));
    });
    const result = await run({
      url: server.url,
      assertions: [
        { source: "status", op: "eq", target: 200 },
        { source: "header", name: "Content-Type", op: "contains", target: "json" },
        { source: "json", path: "$.items[0].id", op: "eq", target: 7 },
        { source: "json", path: "$.count", op: "gte", target: 5 },
        { source: "body", op: "matches", target: '"status":\\s*"ok"' },
        { source: "responseTime", op: "lt", target: 5000 },
      ],
    });
    expect(result.assertions.map((a) => [a.description, a.passed, a.actual])).toEqual([
      ["status eq 200", true, 200],
      ["header Content-Type contains \"json\"", true, "application/json"],
      ["json $.items[0].id eq 7", true, 7],
      ["json $.count gte 5", false, 3],
      ['body matches "\\"status\\":\\\\s*\\"ok\\""', true, '{"status":"ok","items":[{"id":7}],"count":3}'],
      ["responseTime lt 5000", true, expect.any(Number)],
    ]);
    expect(result.error).toEqual({ category: "assertion", message: "json $.count gte 5, got 3" });
  });

  it("turns degraded and then failed on the time thresholds", async () => {
    const server = await target((_req, res) => setTimeout(() => res.end("slow"), 60));
    const degraded = await run({ url: server.url, thresholds: { degradedMs: 30, failMs: 5000 } });
    expect(degraded.outcome).toBe("degraded");
    expect(degraded.error?.category).toBe("threshold");
    const failed = await run({ url: server.url, thresholds: { degradedMs: 10, failMs: 30 } });
    expect(failed.outcome).toBe("fail");
    expect(failed.error?.message).toMatch(/at or over the 30 ms fail threshold$/);
  });

  it("retries network failures and records each attempt", async () => {
    let connections = 0;
    const server = await startRawTarget((socket) => {
      connections++;
      if (connections === 1) return socket.destroy();
      socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"));
    });
    targets.push(server);
    const result = await run({ url: server.url, retries: { count: 2 } });
    expect(result.outcome).toBe("pass");
    expect(result.attempts?.map((a) => [a.outcome, a.error?.category])).toEqual([["fail", "http"], ["pass", undefined]]);
  });

  it("retries assertion failures only with on: any", async () => {
    let calls = 0;
    const server = await target((_req, res) => {
      res.statusCode = ++calls === 1 ? 503 : 200;
      res.end();
    });
    const network = await run({ url: server.url, retries: { count: 1, on: "network" } });
    expect(network.outcome).toBe("fail");
    expect(network.attempts).toBeUndefined();
    calls = 0;
    const any = await run({ url: server.url, retries: { count: 1, on: "any" } });
    expect(any.outcome).toBe("pass");
    expect(any.attempts).toHaveLength(2);
  });

  it("fails with a message naming a missing environment variable", async () => {
    const result = await run({ url: "http://127.0.0.1:1/", headers: { authorization: "Bearer ${env:VIGIE_TEST_MISSING}" } });
    expect(result.error).toEqual({ category: "internal", message: "environment variable VIGIE_TEST_MISSING not set" });
  });

  it("never puts a resolved secret in the result, even when the target echoes it", async () => {
    const server = await target((req, res) => {
      res.setHeader("x-echo", String(req.headers.authorization));
      res.statusCode = 401;
      res.end(`you sent ${req.headers.authorization} and ${req.url}`);
    });
    const result = await run(
      {
        url: `${server.url}/q?key=\${env:KEY}`,
        headers: { authorization: "Bearer ${env:TOKEN}" },
        assertions: [{ source: "status", op: "eq", target: 200 }, { source: "body", op: "contains", target: "welcome" }, { source: "header", name: "x-echo", op: "eq", target: "x" }],
      },
      { env: { TOKEN: "tok-3f9a1c", KEY: "key-77b2" } },
    );
    const text = JSON.stringify(result);
    expect(result.outcome).toBe("fail");
    expect(text).toContain("[redacted]");
    expect(text).not.toContain("tok-3f9a1c");
    expect(text).not.toContain("key-77b2");
  });

  it("sends URL credentials as basic auth and never reports them", async () => {
    let auth: string | undefined;
    const server = await target((req, res) => {
      auth = req.headers.authorization;
      res.end(`hi ${auth}`);
    });
    const result = await run({ url: `http://alice:s3cr3t-pw@127.0.0.1:${server.port}/`, assertions: [{ source: "body", op: "contains", target: "nope" }] });
    expect(auth).toBe(`Basic ${Buffer.from("alice:s3cr3t-pw").toString("base64")}`);
    const text = JSON.stringify(result);
    expect(text).not.toContain("s3cr3t-pw");
    expect(text).not.toContain(Buffer.from("alice:s3cr3t-pw").toString("base64"));
  });
});

describe("http probe against hostile targets and secrets", () => {
  it("fails a redirect to another scheme as http, without quoting the Location", async () => {
    const server = await target((_req, res) => {
      res.writeHead(302, { location: "ftp://files.example/tok-5e1f9a" });
      res.end();
    });
    const result = await run({ url: server.url });
    expect(result.error).toEqual({ category: "http", message: "redirect (302) to an unsupported scheme (ftp)" });
  });

  it("fails a redirect to an unparseable URL that echoes a secret, without the secret", async () => {
    const server = await target((req, res) => {
      res.writeHead(301, { location: `http://[::1/${req.headers["x-api-key"]}` });
      res.end();
    });
    const result = await run({ url: server.url, headers: { "x-api-key": "${env:KEY}" } }, { env: { KEY: "key-9d8c7b6a" } });
    expect(result.error).toEqual({ category: "http", message: "redirect (301) to a Location that is not a valid URL" });
    expect(JSON.stringify(result)).not.toContain("key-9d8c7b6a");
  });

  it("fails without quoting it when a resolved secret makes the URL invalid", async () => {
    const result = await run({ url: "http://${env:HOST}:4901/" }, { env: { HOST: "Sec ret[Host" } });
    expect(result.error).toEqual({ category: "internal", message: "the URL is not valid once its ${env:…} values are filled in" });
  });

  it("names the header, not its value, when a resolved value holds characters HTTP forbids", async () => {
    const server = await target((_req, res) => res.end("ok"));
    const result = await run({ url: server.url, headers: { "x-token": "${env:TOKEN}" } }, { env: { TOKEN: "line1\nline2-secret" } });
    expect(result.error).toEqual({ category: "internal", message: 'header x-token has a value HTTP does not allow (ERR_INVALID_CHAR)' });
    expect(JSON.stringify(result)).not.toContain("line2-secret");
  });

  it("sends none of the configured headers to another origin on a redirect", async () => {
    let seen: Record<string, unknown> = {};
    const other = await target((req, res) => {
      seen = req.headers;
      res.end("there");
    });
    const first = await target((_req, res) => {
      res.writeHead(307, { location: `${other.url}/next` });
      res.end();
    });
    const result = await run({ url: first.url, method: "POST", body: "{}", headers: { "x-api-key": "k-1234567", "content-type": "application/json", "x-tenant": "acme" } });
    expect(result.outcome).toBe("pass");
    expect(seen["x-api-key"]).toBeUndefined();
    expect(seen["x-tenant"]).toBeUndefined();
    expect(seen["content-type"]).toBe("application/json");
  });

  it("shows a JSON value nested deeper than the stack allows without crashing", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const server = await target((_req, res) => res.end(`{"a":${deep}}`));
    const result = await run({ url: server.url, maxBodyBytes: 1024 * 1024, assertions: [{ source: "json", path: "$.a", op: "exists" }, { source: "json", path: "$.a", op: "matches", target: "x" }] });
    expect(result.assertions.length).toBeGreaterThan(0);
    expect(result.outcome).toBe("fail");
  });

  it("runs a catastrophic pattern in linear time against a hostile body", async () => {
    const server = await target((_req, res) => res.end(`${"a".repeat(5_000)}b`));
    // With a backtracking engine this pattern would take longer than the universe has left on that body.
    const result = await run({ url: server.url, assertions: [{ source: "body", op: "matches", target: "^(a+)+$" }] });
    expect(result.assertions[1]).toMatchObject({ description: 'body matches "^(a+)+$"', passed: false });
  });

  it("scrubs literal query values, lower-cased and percent-encoded secrets, and keeps ids and times whole", async () => {
    const server = await target((req, res) => {
      res.statusCode = 500;
      res.end(`path ${req.url} host ${String(req.headers["x-tenant"]).toLowerCase()} enc ${encodeURIComponent(String(req.headers["x-pass"]))}`);
    });
    const result = await run(
      { url: `${server.url}/echo?token=LITQUERY1234`, headers: { "x-tenant": "${env:TENANT}", "x-pass": "${env:PASS}", "x-year": "${env:YEAR}" }, assertions: [{ source: "body", op: "eq", target: "x" }] },
      { env: { TENANT: "AcmeSecretTenant", PASS: "pa ss wörd", YEAR: String(new Date().getUTCFullYear()) } },
    );
    const text = JSON.stringify(result);
    for (const leaked of ["LITQUERY1234", "acmesecrettenant", "pa%20ss%20w%C3%B6rd"]) expect(text).not.toContain(leaked);
    expect(result.probeId).toBe("t");
    expect(Date.parse(result.startedAt)).not.toBeNaN();
  });
});

describe("http probe over HTTPS", () => {
  let pki: TestPki;
  const servers: Record<string, Target> = {};
  beforeAll(async () => {
    pki = makeTestPki();
    for (const name of ["valid", "expired", "selfSigned", "wrongHost"] as const) {
      servers[name] = await startHttpsTarget(pki[name], (_req, res) => res.end("secure"));
      targets.push(servers[name]!);
    }
  });

  it("starts the clock once the socket and its TLS state are made, the connect queued", async () => {
    // Making a TLS socket (its OpenSSL state, the ALPN list) is the prober's own set-up, like building the request:
    // nothing has gone out yet. Held here for 60 ms, it must not show in the run's time.
    const connect = tls.connect;
    let madeAt = NaN;
    const spy = vi.spyOn(tls, "connect").mockImplementation(((...args: Parameters<typeof tls.connect>) => {
      const socket = (connect as (...a: unknown[]) => TLSSocket)(...args);
      madeAt = busy(60);
      return socket;
    }) as typeof tls.connect);
    try {
      const result = await run({ url: servers.valid!.url, tls: { ca: pki.ca.cert } });
      const after = performance.now();
      expect(spy).toHaveBeenCalledTimes(1);
      expect(result.outcome).toBe("pass");
      expect(result.http!.timings.totalMs).toBeLessThanOrEqual(after - madeAt);
      expect(result.http!.timings.tlsMs).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
  });

  it("times a body's last byte by when its encrypted bytes left the kernel, not after decrypting and parsing what came before", async () => {
    const server = await startHttpsTarget(pki.valid, deliveredBody);
    targets.push(server);
    const result = await runSlowOnDelivered(server.url, { tls: { ca: pki.ca.cert } });
    expect(result.outcome).toBe("pass");
    expect(result.http!.bytes).toBe(96 * 1024);
    // Six decrypted records of 16 KiB: timed as they were decrypted, the last came 100 ms after the first.
    expect(result.http!.timings.downloadMs).toBeLessThan(20);
    expect(result.http!.timings.tlsMs).toBeGreaterThan(0);
    const { sum, total } = partition(result.http!.timings);
    expect(sum).toBe(total);
  });

  it("fails with category connect when the port refuses, over TLS too", async () => {
    const port = await refusedPort();
    const result = await run({ url: `https://127.0.0.1:${port}/`, tls: { ca: pki.ca.cert } });
    expect(result.error).toEqual({ category: "connect", message: `connection refused by 127.0.0.1:${port}` });
    expect(result.http!.timings.tlsMs).toBe(0);
  });

  it("closes its connection, TLS and TCP, when it gives up at the timeout", async () => {
    let answered = false;
    let closed = false;
    const server = await startHttpsTarget(pki.valid, (req) => {
      answered = true;
      req.socket.once("close", () => (closed = true));
    });
    targets.push(server);
    const result = await run({ url: server.url, timeout: "1s", tls: { ca: pki.ca.cert } });
    expect(answered).toBe(true);
    expect(result.error).toEqual({ category: "timeout", message: "timed out after 1s waiting for the response headers" });
    await waitFor("the target to see the connection closed", () => closed, { timeoutMs: 5_000 });
  });

  it("passes with a certificate from a trusted CA, timing TLS and reporting the certificate", async () => {
    const result = await run({ url: servers.valid!.url, tls: { ca: pki.ca.cert } });
    expect(result.outcome).toBe("pass");
    expect(result.http!.timings.tlsMs).toBeGreaterThan(0);
    const { sum, total } = partition(result.http!.timings);
    expect(sum).toBe(total);
    expect(result.http!.certificate).toMatchObject({ subject: "localhost", issuer: "vigie test CA", daysToExpiry: 89 });
  });

  it("leaves the thread's own work before the connection attempt out of the run's time and out of connect, over TLS too", async () => {
    const probe = HttpProbe.parse({ id: "t", kind: "http", url: servers.valid!.url, tls: { ca: pki.ca.cert } });
    // Between the run opening its connection (next tick) and Node issuing the connect (the tick after): see the plain test.
    const pending = runHttpAttempt(probe, deps(), new Set());
    let heldUntil = NaN;
    process.nextTick(() => (heldUntil = busy(30)));
    const result = await pending;
    const after = performance.now();
    expect(result.outcome).toBe("pass");
    const t = result.http!.timings;
    expect(t.totalMs).toBeLessThanOrEqual(after - heldUntil);
    expect(t.blockedMs).toBe(0);
    expect(t.connectMs).toBeLessThan(30);
    expect(t.tlsMs).toBeGreaterThan(0);
    expect(result.http!.certificate).toMatchObject({ subject: "localhost" });
  });

  it("builds the TLS context once per CA, and each run still makes a full handshake of its own", async () => {
    const reused: boolean[] = [];
    const server = await startHttpsTarget(pki.valid, (req, res) => {
      reused.push((req.socket as TLSSocket).isSessionReused());
      res.end("secure");
    });
    targets.push(server);
    const built = vi.spyOn(tls, "createSecureContext");
    try {
      // A CA of its own (the same PEM with a trailing newline), so no earlier test built its context.
      const ca = `${pki.ca.cert}\n`;
      for (let i = 0; i < 3; i++) expect((await run({ url: server.url, tls: { ca } })).outcome).toBe("pass");
      expect(built.mock.calls.filter(([options]) => options?.ca === ca)).toHaveLength(1);
    } finally {
      built.mockRestore();
    }
    expect(reused).toEqual([false, false, false]);
  });

  it("fails with category tls when the certificate expired", async () => {
    const result = await run({ url: servers.expired!.url, tls: { ca: pki.ca.cert } });
    expect(result.error?.category).toBe("tls");
    expect(result.error?.message).toMatch(/^certificate has expired \(CERT_HAS_EXPIRED\)/);
  });

  it("fails with category tls on a self-signed certificate", async () => {
    const result = await run({ url: servers.selfSigned!.url, tls: { ca: pki.ca.cert } });
    expect(result.error?.category).toBe("tls");
    expect(result.error?.message).toMatch(/^self-signed certificate/);
  });

  it("fails with category tls when the certificate is for another host", async () => {
    const result = await run({ url: servers.wrongHost!.url, tls: { ca: pki.ca.cert } });
    expect(result.error?.category).toBe("tls");
    expect(result.error?.message).toMatch(/^certificate does not match the host \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
  });

  it("fails with category tls when the CA is not trusted", async () => {
    const result = await run({ url: servers.valid!.url });
    expect(result.error?.category).toBe("tls");
    expect(result.error?.message).toMatch(/not signed by a trusted issuer/);
  });

  it("still reports the certificate with tls.insecure", async () => {
    const result = await run({ url: servers.expired!.url, tls: { insecure: true } });
    expect(result.outcome).toBe("pass");
    expect(result.http!.certificate!.daysToExpiry).toBeLessThan(0);
  });
});
