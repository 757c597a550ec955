// The config union of probe kinds, schemas only: what code that never runs a probe (the API, the evaluator, the HTTP
// runner's Lambda) imports, so no browser driver is bundled with it.
import { z } from "zod";
import { HttpProbe } from "./http/schema.ts";
import { BrowserProbe } from "./browser/schema.ts";

export const ProbeConfig = z.discriminatedUnion("kind", [HttpProbe, BrowserProbe]);
export type ProbeConfig = z.infer<typeof ProbeConfig>;
export type ProbeKind = ProbeConfig["kind"];
