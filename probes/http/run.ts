// Runs an http probe once: a fresh connection per hop, phase timings from socket events, then assertions.
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { performance } from "node:perf_hooks";
import type { TLSSocket } from "node:tls";
import { formatDuration } from "../../core/config/duration.ts";
import { scrubber } from "../../core/config/secrets.ts";
import { resolveTarget, type ProbeDeps } from "../../core/runner/index.ts";
import type { CertificateInfo, HttpTimings, ProbeError, ProbeResult } from "../../core/result/index.ts";
import { evaluateAssertions, UNDECIDED } from "./assertions.ts";
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

interface HopResponse {
  status: number;
  /** The response itself, for its headers: Node builds the headers object only when first asked. */
  message: http.IncomingMessage;
  body: Buffer;
  timings: HttpTimings;
  certificate?: CertificateInfo;
}

/**
 * The run's single timer, shared by its hops. A plain callback slot rather than an AbortSignal:
 * EventTarget listeners cost more per run than everything else the runner adds to a bare request.
 */
interface Deadline {
  expired: boolean;
  onExpire: (() => void) | undefined;
}

type Hop = { ok: true; response: HopResponse } | { ok: false; error: ProbeError; timings: HttpTimings };

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

function zeroTimings(): HttpTimings {
  return { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, downloadMs: 0, totalMs: 0 };
}

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
 * One request on a connection of its own (`agent: false`), so every run pays and measures DNS,
 * TCP and TLS as a first-time visitor would.
 */
function hop(req: HopRequest, probe: HttpProbe, deps: HttpDeps, deadline: Deadline): Promise<Hop> {
  return new Promise((resolve) => {
    const start = performance.now();
    let lookupAt: number | undefined;
    let connectAt: number | undefined;
    let secureAt: number | undefined;
    let firstByteAt: number | undefined;
    let phase: Phase = "dns";
    let received = 0;
    let certificate: CertificateInfo | undefined;
    let settled = false;
    const https_ = req.url.protocol === "https:";

    const timings = (end: number): HttpTimings => {
      const connected = secureAt ?? connectAt;
      return {
        dnsMs: round((lookupAt ?? start) - start),
        connectMs: connectAt === undefined ? 0 : round(connectAt - (lookupAt ?? start)),
        tlsMs: secureAt === undefined || connectAt === undefined ? 0 : round(secureAt - connectAt),
        ttfbMs: firstByteAt === undefined || connected === undefined ? 0 : round(firstByteAt - connected),
        downloadMs: firstByteAt === undefined ? 0 : round(end - firstByteAt),
        totalMs: round(end - start),
      };
    };
    const fail = (error: ProbeError) => {
      if (settled) return;
      settled = true;
      deadline.onExpire = undefined;
      request.destroy();
      resolve({ ok: false, error, timings: timings(performance.now()) });
    };
    const onAbort = () => fail({ category: "timeout", message: `timed out after ${formatDuration(probe.timeout)} waiting for ${PHASE_WAITING[phase]}` });

    const options: https.RequestOptions = {
      method: req.method,
      headers: req.headers,
      agent: false,
      ...(deps.lookup ? { lookup: deps.lookup } : {}),
      ...(https_ ? { rejectUnauthorized: !probe.tls.insecure, ...(probe.tls.ca ? { ca: probe.tls.ca } : {}) } : {}),
    };
    let request: http.ClientRequest;
    try {
      request = (https_ ? https : http).request(req.url, options);
    } catch (error) {
      // Node refuses a header whose value (often a resolved secret) holds characters HTTP forbids; say which, not what.
      const code = (error as NodeJS.ErrnoException).code ?? "";
      const header = code === "ERR_INVALID_CHAR" ? (/"([^"]+)"/.exec((error as Error).message)?.[1] ?? "a header") : undefined;
      settled = true;
      return resolve({ ok: false, error: { category: "internal", message: header ? `header ${header} has a value HTTP does not allow (${code})` : `the request could not be made (${code || (error as Error).name})` }, timings: timings(performance.now()) });
    }
    if (deadline.expired) return onAbort();
    deadline.onExpire = onAbort;

    // A fresh socket serves this one request, so plain `on` listeners do; only the phases that can happen are watched.
    const resolvesName = isIP(req.url.hostname.replace(/^\[|\]$/g, "")) === 0;
    request.on("socket", (socket) => {
      if (resolvesName) {
        socket.on("lookup", () => {
          lookupAt = performance.now();
          phase = "connect";
        });
      }
      socket.on("connect", () => {
        connectAt = performance.now();
        phase = https_ ? "tls" : "ttfb";
      });
      if (https_) {
        socket.on("secureConnect", () => {
          secureAt = performance.now();
          phase = "ttfb";
          certificate = certificateOf(socket as TLSSocket, deps.now());
        });
      }
    });
    request.on("error", (error) => fail(classify(error, phase, req.url, received)));
    request.on("response", (res) => {
      firstByteAt = performance.now();
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
      res.on("end", () => {
        if (settled) return;
        settled = true;
        const end = performance.now();
        deadline.onExpire = undefined;
        resolve({
          ok: true,
          response: { status: res.statusCode ?? 0, message: res, body: Buffer.concat(chunks), timings: timings(end), ...(certificate ? { certificate } : {}) },
        });
      });
    });
    request.end(req.body);
  });
}

/** One header straight from the raw list, without building the headers object. */
function rawHeader(res: http.IncomingMessage, name: string): string | undefined {
  const raw = res.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) return raw[i + 1];
  return undefined;
}

function addTimings(a: HttpTimings, b: HttpTimings): HttpTimings {
  return {
    dnsMs: round(a.dnsMs + b.dnsMs),
    connectMs: round(a.connectMs + b.connectMs),
    tlsMs: round(a.tlsMs + b.tlsMs),
    ttfbMs: round(a.ttfbMs + b.ttfbMs),
    downloadMs: round(a.downloadMs + b.downloadMs),
    totalMs: 0,
  };
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
  const start = performance.now();
  const resolved = resolveRequest(probe, deps, secrets);
  if (!resolved.ok) return { ...base, durationMs: 0, outcome: "fail", error: resolved.error, assertions: [] };

  const deadline: Deadline = { expired: false, onExpire: undefined };
  const timer = setTimeout(() => {
    deadline.expired = true;
    deadline.onExpire?.();
  }, probe.timeout);
  try {
    let request = resolved.request;
    let sum = zeroTimings();
    const visited = [request.url.href];
    for (let redirects = 0; ; redirects++) {
      const result = await hop(request, probe, deps, deadline);
      const elapsed = round(performance.now() - start);
      sum = { ...addTimings(sum, result.ok ? result.response.timings : result.timings), totalMs: elapsed };
      const failed = (error: ProbeError, status = 0, bytes = 0): ProbeResult => ({
        ...base, durationMs: elapsed, outcome: "fail", error,
        http: { status, bytes, timings: sum, ...(redirects ? { redirects } : {}) }, assertions: [],
      });
      if (!result.ok) return failed(result.error);
      const { response } = result;
      const location = REDIRECTS.has(response.status) ? response.message.headers.location : undefined;
      if (location && probe.maxRedirects > 0) {
        const next = redirected(request, response.status, location);
        if (!("url" in next)) return failed(next, response.status, response.body.length);
        if (visited.includes(next.url.href)) {
          return failed({ category: "http", message: `redirect loop: ${[...visited.slice(visited.indexOf(next.url.href)), next.url.href].map((href) => new URL(href).pathname).join(" → ")}` }, response.status, response.body.length);
        }
        if (redirects + 1 > probe.maxRedirects) {
          return failed({ category: "http", message: `more than ${probe.maxRedirects} redirects` }, response.status, response.body.length);
        }
        visited.push(next.url.href);
        request = next;
        continue;
      }
      return await judge(probe, base, response, sum, redirects, secrets, probe.timeout - (performance.now() - start));
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Turns a complete response into a verdict: assertions first (within `leftMs`, what is left of the timeout), then
 * the time thresholds. The run's `durationMs` includes the time the assertions took; `timings` are the network's.
 */
async function judge(probe: HttpProbe, base: Pick<ProbeResult, "probeId" | "kind" | "region" | "startedAt">, response: HopResponse, timings: HttpTimings, redirects: number, secrets: Set<string>, leftMs: number): Promise<ProbeResult> {
  const evaluating = performance.now();
  // Built on first use: most runs show no text to cut.
  let scrub: ((text: string) => string) | undefined;
  const assertions = await evaluateAssertions(probe.assertions, {
    status: response.status,
    header: (name) => response.message.headers[name],
    body: response.body.toString("utf8"),
    totalMs: timings.totalMs,
  }, { scrub: (text) => (scrub ??= scrubber(secrets))(text), deadlineMs: leftMs });
  const durationMs = round(timings.totalMs + (performance.now() - evaluating));
  const details = {
    status: response.status,
    bytes: response.body.length,
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
