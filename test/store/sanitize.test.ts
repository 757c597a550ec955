import { describe, expect, it } from "vitest";
import { probeSecrets, sanitizeResult } from "../../core/store/index.ts";
import { makeResult } from "../fixtures/results.ts";

describe("sanitizing results", () => {
  it("collects header values (literal and resolved) and every resolved env value of the probes", () => {
    const probes = [
      { id: "a", url: "https://x.dev/?k=${env:URL_KEY}", headers: { authorization: "Bearer ${env:TOKEN}", "x-static": "literal-header-value" } },
      { id: "b", steps: [{ fill: "${env:PASSWORD}" }] },
      { id: "c", url: "https://carol:p%40ss-word@y.dev/echo?token=literal-query-value&v=1" },
    ];
    const secrets = probeSecrets(probes, { URL_KEY: "url-key-1", TOKEN: "tok-123", PASSWORD: "hunter22" });
    expect(secrets.sort()).toEqual(
      ["Bearer tok-123", "hunter22", "literal-header-value", "tok-123", "url-key-1", "carol", "p%40ss-word", "p@ss-word", "literal-query-value"].sort(),
    );
  });

  it("redacts secrets and strips URL userinfo and query values anywhere in a result", () => {
    const result = makeResult({
      probeId: "a", startedAt: "2025-03-10T00:00:00.000Z", outcome: "fail",
      error: { category: "http", message: "GET https://bob:pw@api.dev/x?token=abc&b=2 answered tok-123" },
      browser: {
        ttfbMs: null, fcpMs: null, lcpMs: null, domContentLoadedMs: null, loadMs: null, ttiMs: null, tbtMs: null, cls: null,
        jsErrors: [], failedRequests: [{ url: "https://cdn.dev/a.js?sig=zzz", status: 403 }],
      },
    });
    const clean = JSON.stringify(sanitizeResult(result, ["tok-123"]));
    for (const leaked of ["bob", "pw@", "abc", "tok-123", "zzz"]) expect(clean).not.toContain(leaked);
    expect(clean).toContain("https://api.dev/x?token=…&b=…");
    expect(clean).toContain("[redacted]");
  });

  it("scrubs JSON-escaped forms of a secret and makes control characters visible, for records written before runners did", () => {
    const secret = "Bearer Sup3rS3cret/Tok+en=42";
    const result = makeResult({
      probeId: "a", startedAt: "2025-03-10T00:00:00.000Z", outcome: "fail",
      error: { category: "assertion", message: 'body contains "x", got "{\\"auth\\":\\"Bearer Sup3rS3cret\\\\/Tok+en=42\\"}" \u001b[2J\u009b' },
    });
    const clean = sanitizeResult(result, [secret]);
    expect(clean.error!.message).not.toContain("Sup3rS3cret");
    expect(clean.error!.message).toContain("[redacted]");
    expect(clean.error!.message).toContain("\\x1b[2J\\x9b");
    expect(clean.error!.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
