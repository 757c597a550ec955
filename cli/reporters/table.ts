// The table reporter: one line per probe for a person, coloured when stdout is a terminal.
import { styleText } from "node:util";
import { escapeControls, type ProbeResult } from "../../core/result/index.ts";

type Style = Parameters<typeof styleText>[0];
export type Paint = (style: Style, text: string) => string;

export function painter(stream: NodeJS.WriteStream | { isTTY?: boolean }, env: NodeJS.ProcessEnv): Paint {
  const colour = Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== "dumb";
  // We decided on colour ourselves; newer Node versions would otherwise check process.stdout again.
  const options = { validateStream: false } as Parameters<typeof styleText>[2];
  return colour ? (style, text) => styleText(style, text, options) : (_style, text) => text;
}

const OUTCOME: Record<ProbeResult["outcome"], { mark: string; style: Style }> = {
  pass: { mark: "✓ pass    ", style: "green" },
  degraded: { mark: "! degraded", style: "yellow" },
  fail: { mark: "✗ fail    ", style: "red" },
};

const ms = (value: number | null | undefined) => (value === null || value === undefined ? "–" : value >= 100 ? `${Math.round(value)}` : `${Number(value.toFixed(1))}`);

/** Below this, our own time before connecting and the prober's noise are not worth a reader's attention. */
const SHOWN_FROM_MS = 1;

/** The measurement's error bar, when it is large enough to matter: "a busy prober", not "a slow target". */
function noise(noiseMs: number | undefined): string[] {
  return noiseMs !== undefined && noiseMs > SHOWN_FROM_MS ? [`noise ±${ms(noiseMs)}`] : [];
}

/**
 * The phase breakdown of a run: where the time went. The HTTP probe's `ttfbMs` (connection ready to
 * headers) shows as "wait", as HAR names it, so it is not read beside the browser's ttfb (from navigation start).
 */
function phases(result: ProbeResult): string {
  if (result.http) {
    const t = result.http.timings;
    const parts = (t.blockedMs ?? 0) >= SHOWN_FROM_MS ? [`blocked ${ms(t.blockedMs)}`] : [];
    parts.push(`dns ${ms(t.dnsMs)}`, `connect ${ms(t.connectMs)}`);
    if (t.tlsMs > 0) parts.push(`tls ${ms(t.tlsMs)}`);
    parts.push(`wait ${ms(t.ttfbMs)}`, `download ${ms(t.downloadMs)}`);
    // Matching a pattern against a large body can take longer than the request: say so, next to the network's time.
    const matching = result.assertions.reduce((sum, a) => sum + (a.durationMs ?? 0), 0);
    if (matching >= 1) parts.push(`matching ${ms(matching)}`);
    parts.push(...noise(t.noiseMs));
    return parts.join(" · ");
  }
  if (result.browser) {
    const b = result.browser;
    return [`ttfb ${ms(b.ttfbMs)}`, `fcp ${ms(b.fcpMs)}`, `lcp ${ms(b.lcpMs)}`, `load ${ms(b.loadMs)}`, `tti ${ms(b.ttiMs)}`, `tbt ${ms(b.tbtMs)}`, `cls ${b.cls === null ? "–" : b.cls.toFixed(3)}`, ...noise(b.noiseMs)].join(" · ");
  }
  return "";
}

function headline(result: ProbeResult): string {
  if (result.http) return `${result.http.status || "—"}`.padEnd(4) + `${ms(result.http.timings.totalMs)} ms`.padStart(9);
  if (result.browser) return "".padEnd(4) + `${ms(result.browser.loadMs ?? result.durationMs)} ms`.padStart(9);
  return "".padEnd(4) + `${ms(result.durationMs)} ms`.padStart(9);
}

/**
 * One probe's result, as one line plus a detail line when it did not pass. Every text is escaped again here, not
 * only where it was made: a result may come from elsewhere (a file, an older runner), and this goes to a terminal.
 */
export function formatResult(result: ProbeResult, paint: Paint, idWidth: number): string {
  const text = (value: string) => escapeControls(value);
  const { mark, style } = OUTCOME[result.outcome];
  const tries = result.attempts && result.attempts.length > 1 ? paint("dim", ` (${result.attempts.length} tries)`) : "";
  const line = `${paint(style, mark)}  ${text(result.probeId).padEnd(idWidth)}  ${paint("dim", text(result.region).padEnd(14))} ${headline(result)}   ${paint("dim", phases(result))}${tries}`;
  if (!result.error) return line;
  const reason = `${line}\n${" ".repeat(12)}${paint(style, `└ ${text(result.error.category)}: ${text(result.error.message)}`)}`;
  return result.browser?.screenshot ? `${reason}\n${" ".repeat(14)}${paint("dim", `screenshot: ${text(result.browser.screenshot)}`)}` : reason;
}

export function formatSummary(results: ProbeResult[], elapsedMs: number, paint: Paint): string {
  const count = (outcome: ProbeResult["outcome"]) => results.filter((r) => r.outcome === outcome).length;
  const parts = [paint("green", `${count("pass")} passed`)];
  if (count("degraded")) parts.push(paint("yellow", `${count("degraded")} degraded`));
  parts.push((count("fail") ? (t: string) => paint("red", t) : (t: string) => t)(`${count("fail")} failed`));
  return `\n${parts.join(", ")} ${paint("dim", `in ${(elapsedMs / 1000).toFixed(2)} s`)}`;
}
