// Runs an http probe once: a fresh connection per hop, phase timings from socket events, then assertions.
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import tls, { type SecureContext, type TLSSocket } from "node:tls";
import { formatDuration } from "../../core/config/duration-text.ts";
import { scrubber } from "../../core/config/secrets.ts";
import { resolveTarget, startNoiseMeter, type ProbeDeps } from "../../core/runner/index.ts";
import type { CertificateInfo, HttpTimings, ProbeError, ProbeResult } from "../../core/result/index.ts";
import { evaluateAssertions, UNDECIDED } from "./assertions.ts";
import { ReadAheadSocket } from "./read-ahead.ts";
import type { HttpProbe } from "./schema.ts";

export interface HttpDeps extends ProbeDeps {
  /** The resolver for every connection. Default: the system's (`dns.lookup`). Tests inject one. */
  lookup?: LookupFunction;
}

interface HopRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A hop's phases in whole microseconds, so that they add up to its total exactly. */
interface Phases {
  blocked: number;
  dns: number;
  connect: number;
  tls: number;
  ttfb: number;
  download: number;
}

interface HopResponse {
  status: number;
  /** The response itself, for its headers: Node builds the headers object only when first asked. */
  message: http.IncomingMessage;
  /** The body's length in bytes. */
  bytes: number;
  /**
   * The body as text, decoded on first use: most probes assert nothing on it, and joining and decoding a large
   * body on every run left megabytes of garbage whose collection then landed inside later runs' timed spans.
   */
  text: () => string;
  phases: Phases;
  /** When the hop ended (performance.now()): the next hop's time starts there. */
  end: number;
  certificate?: CertificateInfo;
}

/**
 * The run's single timer, shared by its hops. A plain callback slot rather than an AbortSignal:
 * EventTarget listeners cost more per run than everything else the runner adds to a bare request.
 * It is armed when the run's clock starts (its first network action), so the probe's timeout bounds the same span as
 * `totalMs`: the prober's own set-up before it does not eat into the target's time.
 */
interface Deadline {
  expired: boolean;
  onExpire: (() => void) | undefined;
  /** Starts the timer; later calls do nothing. */
  arm: () => void;
}

type Hop = { ok: true; response: HopResponse } | { ok: false; error: ProbeError; phases: Phases; end: number };

/** How far one connection got; failures are named after the phase they interrupted. */
type Phase = "dns" | "connect" | "tls" | "ttfb" | "download";
const PHASE_WAITING = { dns: "resolving the host", connect: "connecting", tls: "the TLS handshake", ttfb: "the response headers", download: "the rest of the body" };

/** Sent unless the probe sets its own, so a target's logs can tell monitoring (and from where) from visitors. */
export const userAgent = (region: string) => `vigie/0.1 (synthetic monitoring; region ${region})`;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Request headers that still go out after a redirect to another origin. */
const FOLLOWS_REDIRECTS = new Set(["user-agent", "accept", "content-type"]);
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA", "ENODATA"]);
const TLS_MESSAGES: Record<string, string> = {
  CERT_HAS_EXPIRED: "certificate has expired",
  CERT_NOT_YET_VALID: "certificate is not yet valid",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in the chain",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "certificate is not signed by a trusted issuer",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "certificate is not signed by a trusted issuer",
  UNABLE_TO_GET_ISSUER_CERT: "certificate is not signed by a trusted issuer",
  CERT_REVOKED: "certificate was revoked",
  ERR_TLS_CERT_ALTNAME_INVALID: "certificate does not match the host",
};

const round = (ms: number) => Math.max(0, Math.round(ms * 1000) / 1000);
const mib = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`);

const PHASES = ["blocked", "dns", "connect", "tls", "ttfb", "download"] as const;

/**
 * The phases between a hop's marks, each from one mark to the next. A phase the hop skips (DNS for an
 * IP address, TLS over plain HTTP) is empty; the phase under way when it ended runs to the end, and
 * the ones after it are empty. Marks are rounded to the microsecond before subtracting, so the
 * phases add up to end − start exactly.
 */
function phasesBetween(start: number, marks: Array<number | undefined>, end: number): Phases {
  const offsets = [0];
  let reached = true;
  for (const mark of marks) {
    if (mark === undefined) reached = false;
    const at = reached && mark !== undefined ? Math.min(Math.max(mark, start), end) : end;
    offsets.push(Math.max(offsets.at(-1)!, Math.round((at - start) * 1000)));
  }
  offsets.push(Math.max(offsets.at(-1)!, Math.round((end - start) * 1000)));
  return Object.fromEntries(PHASES.map((name, i) => [name, offsets[i + 1]! - offsets[i]!])) as unknown as Phases;
}

function addPhases(a: Phases, b: Phases): Phases {
  return Object.fromEntries(PHASES.map((name) => [name, a[name] + b[name]])) as unknown as Phases;
}

const NO_PHASES: Phases = { blocked: 0, dns: 0, connect: 0, tls: 0, ttfb: 0, download: 0 };

/** What a result shows: ms with 3 decimals, the total being the sum of the phases. */
function timingsOf(phases: Phases, noiseMs: number): HttpTimings {
  const total = PHASES.reduce((sum, name) => sum + phases[name], 0);
  return {
    blockedMs: phases.blocked / 1000,
    dnsMs: phases.dns / 1000,
    connectMs: phases.connect / 1000,
    tlsMs: phases.tls / 1000,
    ttfbMs: phases.ttfb / 1000,
    downloadMs: phases.download / 1000,
    totalMs: total / 1000,
    noiseMs,
  };
}

/**
 * The TLS settings of a hop, built before its clock starts: creating a secure context (and parsing a
 * probe's own CA) is our set-up, and inside the timed span it showed up as connect time.
 */
function secureContextFor(probe: HttpProbe): SecureContext {
  const key = probe.tls.ca ?? "";
  let context = secureContexts.get(key);
  if (context) {
    // Most recently used last, so the oldest is the one let go.
    secureContexts.delete(key);
  } else {
    context = tls.createSecureContext(probe.tls.ca ? { ca: probe.tls.ca } : {});
    if (secureContexts.size >= SECURE_CONTEXTS_KEPT) secureContexts.delete(secureContexts.keys().next().value!);
  }
  secureContexts.set(key, context);
  return context;
}

/**
 * Secure contexts by the CA they trust ("" for the system's roots), shared by the runs on this thread. Building
 * one (an OpenSSL context, the CA parsed) took 0.15-0.2 ms a run, 4 ms the first time: outside a run's clock,
 * but on the thread every other run in flight takes its marks on, 8 probes started together paying it 8 times.
 * A shared context resumes no session (Node's client keeps none unless given one), so each run still pays a full
 * handshake.
 */
const secureContexts = new Map<string, SecureContext>();
const SECURE_CONTEXTS_KEPT = 32;

function certificateOf(socket: TLSSocket, nowMs: number): CertificateInfo | undefined {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.valid_to) return undefined;
  const name = (part: unknown) => {
    const fields = (part ?? {}) as Record<string, string | string[]>;
    const pick = (key: string) => [fields[key]].flat().filter(Boolean).join(", ");
    return pick("CN") || pick("O") || "(unnamed)";
  };
  const validTo = new Date(cert.valid_to);
  return {
    subject: name(cert.subject),
    issuer: name(cert.issuer),
    validTo: validTo.toISOString(),
    daysToExpiry: Math.floor((validTo.getTime() - nowMs) / 86_400_000),
  };
}

function classify(error: NodeJS.ErrnoException, phase: Phase, url: URL, received: number): ProbeError {
  const code = error.code ?? "";
  if (DNS_CODES.has(code)) return { category: "dns", message: `could not resolve ${url.hostname} (${code})` };
  if (code in TLS_MESSAGES) return { category: "tls", message: `${TLS_MESSAGES[code]} (${code}): ${error.message}` };
  if (phase === "dns" || phase === "connect") {
    const target = `${url.hostname}:${url.port || (url.protocol === "https:" ? 443 : 80)}`;
    return { category: "connect", message: code === "ECONNREFUSED" ? `connection refused by ${target}` : `could not connect to ${target}: ${error.message}` };
  }
  if (phase === "tls") return { category: "tls", message: `TLS handshake failed: ${error.message}` };
  if (code.startsWith("HPE_")) return { category: "http", message: `malformed response: ${error.message} (${code})` };
  if (phase === "download") return { category: "http", message: `connection reset after ${received} bytes of the body` };
  return { category: "http", message: `connection closed before a response: ${error.message}` };
}

/**
 * One request on a connection of its own (no agent, no pooling), so every run pays and measures DNS,
 * TCP and TLS as a first-time visitor would. The hop's time starts at `from`, the previous hop's end,
 * or for the first hop just before its request is built.
 */
function hop(req: HopRequest, probe: HttpProbe, deps: HttpDeps, deadline: Deadline, from: number | undefined): Promise<Hop> {
  return new Promise((resolve) => {
    let connectStartAt: number | undefined;
    let lookupAt: number | undefined;
    let connectAt: number | undefined;
    let secureAt: number | undefined;
    let firstByteAt: number | undefined;
    /** When the bytes of the response the client last got were read from the kernel: the last byte's arrival. */
    let lastDataAt: number | undefined;
    let phase: Phase = "dns";
    let received = 0;
    let secureSocket: TLSSocket | undefined;
    let settled = false;
    const https_ = req.url.protocol === "https:";
    const resolvesName = isIP(req.url.hostname.replace(/^\[|\]$/g, "")) === 0;
    const secureContext = https_ ? secureContextFor(probe) : undefined;
    // The first hop's clock starts with its first network action (see `open` below); a later hop's at the previous
    // hop's end. `queuedAt` is when the connect was queued, for a run that ends before its attempt.
    let start = from;
    let queuedAt: number | undefined;

    const phases = (end: number): Phases => {
      // A skipped phase ends where it began; one not reached yet ends with the hop.
      const dnsEnd = resolvesName ? lookupAt : connectStartAt;
      const tlsEnd = https_ ? secureAt : connectAt;
      return phasesBetween(start ?? queuedAt ?? end, [connectStartAt, dnsEnd, connectAt, tlsEnd, firstByteAt], end);
    };
    /** When the deadline fired, if it has. */
    let expiredAt: number | undefined;
    /** While the bytes read before the deadline are handed on: what they bring (a body over the cap, a malformed answer) is theirs to report. */
    let flushing = false;
    const timeout = (): ProbeError => ({ category: "timeout", message: `timed out after ${formatDuration(probe.timeout)} waiting for ${PHASE_WAITING[phase]}` });
    const fail = (error: ProbeError) => {
      if (settled) return;
      settled = true;
      deadline.onExpire = undefined;
      request.destroy();
      // Past the deadline, what happens on the wire (a reset, the connection closing) is too late to report: the run
      // timed out.
      const late = expiredAt !== undefined && !flushing;
      const end = expiredAt ?? performance.now();
      resolve({ ok: false, error: late ? timeout() : error, phases: phases(end), end });
    };
    /** The connection, once opened. */
    let ahead: ReadAheadSocket | undefined;
    const timedOut = () => fail(timeout());
    // Bytes read before the deadline may not have been handed on yet (see `ReadAheadSocket`): the client gets them
    // first, and if there were any, the timeout waits a turn, so an answer they complete (its last byte read in time)
    // is judged rather than timed out. Bytes read after the deadline complete nothing (see "end" below).
    const onAbort = () => {
      expiredAt = performance.now();
      flushing = true;
      const handed = ahead?.flush() ?? false;
      flushing = false;
      if (handed) setImmediate(timedOut);
      else timedOut();
    };

    // The connection is opened here rather than by an agent, so the moment the attempt starts is known. Node asks
    // for it while building the request; it is handed over once the request is built and its head written to the
    // outgoing buffer (`open`, after `request.end`). The clock starts with the first thing that goes to the network:
    // the connection attempt to an address, or the lookup of a name. Building the request, making the socket and its
    // TLS state, and the thread's other work before Node issues the connect (other runs started together, whatever
    // else it had queued) are the prober's, invisible to the target: they stay out of the run's time, and a thread
    // too busy shows in `noiseMs`.
    let handOver: ((error: Error | null, socket: Duplex) => void) | undefined;
    let connectOptions: http.ClientRequestArgs | undefined;
    const createConnection = (options: http.ClientRequestArgs, oncreate: (error: Error | null, socket: Duplex) => void): undefined => {
      connectOptions = options;
      handOver = oncreate;
      return undefined;
    };
    // The first network action: connect (or DNS) starts, and with it the run's clock and its timeout.
    const networkStarts = () => {
      connectStartAt = performance.now();
      start ??= connectStartAt;
      deadline.arm();
    };
    const open = () => {
      // Ended before it began: timed out, or the request refused.
      if (settled) return;
      const host = connectOptions?.host ?? req.url.hostname.replace(/^\[|\]$/g, "");
      const port = Number(connectOptions?.port) || (https_ ? 443 : 80);
      // A name is looked up from inside the connect call, once the socket is made: DNS (and the clock) start as the
      // resolver is asked.
      const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
        networkStarts();
        (deps.lookup ?? dns.lookup)(hostname, lookupOptions, callback);
      };
      let transport: ReadAheadSocket | undefined;
      let socket: Duplex;
      try {
        transport = new ReadAheadSocket({ host, port, lookup });
        // Over TLS the connection carries the encrypted bytes: they are timed as they arrive, before they are decrypted.
        socket = https_
          ? tls.connect({
            socket: transport, host, secureContext,
            ...(resolvesName ? { servername: host } : {}),
            rejectUnauthorized: !probe.tls.insecure,
            ALPNProtocols: ["http/1.1"],
          })
          : transport;
      } catch (error) {
        transport?.destroy();
        queuedAt = performance.now();
        // Node's own call passes no socket with an error either.
        return handOver!(error as Error, undefined as unknown as Duplex);
      }
      queuedAt = performance.now();
      const connection = (ahead = transport);
      const { raw } = connection;
      if (resolvesName) {
        raw.once("lookup", () => {
          lookupAt = performance.now();
          phase = "connect";
        });
      } else {
        // Node issues the connect to an address on a later tick and announces the attempt just before the system
        // call: connect, and the clock, start there.
        raw.once("connectionAttempt", networkStarts);
      }
      raw.prependOnceListener("connect", () => {
        connectAt = performance.now();
        phase = https_ ? "tls" : "ttfb";
      });
      // The response's bytes are timed as they left the kernel, before TLS decrypts them or Node's parser reads them:
      // the first byte ends the wait (HAR's `wait` runs to the first byte, not to parsed headers), the last one the
      // download. Decrypting, parsing the headers, building the response object and the deferred "end" came after.
      socket.prependListener("data", () => {
        lastDataAt = connection.arrivedAt;
        firstByteAt ??= lastDataAt;
      });
      if (https_) {
        // The certificate is read once the response has ended (see "end"): parsing it here ran between the
        // handshake and the request going out, and counted as time to first byte.
        socket.on("secureConnect", () => {
          secureAt = performance.now();
          phase = "ttfb";
          secureSocket = socket as TLSSocket;
        });
      }
      handOver!(null, socket);
    };
    const options: http.RequestOptions = { method: req.method, headers: req.headers, createConnection };
    let request: http.ClientRequest;
    try {
      request = (https_ ? https : http).request(req.url, options);
    } catch (error) {
      // Node refuses a header whose value (often a resolved secret) holds characters HTTP forbids; say which, not what.
      const code = (error as NodeJS.ErrnoException).code ?? "";
      const header = code === "ERR_INVALID_CHAR" ? (/"([^"]+)"/.exec((error as Error).message)?.[1] ?? "a header") : undefined;
      settled = true;
      const end = performance.now();
      return resolve({ ok: false, error: { category: "internal", message: header ? `header ${header} has a value HTTP does not allow (${code})` : `the request could not be made (${code || (error as Error).name})` }, phases: phases(end), end });
    }
    if (deadline.expired) return onAbort();
    deadline.onExpire = onAbort;

    request.on("error", (error) => fail(classify(error, phase, req.url, received)));
    request.on("response", (res) => {
      firstByteAt ??= performance.now();
      phase = "download";
      // A HEAD answer declares the length of a body it does not send.
      const declared = req.method === "HEAD" ? NaN : Number(rawHeader(res, "content-length"));
      if (Number.isFinite(declared) && declared > probe.maxBodyBytes) {
        return fail({ category: "http", message: `body of ${declared} bytes is over the ${mib(probe.maxBodyBytes)} cap` });
      }
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > probe.maxBodyBytes) return fail({ category: "http", message: `body is over the ${mib(probe.maxBodyBytes)} cap` });
        chunks.push(chunk);
      });
      res.on("error", (error) => fail(classify(error, phase, req.url, received)));
      res.on("close", () => {
        if (!res.complete) fail({ category: "http", message: `connection reset after ${received} bytes of the body` });
      });
      // First among the "end" listeners: Node's own (added before "response") closes the socket, a TLS
      // close_notify included, and that work came before the last byte's mark. The certificate is read
      // here too, after the mark and while the socket is still open.
      res.prependListener("end", () => {
        if (settled) return;
        // Completed by bytes read after the deadline: too late.
        if (expiredAt !== undefined && (lastDataAt === undefined || lastDataAt > expiredAt)) return timedOut();
        settled = true;
        const end = lastDataAt ?? performance.now();
        deadline.onExpire = undefined;
        const certificate = secureSocket ? certificateOf(secureSocket, deps.now()) : undefined;
        resolve({
          ok: true,
          response: { status: res.statusCode ?? 0, message: res, bytes: received, text: textOf(chunks), phases: phases(end), end, ...(certificate ? { certificate } : {}) },
        });
      });
    });
    request.end(req.body);
    // On the next tick, once the thread's current work is done: runs started together (the HTTP thread starts a
    // turn's jobs in one pass) all build their requests before any clock starts, so none counts the others' set-up.
    process.nextTick(open);
  });
}

/** The body's text, decoded once when first asked for; the chunks are let go then. */
function textOf(chunks: Buffer[] | undefined): () => string {
  let text: string | undefined;
  return () => {
    if (text === undefined) {
      text = (chunks!.length === 1 ? chunks![0]! : Buffer.concat(chunks!)).toString("utf8");
      chunks = undefined;
    }
    return text;
  };
}

/** One header straight from the raw list, without building the headers object. */
function rawHeader(res: http.IncomingMessage, name: string): string | undefined {
  const raw = res.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) return raw[i + 1];
  return undefined;
}

/** The first request: the probe's target, its user agent, and URL credentials sent as basic auth. */
function resolveRequest(probe: HttpProbe, deps: HttpDeps, secrets: Set<string>): { ok: true; request: HopRequest } | { ok: false; error: ProbeError } {
  const resolved = resolveTarget(probe, deps.env, secrets);
  if (!resolved.ok) return resolved;
  const { url, headers, body, credentials } = resolved.target;
  headers["user-agent"] ??= userAgent(deps.region);
  if (credentials) {
    const pair = `${credentials.username}:${credentials.password}`;
    const encoded = Buffer.from(pair).toString("base64");
    secrets.add(pair).add(encoded);
    headers["authorization"] ??= `Basic ${encoded}`;
  }
  return { ok: true, request: { url, method: probe.method, headers, body } };
}

/**
 * The next request of a redirect chain, per RFC 9110: 303 (and 301/302 after POST) become GET without a body.
 * A Location that is not an http(s) URL ends the run; its text is never quoted, since a target may echo secrets.
 */
function redirected(previous: HopRequest, status: number, location: string): HopRequest | ProbeError {
  let url: URL;
  try {
    url = new URL(location, previous.url);
  } catch {
    return { category: "http", message: `redirect (${status}) to a Location that is not a valid URL` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { category: "http", message: `redirect (${status}) to an unsupported scheme (${url.protocol.slice(0, -1)})` };
  }
  const toGet = status === 303 || ((status === 301 || status === 302) && previous.method === "POST");
  let headers = { ...previous.headers };
  if (url.origin !== previous.url.origin) {
    // The configured headers (credentials, API keys) are for the origin they were written for, never for
    // wherever it redirects: only what describes the request itself goes on.
    headers = Object.fromEntries(Object.entries(headers).filter(([name]) => FOLLOWS_REDIRECTS.has(name)));
  }
  if (toGet) {
    delete headers["content-type"];
    delete headers["content-length"];
  }
  return { url, method: toGet ? "GET" : previous.method, headers, body: toGet ? undefined : previous.body };
}

export async function runHttpAttempt(probe: HttpProbe, deps: HttpDeps, secrets: Set<string>): Promise<ProbeResult> {
  const startedAtMs = deps.now();
  const base = { probeId: probe.id, kind: "http", region: deps.region, startedAt: new Date(startedAtMs).toISOString() };
  const resolved = resolveRequest(probe, deps, secrets);
  if (!resolved.ok) return { ...base, durationMs: 0, outcome: "fail", error: resolved.error, assertions: [] };

  let timer: NodeJS.Timeout | undefined;
  const deadline: Deadline = {
    expired: false,
    onExpire: undefined,
    arm: () => {
      timer ??= setTimeout(() => {
        deadline.expired = true;
        deadline.onExpire?.();
      }, probe.timeout);
    },
  };
  const noise = startNoiseMeter();
  try {
    let request = resolved.request;
    let sum = NO_PHASES;
    let previousEnd: number | undefined;
    const visited = [request.url.href];
    for (let redirects = 0; ; redirects++) {
      const result = await hop(request, probe, deps, deadline, previousEnd);
      // The time between two hops (reading the Location, building the next request) is the next hop's "blocked".
      previousEnd = result.ok ? result.response.end : result.end;
      sum = addPhases(sum, result.ok ? result.response.phases : result.phases);
      const timings = timingsOf(sum, noise.read());
      const failed = (error: ProbeError, status = 0, bytes = 0): ProbeResult => ({
        ...base, durationMs: timings.totalMs, outcome: "fail", error,
        http: { status, bytes, timings, ...(redirects ? { redirects } : {}) }, assertions: [],
      });
      if (!result.ok) return failed(result.error);
      const { response } = result;
      const location = REDIRECTS.has(response.status) ? response.message.headers.location : undefined;
      if (location && probe.maxRedirects > 0) {
        const next = redirected(request, response.status, location);
        if (!("url" in next)) return failed(next, response.status, response.bytes);
        if (visited.includes(next.url.href)) {
          return failed({ category: "http", message: `redirect loop: ${[...visited.slice(visited.indexOf(next.url.href)), next.url.href].map((href) => new URL(href).pathname).join(" → ")}` }, response.status, response.bytes);
        }
        if (redirects + 1 > probe.maxRedirects) {
          return failed({ category: "http", message: `more than ${probe.maxRedirects} redirects` }, response.status, response.bytes);
        }
        visited.push(next.url.href);
        request = next;
        continue;
      }
      return await judge(probe, base, response, timings, redirects, secrets, probe.timeout - timings.totalMs);
    }
  } finally {
    noise.stop();
    clearTimeout(timer);
  }
}

/**
 * Turns a complete response into a verdict: assertions first (within `leftMs`, what is left of the timeout), then
 * the time thresholds. The run's `durationMs` includes the time the assertions took; `timings` are the network's.
 */
async function judge(probe: HttpProbe, base: Pick<ProbeResult, "probeId" | "kind" | "region" | "startedAt">, response: HopResponse, timings: HttpTimings, redirects: number, secrets: Set<string>, leftMs: number): Promise<ProbeResult> {
  // Built on first use: most runs show no text to cut.
  let scrub: ((text: string) => string) | undefined;
  const assertions = await evaluateAssertions(probe.assertions, {
    status: response.status,
    header: (name) => response.message.headers[name],
    get body() {
      return response.text();
    },
    totalMs: timings.totalMs,
  }, { scrub: (text) => (scrub ??= scrubber(secrets))(text), deadlineMs: leftMs });
  // The run took the network's time plus what matching patterns took (each `matches` verdict carries its own);
  // with no pattern to match, durationMs is exactly the total of the phases.
  const durationMs = round(timings.totalMs + assertions.reduce((sum, a) => sum + (a.durationMs ?? 0), 0));
  const details = {
    status: response.status,
    bytes: response.bytes,
    timings,
    ...(redirects ? { redirects } : {}),
    ...(response.certificate ? { certificate: response.certificate } : {}),
  };
  const verdict = { ...base, durationMs, http: details, assertions };
  const failedAssertion = assertions.find((a) => !a.passed);
  if (failedAssertion?.actual === UNDECIDED) {
    // An assertion, not a timeout: the target answered, and a retry on "network" would only match the same body again.
    return { ...verdict, outcome: "fail", error: { category: "assertion", message: `${failedAssertion.description} not decided: matching was stopped at the ${formatDuration(probe.timeout)} timeout after ${Math.round(failedAssertion.durationMs ?? 0)} ms` } };
  }
  if (failedAssertion) {
    const actual = "actual" in failedAssertion ? `, got ${JSON.stringify(failedAssertion.actual)}` : ", got nothing";
    return { ...verdict, outcome: "fail", error: { category: "assertion", message: `${failedAssertion.description}${actual}` } };
  }
  const { degradedMs, failMs } = probe.thresholds;
  if (failMs !== undefined && timings.totalMs >= failMs) {
    return { ...verdict, outcome: "fail", error: { category: "threshold", message: `took ${Math.round(timings.totalMs)} ms, at or over the ${failMs} ms fail threshold` } };
  }
  if (degradedMs !== undefined && timings.totalMs >= degradedMs) {
    return { ...verdict, outcome: "degraded", error: { category: "threshold", message: `took ${Math.round(timings.totalMs)} ms, at or over the ${degradedMs} ms degraded threshold` } };
  }
  return { ...verdict, outcome: "pass" };
}
