// Chromium's navigation errors, mapped to the result's error categories with a message a person can act on.
import type { Page } from "playwright-core";
import { formatDuration } from "../../core/config/duration-text.ts";
import { displayUrl } from "../../core/config/secrets.ts";
import type { ErrorCategory, ProbeError } from "../../core/result/index.ts";

/** Longest text kept from a page or the browser: a page can throw a 300 KB message, and a result must stay small. */
export const MAX_TEXT = 500;

/** Replaces the run's secrets in a text (`scrubber` in core/config/secrets.ts). */
export type Scrub = (text: string) => string;
const keep: Scrub = (text) => text;

/**
 * Cuts a text a page or the browser wrote to MAX_TEXT characters, its secrets scrubbed first: a cut through a
 * secret would leave a piece of it that no later scrub recognises.
 */
export function capped(text: string, scrub: Scrub = keep): string {
  const clean = scrub(text);
  return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT)}…` : clean;
}

/** The first line of a message, capped: Playwright appends a call log that belongs in no result. */
export function firstLine(text: string, scrub: Scrub = keep): string {
  return capped(scrub(text).split("\n", 1)[0]!.trim());
}

const GONE = /Target page, context or browser has been closed|Browser has been closed|browser has disconnected|page crashed|Target crashed|Target closed/i;

/** Whether an error came from the page or the browser dying rather than from the site. */
export function isBrowserGone(error: Error | undefined, page: Page): boolean {
  if (page.isClosed() || page.context().browser()?.isConnected() === false) return true;
  return GONE.test(error?.message ?? "");
}

/** Chromium's net error codes by category; the human text says what went wrong in the words of the phase. */
const NET_ERRORS: Array<{ codes: RegExp; category: ErrorCategory; says: (host: string) => string }> = [
  { codes: /^ERR_NAME_NOT_RESOLVED$|^ERR_NAME_RESOLUTION_FAILED$|^ERR_DNS_/, category: "dns", says: (host) => `could not resolve ${host}` },
  { codes: /^ERR_CONNECTION_REFUSED$/, category: "connect", says: (host) => `connection refused by ${host}` },
  { codes: /^ERR_CONNECTION_TIMED_OUT$/, category: "connect", says: (host) => `connecting to ${host} timed out` },
  {
    codes: /^ERR_CONNECTION_RESET$|^ERR_CONNECTION_CLOSED$|^ERR_CONNECTION_FAILED$|^ERR_ADDRESS_UNREACHABLE$|^ERR_ADDRESS_INVALID$|^ERR_INTERNET_DISCONNECTED$|^ERR_NETWORK_/,
    category: "connect",
    says: (host) => `could not connect to ${host}`,
  },
  { codes: /^ERR_CERT_|^ERR_SSL_|^ERR_BAD_SSL_|^ERR_TLS/, category: "tls", says: (host) => `TLS failed for ${host}` },
  { codes: /^ERR_TIMED_OUT$/, category: "timeout", says: (host) => `${host} timed out` },
  {
    codes: /^ERR_EMPTY_RESPONSE$|^ERR_INVALID_HTTP_RESPONSE$|^ERR_TOO_MANY_REDIRECTS$|^ERR_INVALID_RESPONSE$|^ERR_RESPONSE_|^ERR_CONTENT_|^ERR_INVALID_REDIRECT$|^ERR_UNSAFE_REDIRECT$|^ERR_INVALID_AUTH_CREDENTIALS$|^ERR_ABORTED$|^ERR_BLOCKED_/,
    category: "http",
    says: (host) => `${host} did not answer with a page`,
  },
  { codes: /^ERR_UNSAFE_PORT$/, category: "connect", says: (host) => `Chromium refuses to connect to ${host} (an unsafe port)` },
];

export interface NavigationContext {
  /** The URL navigated to (credentials already removed). */
  url: string;
  /** The probe's timeout, ms. */
  timeout: number;
  /** URLs of the requests still in flight, to say what a timed-out load was waiting for. */
  pending: string[];
  /** Whether the page or browser died under the navigation. */
  browserGone: boolean;
  /** Scrubs the run's secrets, before any text is cut. */
  scrub?: Scrub;
}

/** Maps an error thrown by `page.goto` to a category and a message free of call logs and query strings. */
export function classifyNavigationError(error: Error, context: NavigationContext): ProbeError {
  const message = error.message ?? String(error);
  const scrub = context.scrub ?? keep;
  if (context.browserGone) return { category: "browser", message: `the browser went away while loading the page: ${firstLine(message, scrub).replace(/^page\.goto: /, "")}` };
  if (error.name === "TimeoutError" || /Timeout \d+ms exceeded/.test(message)) {
    const waiting = context.pending.length === 0
      ? ""
      : ` (${context.pending.length} request${context.pending.length > 1 ? "s" : ""} still loading, e.g. ${capped(displayUrl(context.pending[0]!), scrub)})`;
    return { category: "timeout", message: `timed out after ${formatDuration(context.timeout)} waiting for the load event${waiting}` };
  }
  const host = hostOf(context.url);
  const code = /net::(ERR_[A-Z0-9_]+)/.exec(message)?.[1];
  if (code) {
    const known = NET_ERRORS.find((entry) => entry.codes.test(code));
    if (known) return { category: known.category, message: `${known.says(host)} (net::${code})` };
    return { category: "browser", message: `navigation to ${host} failed (net::${code})` };
  }
  return { category: "browser", message: `navigation to ${host} failed: ${firstLine(message, scrub).replace(/^page\.goto: /, "").replace(/ at https?:\/\/\S+/, "")}` };
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  } catch {
    return "the page";
  }
}
