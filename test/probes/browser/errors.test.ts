import { describe, expect, it } from "vitest";
import { scrubber } from "../../../core/config/secrets.ts";
import { capped, classifyNavigationError, firstLine, MAX_TEXT } from "../../../probes/browser/errors.ts";

const context = { url: "https://shop.acme.dev/cart?token=abc", timeout: 30_000, pending: [], browserGone: false };
const thrown = (message: string, name = "Error") => Object.assign(new Error(message), { name });

describe("classifyNavigationError", () => {
  it.each([
    ["net::ERR_NAME_NOT_RESOLVED", "dns", "could not resolve shop.acme.dev"],
    ["net::ERR_CONNECTION_REFUSED", "connect", "connection refused by shop.acme.dev"],
    ["net::ERR_CONNECTION_RESET", "connect", "could not connect to shop.acme.dev"],
    ["net::ERR_CERT_DATE_INVALID", "tls", "TLS failed for shop.acme.dev"],
    ["net::ERR_CERT_AUTHORITY_INVALID", "tls", "TLS failed for shop.acme.dev"],
    ["net::ERR_SSL_PROTOCOL_ERROR", "tls", "TLS failed for shop.acme.dev"],
    ["net::ERR_EMPTY_RESPONSE", "http", "shop.acme.dev did not answer with a page"],
    ["net::ERR_TOO_MANY_REDIRECTS", "http", "shop.acme.dev did not answer with a page"],
  ])("maps %s to %s", (code, category, says) => {
    const error = classifyNavigationError(thrown(`page.goto: ${code} at https://shop.acme.dev/cart?token=abc\nCall log:\n  - navigating…`), context);
    expect(error).toEqual({ category, message: `${says} (${code})` });
  });

  it("names the timeout and what was still loading", () => {
    const error = classifyNavigationError(thrown("page.goto: Timeout 30000ms exceeded.", "TimeoutError"), { ...context, pending: ["https://cdn.acme.dev/app.js?sig=xyz"] });
    expect(error).toEqual({ category: "timeout", message: "timed out after 30s waiting for the load event (1 request still loading, e.g. https://cdn.acme.dev/app.js?sig=…)" });
  });

  it("calls a navigation the browser did not survive a browser failure", () => {
    const error = classifyNavigationError(thrown("page.goto: Target page, context or browser has been closed"), { ...context, browserGone: true });
    expect(error.category).toBe("browser");
  });

  it("never repeats the URL's query in the message", () => {
    const error = classifyNavigationError(thrown("page.goto: something odd at https://shop.acme.dev/cart?token=abc"), context);
    expect(error.message).not.toContain("token=abc");
  });
});

describe("text a page wrote", () => {
  it("keeps a pending URL's percent-encoded escapes encoded, so the message carries no control character", () => {
    const pending = ["http://evil.example/%1B%5D0;pwned%07%1B%5B2J%0D%0A%E2%9C%93%20pass%C2%9B"];
    const error = classifyNavigationError(thrown("page.goto: Timeout 30000ms exceeded.", "TimeoutError"), { ...context, pending });
    expect(error.message).toContain("http://evil.example/%1B]0;pwned%07%1B[2J%0D%0A✓ pass%C2%9B");
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it("scrubs a secret before cutting a text at MAX_TEXT, wherever the cut falls", () => {
    const secret = "Sup3rS3cret/Tok+en=42";
    const scrub = scrubber([secret]);
    for (const offset of [MAX_TEXT - 20, MAX_TEXT - 5, MAX_TEXT - 1]) {
      const text = `${"x".repeat(offset)}${secret}${"y".repeat(100)}`;
      expect(capped(text, scrub)).not.toContain(secret.slice(0, 4));
      expect(firstLine(`Error: ${text}\ncall log`, scrub)).not.toContain(secret.slice(0, 4));
      const message = classifyNavigationError(thrown(`page.goto: ${text}`), { ...context, scrub }).message;
      expect(message).not.toContain(secret.slice(0, 4));
    }
  });
});
