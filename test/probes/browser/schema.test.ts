import { describe, expect, it } from "vitest";
import { BrowserProbe, quietWindowOf } from "../../../probes/browser/index.ts";
import { ProbeConfig } from "../../../probes/index.ts";

const minimal = { id: "home", kind: "browser", url: "https://acme.dev" } as const;
const messages = (input: unknown) => {
  const parsed = ProbeConfig.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

describe("BrowserProbe", () => {
  it("fills the platform defaults", () => {
    const probe = BrowserProbe.parse(minimal);
    expect(probe).toMatchObject({
      every: 300_000,
      timeout: 60_000,
      viewport: { width: 1280, height: 720 },
      headers: {},
      thresholds: { loadMs: { degraded: 3000, fail: 10000 }, ttiMs: { degraded: 5000, fail: 15000 } },
    });
  });

  it("keeps the default load and TTI limits when only another metric is limited", () => {
    const probe = BrowserProbe.parse({ ...minimal, thresholds: { lcpMs: { degraded: 2500, fail: 4000 } } });
    expect(probe.thresholds).toMatchObject({ loadMs: { degraded: 3000 }, ttiMs: { fail: 15000 }, lcpMs: { degraded: 2500, fail: 4000 } });
  });

  it("uses Lighthouse's 5 s quiet window by default", () => {
    expect(quietWindowOf(BrowserProbe.parse(minimal))).toBe(5_000);
  });

  it("fits the default quiet window to a short timeout instead of rejecting a field the user never wrote", () => {
    expect(messages({ ...minimal, timeout: "3s" })).toEqual([]);
    expect(quietWindowOf(BrowserProbe.parse({ ...minimal, timeout: "3s" }))).toBe(1_500);
    expect(quietWindowOf(BrowserProbe.parse({ ...minimal, timeout: "10s" }))).toBe(5_000);
    // What the user wrote is kept, and is still an error when it cannot fit.
    expect(quietWindowOf(BrowserProbe.parse({ ...minimal, timeout: "3s", quietWindow: "2s" }))).toBe(2_000);
    expect(messages({ ...minimal, timeout: "3s", quietWindow: "5s" })).toEqual(['quietWindow: must be shorter than timeout (3s), or "0" to skip it']);
  });

  it("reads \"0\" and \"off\" as no quiet window", () => {
    expect(BrowserProbe.parse({ ...minimal, quietWindow: "0" }).quietWindow).toBe(0);
    expect(BrowserProbe.parse({ ...minimal, quietWindow: "off" }).quietWindow).toBe(0);
  });

  it("is part of the probe union", () => {
    expect(ProbeConfig.parse(minimal).kind).toBe("browser");
  });

  it("rejects a quiet window as long as the timeout", () => {
    expect(messages({ ...minimal, timeout: "5s", quietWindow: "5s" })).toEqual(['quietWindow: must be shorter than timeout (5s), or "0" to skip it']);
  });

  it("rejects a degraded limit at or over the fail limit", () => {
    expect(messages({ ...minimal, thresholds: { ttiMs: { degraded: 9000, fail: 8000 } } })[0]).toMatch(/^thresholds\.ttiMs\.degraded: degraded must be lower than fail/);
  });

  it("rejects unknown fields, a script that is not a function, and a non-web URL, all at once", () => {
    const problems = messages({ ...minimal, url: "ftp://acme.dev", script: "click things", waitUntil: "load" });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/url: Invalid URL: the scheme must be http or https/);
    expect(problems.join("\n")).toMatch(/script: must be a function/);
    expect(problems.join("\n")).toMatch(/Unrecognized key: "waitUntil"/);
  });

  it("accepts a journey function and ${env:…} in the URL and headers", () => {
    const script = async () => undefined;
    const probe = BrowserProbe.parse({ ...minimal, url: "https://${env:HOST}/", headers: { authorization: "Bearer ${env:TOKEN}" }, script });
    expect(probe.script).toBe(script);
  });
});
