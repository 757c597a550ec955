// Incident feeds for visitors and chat tools: Atom (RFC 4287) and JSON Feed 1.1, one item per public outage.
import { createHash } from "node:crypto";
import type { Outage } from "./status-page/outages.ts";
import { dateTime, duration, listWords } from "./status-page/words.ts";

export interface FeedInput {
  /** The page's absolute URL, e.g. "https://status.acme.dev/" (the feeds sit beside it). */
  pageUrl: string;
  title: string;
  /** The model's time: the feed's `updated` when it holds no outage. */
  generatedAt: string;
  /** Newest first. */
  outages: readonly Outage[];
}

/** A stable id whatever host serves the feed: a name-based UUID (RFC 9562 v5 layout) of the title and a name. */
function nameUuid(title: string, name: string): string {
  const bytes = createHash("sha1").update(`vigie:${title}:${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** "Orders API: not responding (resolved)". */
const itemTitle = (outage: Outage) => `${outage.probeName}: ${outage.symptom}${outage.resolvedAt ? " (resolved)" : " (ongoing)"}`;

/** One sentence with start, end and length, in UTC. */
function itemText(outage: Outage): string {
  const where = outage.regions.length > 0 ? ` in ${listWords(outage.regions)}` : "";
  const maintenance = outage.maintenance ? " It began during scheduled maintenance." : "";
  return outage.resolvedAt
    ? `${outage.probeName}: ${outage.symptom}${where} from ${dateTime(outage.startedAt)} UTC to ${dateTime(outage.resolvedAt)} UTC (lasted ${duration(outage.durationMs, true)}).${maintenance}`
    : `${outage.probeName}: ${outage.symptom}${where} since ${dateTime(outage.startedAt)} UTC (for ${duration(outage.durationMs)} so far).${maintenance}`;
}

/** When an outage last changed: its end, or its start while it goes on. */
const updatedOf = (outage: Outage) => outage.resolvedAt ?? outage.startedAt;

const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function atomFeed(input: FeedInput): string {
  const updated = input.outages.reduce((latest, o) => (updatedOf(o) > latest ? updatedOf(o) : latest), input.outages.length > 0 ? "" : input.generatedAt);
  const feedUrl = new URL("feed.atom", input.pageUrl).href;
  const entries = input.outages.map((o) => [
    "<entry>",
    `<id>${nameUuid(input.title, `outage:${o.id}`)}</id>`,
    `<title>${xml(itemTitle(o))}</title>`,
    `<published>${o.startedAt}</published>`,
    `<updated>${updatedOf(o)}</updated>`,
    `<link rel="alternate" type="text/html" href="${xml(input.pageUrl)}"/>`,
    `<category term="${o.resolvedAt ? "resolved" : "ongoing"}"/>`,
    `<content type="text">${xml(itemText(o))}</content>`,
    "</entry>",
  ].join(""));
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `<id>${nameUuid(input.title, "feed")}</id>`,
    `<title>${xml(`${input.title} status: incidents`)}</title>`,
    `<updated>${updated}</updated>`,
    `<author><name>${xml(input.title)}</name></author>`,
    `<link rel="self" type="application/atom+xml" href="${xml(feedUrl)}"/>`,
    `<link rel="alternate" type="text/html" href="${xml(input.pageUrl)}"/>`,
    ...entries,
    "</feed>",
    "",
  ].join("\n");
}

export function jsonFeed(input: FeedInput): string {
  return JSON.stringify({
    version: "https://jsonfeed.org/version/1.1",
    title: `${input.title} status: incidents`,
    home_page_url: input.pageUrl,
    feed_url: new URL("feed.json", input.pageUrl).href,
    items: input.outages.map((o) => ({
      id: nameUuid(input.title, `outage:${o.id}`),
      url: input.pageUrl,
      title: itemTitle(o),
      content_text: itemText(o),
      date_published: o.startedAt,
      date_modified: updatedOf(o),
      tags: [o.resolvedAt ? "resolved" : "ongoing"],
      // The same facts as data, for chat tools (JSON Feed extensions start with an underscore).
      _status: {
        service: o.probeName, level: o.level, symptom: o.symptom, regions: o.regions,
        startedAt: o.startedAt, resolvedAt: o.resolvedAt ?? null, durationMs: o.durationMs, maintenance: o.maintenance,
      },
    })),
  });
}
