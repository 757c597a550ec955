// The public status page: server-rendered HTML with inline CSS and one small optional script, no external asset.
//
// Order: the banner naming what is affected now, ongoing incidents, services (each with 90 reachable days), past
// incidents, then recovery drills. Incidents are public outages (see status-page/outages.ts): plain words, never a
// message from a target. The page refreshes in place by script, or by a <noscript> refresh without it; the first
// thing Tab reaches is the link that pauses it (`?refresh=0`).
import type { FC } from "hono/jsx";
import type { IncidentKind } from "../core/result/index.ts";
import type { StatusModel } from "./status-model.ts";
import { Banner } from "./status-page/banner.tsx";
import { DrillsSection } from "./status-page/drills.tsx";
import { OngoingIncidents, PastIncidents } from "./status-page/incidents.tsx";
import { affectedNow, DEFAULT_PUBLIC_INCIDENTS, publicOutages } from "./status-page/outages.ts";
import { ProbeCard } from "./status-page/probe-card.tsx";
import { REFRESH_SCRIPT } from "./status-page/refresh-script.ts";
import { CSS } from "./status-page/styles.ts";

export interface StatusPageOptions {
  title: string;
  /** Seconds between refreshes; 0 renders the paused page (`?refresh=0`). Default 30. */
  refreshSeconds?: number;
  /** Incident kinds shown publicly. Default down and degraded. */
  publicIncidents?: readonly IncidentKind[];
}

export const StatusPage: FC<{ model: StatusModel; options: StatusPageOptions }> = ({ model, options }) => {
  const refreshSeconds = options.refreshSeconds ?? 30;
  const now = Date.parse(model.generatedAt);
  const outages = publicOutages([...model.openIncidents, ...model.recentIncidents], model.probes, now, options.publicIncidents ?? DEFAULT_PUBLIC_INCIDENTS);
  const ongoing = outages.filter((o) => !o.resolvedAt);
  const past = outages.filter((o) => o.resolvedAt);
  const title = `${options.title} status`;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {refreshSeconds > 0 ? <noscript><meta http-equiv="refresh" content={String(refreshSeconds)} /></noscript> : null}
        <title>{title}</title>
        <link rel="alternate" type="application/atom+xml" href="feed.atom" title={`${options.title} incidents (Atom)`} />
        <link rel="alternate" type="application/feed+json" href="feed.json" title={`${options.title} incidents (JSON Feed)`} />
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body data-refresh={String(refreshSeconds)}>
        <header>
          <h1>{title}</h1>
          <p class="refresh muted">
            {refreshSeconds > 0
              ? <><a href="?refresh=0">Pause auto-refresh</a> (every {refreshSeconds} s)</>
              : <>Auto-refresh paused · <a href="./">Resume</a></>}
            {" · "}<span id="updated">Updated <time datetime={model.generatedAt}>{model.generatedAt.replace("T", " ").slice(0, 19)} UTC</time></span>
          </p>
          <Banner model={model} affected={affectedNow(model.probes, outages)} />
        </header>
        <main id="main">
          <OngoingIncidents outages={ongoing} />
          <section aria-labelledby="probes-title">
            <h2 id="probes-title">Services</h2>
            {model.probes.length === 0 ? <p>No probes are configured.</p> : (
              <ul class="probes">{model.probes.map((probe) => <ProbeCard probe={probe} outages={outages} now={now} />)}</ul>
            )}
          </section>
          <PastIncidents outages={past} />
          <DrillsSection drills={model.drills} />
        </main>
        <footer class="muted">
          <p>Subscribe to incidents: <a href="feed.atom">Atom feed</a> · <a href="feed.json">JSON feed</a></p>
          <p>Times in UTC{" "}(and in your time zone where your browser says it) · monitored by vigie</p>
        </footer>
        <script dangerouslySetInnerHTML={{ __html: REFRESH_SCRIPT }} />
      </body>
    </html>
  );
};

export async function renderStatusPage(model: StatusModel, options: StatusPageOptions | string): Promise<string> {
  const resolved = typeof options === "string" ? { title: options } : options;
  return `<!doctype html>${await (<StatusPage model={model} options={resolved} />).toString()}`;
}
