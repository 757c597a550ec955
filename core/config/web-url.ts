// The URL field of probes and webhooks: http(s) only, checked with its `${env:NAME}` placeholders filled in.
import { z } from "zod";
import { withPlaceholdersFilled } from "./secrets.ts";

/** An http(s) URL, which may hold `${env:NAME}` placeholders (checked with them filled in). */
export const WebUrl = z.string().superRefine((raw, ctx) => {
  let url: URL;
  try {
    url = new URL(withPlaceholdersFilled(raw));
  } catch {
    ctx.addIssue({ code: "custom", message: "Invalid URL" });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `Invalid URL: the scheme must be http or https, not ${url.protocol.slice(0, -1)}` });
  }
});
