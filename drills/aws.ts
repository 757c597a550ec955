// What the AWS kinds share: tags, permission errors, and the wait between looks at a resource being created.
import { DrillFault } from "./errors.ts";
import { resourceTags } from "./kind.ts";
import type { DrillErrorCategory } from "../core/result/index.ts";

/** The run's tags as AWS takes them. */
export const awsTags = (drillId: string, runId: string) => Object.entries(resourceTags(drillId, runId)).map(([Key, Value]) => ({ Key, Value }));

/** Why a resource's tags are not this run's, or undefined when both tags match. */
export function tagMismatch(tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined, drillId: string, runId: string): string | undefined {
  const want = resourceTags(drillId, runId);
  const have = Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  const wrong = Object.entries(want).filter(([key, value]) => have[key] !== value);
  return wrong.length === 0 ? undefined : `its tags ${wrong.map(([key]) => `${key}=${JSON.stringify(have[key] ?? null)}`).join(", ")} are not ${wrong.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(", ")}`;
}

const DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException", "InvalidClientTokenId"]);

/** An AWS SDK error as a stage failure: permission problems say so, the rest take `category`. */
export function awsFault(error: unknown, category: DrillErrorCategory, what: string): DrillFault {
  const name = (error as { name?: string }).name ?? "Error";
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const denied = DENIED.has(name) || status === 403;
  return new DrillFault(denied ? "permission" : category, `${what}: ${name}: ${(error as Error).message}`, { cause: error });
}

/** 5 s, 10 s, 20 s, 40 s, then every 60 s: how long to wait before the `polls`th look. */
export const backoffMs = (polls: number) => Math.min(60_000, 5_000 * 2 ** Math.max(0, polls));
