// What each function's deployed bundle carries (esbuild with the options stacks/ gives SST, stacks/bundling.ts): the
// runners load no config schema, no alerting and no drill code; only the drill function carries the drill engine.
// Sizes and cold init are measured by `npm run bench -- aws`, not asserted here.
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { BROWSER_INSTALL, esbuildOptionsOf, nodejsOptions } from "../../stacks/bundling.ts";

const root = path.resolve(import.meta.dirname, "../..");

/** The source files and packages a function's bundle holds code of. */
async function contents(name: string, install: readonly string[] = []): Promise<string[]> {
  const result = await build({ ...esbuildOptionsOf(nodejsOptions(install)), entryPoints: [path.join(root, "functions", `${name}.ts`)], outfile: `/bundles/${name}.mjs`, write: false, metafile: true, logLevel: "silent" });
  const [output] = Object.values(result.metafile.outputs);
  return Object.entries(output!.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([file]) => file);
}
const packageOf = (file: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];

describe("deployed bundles", () => {
  it("keep the config's schema library, alerting, drills and the AWS SDK out of the runners", async () => {
    for (const [name, install] of [["http-runner", []], ["browser-runner", BROWSER_INSTALL]] as const) {
      const files = await contents(name, install);
      const packages = new Set(files.map(packageOf).filter(Boolean));
      expect([...packages].filter((p) => ["zod", "pg", "jiti", "hono"].includes(p!) || p!.startsWith("@aws-sdk/") || p!.startsWith("@smithy/")), name).toEqual([]);
      expect(files.filter((f) => f.startsWith("drills/") || f.startsWith("api/") || f === "vigie.config.ts" || (f.startsWith("core/alerting/") && f !== "core/alerting/maintenance.ts")), name).toEqual([]);
    }
  }, 60_000);

  it("give the drill engine, its kinds and pg to the drill function only", async () => {
    for (const name of ["api", "evaluator", "housekeeping", "queue-consumer"]) {
      const files = await contents(name);
      // The drill records (runs, results, their schemas) are read by the API and alerting; the engine and kinds are not.
      const records = ["drills/store.ts", "drills/run-state.ts", "drills/errors.ts", "drills/alerting.ts", "drills/config.ts"];
      expect(files.filter((f) => (f.startsWith("drills/") && !records.includes(f) && !f.endsWith("/schema.ts") && f !== "drills/schema.ts") || f === "functions/drill-engine.ts"), name).toEqual([]);
      expect(files.map(packageOf).filter((p) => p === "pg" || p === "jiti"), name).toEqual([]);
    }
    const drill = await contents("drill");
    expect(drill).toEqual(expect.arrayContaining(["drills/engine.ts", "functions/drill-engine.ts", "drills/postgres/run.ts"]));
  }, 60_000);
});
