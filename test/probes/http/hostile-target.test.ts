// Targets that try to write to the user's terminal or to leak the probe's secrets back through its own output.
import type { LookupFunction } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../../cli/main.ts";
import type { CliIo } from "../../../cli/io.ts";
import { runProbe } from "../../../core/runner/index.ts";
import { HttpProbe, runHttpAttempt, type HttpDeps, type HttpProbeInput } from "../../../probes/http/index.ts";
import { certificateWithCommonName } from "../../fixtures/certs.ts";
import { startHttpTarget, startHttpsTarget, type Target } from "../../fixtures/targets.ts";

// Every C0 control but tab, DEL, and C1 controls: what a terminal may obey.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const ESCAPES = "\u001b]0;pwned\u0007\u001b[31m\u001b[2J\u009b2J";
const TOKEN = "Sup3rS3cret/Tok+en=42";
const AUTH = `Bearer ${TOKEN}`;

const targets: Target[] = [];
afterAll(async () => {
  await Promise.all(targets.map((t) => t.close()));
});
async function target(handler: Parameters<typeof startHttpTarget>[0]) {
  const started = await startHttpTarget(handler);
  targets.push(started);
  return started;
}

const toLocal: LookupFunction = (_host, options, callback) =>
  (options as { all?: boolean }).all ? (callback as any)(null, [{ address: "127.0.0.1", family: 4 }]) : (callback as any)(null, "127.0.0.1", 4);

async function run(input: Partial<HttpProbeInput> & { url: string }, extra: Partial<HttpDeps> = {}) {
  const probe = HttpProbe.parse({ id: "t", kind: "http", ...input });
  return runProbe(probe, runHttpAttempt, { region: "local", now: Date.now, env: { TOKEN }, ...extra });
}

/** Every string in a value, object keys included. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([key, child]) => [key, ...strings(child)]);
  return [];
}

const dir = mkdtempSync(path.join(tmpdir(), "vigie-hostile-"));
async function vigieTest(probe: Record<string, unknown>, reporter: "table" | "json" = "table") {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ project: "acme", probes: [{ id: "hostile", kind: "http", ...probe }] }));
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: { TOKEN }, cwd: dir, now: Date.now };
  const code = await main(["test", "--config", file, "--reporter", reporter], io);
  return { code, stdout, stderr };
}

describe("a target cannot write control characters to the user's terminal", () => {
  it("shows a certificate common name holding escape sequences escaped, in the TLS error and the certificate", async () => {
    // forge writes the name as it is; ASCII controls only, as a hostile CA-less certificate can carry.
    const pair = certificateWithCommonName("evil\u001b]0;pwned\u0007\u001b[31m\u001b[2J\n+ pass  forged");
    const server = await startHttpsTarget(pair, (_req, res) => res.end("ok"));
    targets.push(server);
    const url = `https://evil.localhost:${server.port}/`;
    const refused = await run({ url, tls: { ca: pair.cert } }, { lookup: toLocal });
    expect(refused.error?.category).toBe("tls");
    expect(refused.error?.message).toContain("\\x1b]0;pwned\\x07");
    const insecure = await run({ url, tls: { insecure: true } }, { lookup: toLocal });
    expect(insecure.http?.certificate?.subject).toContain("evil\\x1b");
    for (const text of [...strings(refused), ...strings(insecure)]) expect(text).not.toMatch(CONTROL);
  });

  it("keeps percent-encoded escapes in a URL of a body encoded, and prints no raw control character", async () => {
    const body = "see http://evil.example/%1B%5D0;pwned%07%1B%5B2J%0D%0A%E2%9C%93%20pass%C2%9B2J for details";
    const server = await target((_req, res) => res.end(body));
    const { code, stdout } = await vigieTest({ url: server.url, assertions: [{ source: "body", op: "contains", target: "welcome" }] });
    expect(code).toBe(1);
    expect(stdout).toContain("http://evil.example/%1B]0;pwned%07%1B[2J%0D%0A✓ pass%C2%9B2J");
    expect(stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    // The only line breaks are the reporter's own: the result line, its reason, the summary.
    expect(stdout.trim().split("\n").filter((line) => line.includes("pass")).every((line) => !line.startsWith("✓"))).toBe(true);
  });

  it("escapes raw control characters a body sends, in the table and in JSON results", async () => {
    const server = await target((_req, res) => res.end(`hello${ESCAPES}\r\n✓ pass      forged`));
    const probe = { url: server.url, assertions: [{ source: "body", op: "contains", target: "welcome" }] };
    const table = await vigieTest(probe);
    expect(table.stdout).toContain("hello\\u001b]0;pwned\\u0007");
    expect(table.stdout).toContain("\\x9b2J");
    expect(table.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(table.stdout.split("\n").some((line) => line.startsWith("✓"))).toBe(false);
    const json = await vigieTest(probe, "json");
    for (const text of strings(JSON.parse(json.stdout))) expect(text).not.toMatch(CONTROL);
  });
});

describe("a target cannot leak part of a secret", () => {
  it("scrubs an echoed secret before cutting a long actual value, wherever the cut falls", async () => {
    for (const offset of [170, 181, 190, 199]) {
      const server = await target((req, res) => res.end(`${"x".repeat(offset)}${req.headers.authorization}${"y".repeat(300)}`));
      const result = await run({ url: server.url, headers: { authorization: "Bearer ${env:TOKEN}" }, assertions: [{ source: "body", op: "contains", target: "welcome" }] });
      const text = JSON.stringify(result);
      expect(result.outcome).toBe("fail");
      for (const piece of [TOKEN.slice(0, 4), TOKEN.slice(0, 8)]) expect(text, `offset ${offset}`).not.toContain(piece);
    }
  });

  it("scrubs a secret a JSON encoder escaped (\\/, \\u00e9, Go's \\u003c)", async () => {
    const token = "Sup3r/Séc<ret>&Tok";
    const server = await target((req, res) => {
      const echoed = req.headers["x-token"] as string;
      const php = JSON.stringify(echoed).replaceAll("/", "\\/");
      const ascii = JSON.stringify(echoed).replace(/[^\x00-\x7f]|[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
      res.setHeader("content-type", "application/json");
      const upper = ascii.replace(/\\u([0-9a-f]{4})/g, (_all, hex: string) => `\\u${hex.toUpperCase()}`);
      res.end(`{"php":${php},"go":${ascii},"upper":${upper}}`);
    });
    const result = await runProbe(HttpProbe.parse({ id: "t", kind: "http", url: server.url, headers: { "x-token": "${env:T}" }, assertions: [{ source: "body", op: "contains", target: "welcome" }] }), runHttpAttempt, { region: "local", now: Date.now, env: { T: token } });
    const text = JSON.stringify(result);
    expect(result.assertions[1]!.actual).toBe('{"php":"[redacted]","go":"[redacted]","upper":"[redacted]"}');
    for (const piece of ["Sup3r", "S\\u00e9c", "Tok"]) expect(text).not.toContain(piece);
  });

  it("does not let JSON.parse's message quote the start of a body that is a secret", async () => {
    const server = await target((req, res) => res.end(`${req.headers["x-token"]} is what you sent`));
    const result = await run({ url: server.url, headers: { "x-token": "${env:TOKEN}" }, assertions: [{ source: "json", path: "$.ok", op: "eq", target: true }] });
    expect(result.assertions[1]!.actual).toMatch(/^body is not JSON/);
    expect(JSON.stringify(result)).not.toContain(TOKEN.slice(0, 4));
  });
});
