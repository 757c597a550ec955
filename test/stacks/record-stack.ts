// Runs the real `sst.config.ts` `run()` with the real SST 4.17.1 components under Pulumi's `runtime.setMocks`, offline,
// and prints every resource it would create as one JSON document on stdout. Run by test/stacks/stack.test.ts in a
// process of its own (one Pulumi stack per process). How and why: /work/shared/SST-OFFLINE.md; it depends on SST
// internals (the RPC method names and shapes, the shim, the import order): recheck it on every SST upgrade.
//   node --import tsx test/stacks/record-stack.ts        (needs `npx sst install` first: .sst/platform)
import { createServer } from "node:http";
import { createRequire, registerHooks } from "node:module";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "../..");
const platform = path.join(root, ".sst", "platform");
if (!existsSync(path.join(platform, "package.json"))) {
  process.stderr.write("no .sst/platform: run `npm run sst:install` first\n");
  process.exit(3);
}
const platformRequire = createRequire(path.join(platform, "package.json"));
/** The part of @pulumi/pulumi used here (the platform's copy: its types are not this project's). */
interface MockResourceArgs { type: string; name: string; inputs: Record<string, any>; provider?: string; custom?: boolean }
interface MockCallArgs { token: string; inputs: Record<string, any>; provider?: string }
interface PulumiRuntime {
  setMocks(mocks: { newResource(args: MockResourceArgs): { id: string; state: Record<string, unknown> }; call(args: MockCallArgs): Record<string, unknown> }, project: string, stack: string, preview: boolean): void;
  runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
  disconnect(): Promise<void>;
}
const pulumi = platformRequire("@pulumi/pulumi") as { runtime: PulumiRuntime };
const esbuild = platformRequire("esbuild") as typeof import("esbuild");

interface Recorded { type: string; name: string; inputs: Record<string, unknown>; provider?: string; parent?: string }
const resources: Recorded[] = [];
/** What each function's build was asked for (its `nodejs` options reach the CLI's build as `properties`). */
const builds: Array<{ functionID: string; handler: string; properties: Record<string, unknown> }> = [];
const failures: string[] = [];
process.on("unhandledRejection", (error) => failures.push(String((error as Error)?.stack ?? error)));

// The CLI's local RPC server, as much of it as the components call.
const artifacts = path.join(root, ".sst", "artifacts");
const rpc = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", async () => {
    const { method, params } = JSON.parse(body) as { method: string; params: [Record<string, any>] };
    const answer = (result: unknown, error?: string) => res.end(JSON.stringify(error ? { error } : { result }));
    if (method === "Provider.Aws.Bootstrap") return answer({ asset: `vigie-assets-${params[0].region}`, assetEcrRegistryId: "", assetEcrUrl: "", state: "vigie-state", appsyncHttp: "", appsyncRealtime: "" });
    if (method === "Runtime.Build") {
      // Bundles the real handler, so a wrong handler path or a broken import fails the stack.
      const input = params[0];
      builds.push({ functionID: String(input.functionID), handler: String(input.handler), properties: input.properties ?? {} });
      // `nodejs.install` arrives as a list or as { package: version }: either way those stay out of the bundle.
      const install = input.properties?.install;
      const installed: string[] = Array.isArray(install) ? install : Object.keys(install ?? {});
      const handler = String(input.handler);
      const file = handler.slice(0, handler.lastIndexOf("."));
      const out = path.join(artifacts, `${input.functionID}-src`);
      mkdirSync(out, { recursive: true });
      try {
        const entry = [".ts", ".mts", ".js"].map((ext) => path.join(root, file + ext)).find(existsSync);
        if (!entry) return answer({ handler, out, errors: [`Could not find a file for handler "${handler}"`], sourcemaps: [] });
        await esbuild.build({
          entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node22", outfile: path.join(out, `${file}.mjs`),
          external: [...installed, "playwright-core", "chromium-bidi"], logLevel: "silent",
          banner: { js: "import { createRequire as topLevelCreateRequire } from 'module';\nconst require = topLevelCreateRequire(import.meta.url);" },
        });
        return answer({ handler, out, errors: [], sourcemaps: [] });
      } catch (error) {
        return answer({ handler, out, errors: [(error as Error).message], sourcemaps: [] });
      }
    }
    return answer(undefined, `rpc: can't find method ${method}`);
  });
});
await new Promise<void>((resolve) => rpc.listen(0, "127.0.0.1", resolve));
process.env.SST_SERVER = `http://127.0.0.1:${(rpc.address() as { port: number }).port}`;

const regionOf = (provider: string | undefined) => /::(Aws[A-Za-z0-9]+)::/.exec(provider ?? "")?.[1];
/** The region of a provider reference (its `aws.Provider`'s), for ARNs and lookups; the default provider's is us-east-1. */
const providerRegion = (provider: string | undefined) =>
  (resources.find((r) => r.type === "pulumi:providers:aws" && r.name === regionOf(provider))?.inputs.region as string | undefined) ?? "us-east-1";
/** Each data source the program read (`aws.rds.getSubnetGroupOutput`, …), with the region of the provider it used. */
const calls: Array<{ token: string; inputs: Record<string, unknown>; region: string }> = [];
pulumi.runtime.setMocks({
  newResource(args) {
    resources.push({ type: args.type, name: args.name, inputs: args.inputs, ...(args.provider ? { provider: args.provider } : {}) });
    // In the region of the resource's provider, as AWS would make it: a test sees where an ARN points.
    const arn = `arn:aws:mock:${args.inputs.region ?? providerRegion(args.provider)}:123456789012:${args.name}`;
    return { id: `${args.name}-id`, state: { ...args.inputs, arn, name: args.inputs.name ?? args.name, url: `https://${args.name}.mock/`, functionUrl: `https://${args.name}.lambda-url.mock/`, streamArn: `${arn}/stream/1`, id: `${args.name}-id` } };
  },
  call(args) {
    const provider = resources.find((r) => r.type === "pulumi:providers:aws" && args.provider?.includes(`::${r.name}::`));
    const region = (provider?.inputs.region as string | undefined) ?? "us-east-1";
    calls.push({ token: args.token, inputs: args.inputs, region });
    switch (args.token) {
      case "aws:index/getRegion:getRegion":
        return { name: (provider?.inputs.region as string) ?? "us-east-1", region: (provider?.inputs.region as string) ?? "us-east-1", id: "region" };
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/ci", userId: "ci", id: "ci" };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      case "aws:rds/getSubnetGroup:getSubnetGroup":
        // A group's subnets and VPC carry the region it was looked up in: a Lambda given another region's is seen.
        return { name: args.inputs.name, subnetIds: [`subnet-${args.inputs.name}-a`, `subnet-${args.inputs.name}-b`].map((id) => (region === "us-east-1" ? id : `${id}-${region}`)), vpcId: region === "us-east-1" ? "vpc-mock" : `vpc-mock-${region}`, id: args.inputs.name };
      case "aws:ec2/getRouteTables:getRouteTables": {
        // The subnets' own route tables, or the VPC's main one.
        const main = (args.inputs.filters ?? []).some((f: { name: string }) => f.name === "association.main");
        return { ids: main ? ["rtb-main"] : ["rtb-private-b", "rtb-private-a"], vpcId: args.inputs.vpcId, id: "route-tables" };
      }
      case "aws:iam/getPolicyDocument:getPolicyDocument":
        // Echo the statements, or link and permission policies silently vanish.
        return { json: JSON.stringify({ Version: "2012-10-17", Statement: args.inputs.statements ?? [] }), statements: args.inputs.statements, id: "policy" };
      default:
        return { id: args.token };
    }
  },
}, "vigie", "ci", false);

// sst.config.ts reads test/stacks/stack.config.ts (the example config and AWS drills) in place of vigie.config.ts.
const stackConfig = pathToFileURL(path.join(root, "test", "stacks", "stack.config.ts")).href;
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === "./vigie.config.ts" && context.parentURL?.endsWith("/sst.config.ts")) return next(stackConfig, context);
    return next(specifier, context);
  },
});

// Globals the platform reads while it loads: the app (from the config's own `app()`), the CLI's paths, not dev.
(globalThis as any).$config = (input: unknown) => input;
const config = (await import(pathToFileURL(path.join(root, "sst.config.ts")).href)).default as { app(input: { stage: string }): any; run(): Promise<unknown> };
(globalThis as any).$app = { ...config.app({ stage: "ci" }), stage: "ci" };
(globalThis as any).$cli = { command: "deploy", paths: { root, work: path.join(root, ".sst"), platform }, state: { version: {} }, home: "aws" };
(globalThis as any).$dev = false;

// Load the platform as the CLI does: run.ts before the components (a circular import otherwise), the shim injected.
const entry = path.join(platform, "vigie-record-entry.mjs");
await esbuild.build({
  stdin: {
    contents: [
      `import { run } from "./src/auto/run.ts";`,
      `import * as sst from "./src/components/index.ts";`,
      `import * as aws from "@pulumi/aws";`,
      // The shim's globals ($interpolate, $util, …): the CLI bundles the config with it; here stacks/ loads apart.
      `import * as shim from "./src/shim/run.js";`,
      `Object.assign(globalThis, shim, { sst, aws });`,
      `export { run };`,
    ].join("\n"),
    resolveDir: platform, loader: "ts", sourcefile: "entry.ts",
  },
  bundle: true, platform: "node", format: "esm", packages: "external", outfile: entry, inject: [path.join(platform, "src", "shim", "run.js")], logLevel: "silent",
});
const { run } = await import(pathToFileURL(entry).href) as { run(program: () => Promise<unknown>): Promise<Record<string, unknown>> };

let outputs: Record<string, unknown> = {};
await Promise.race([
  pulumi.runtime.runInPulumiStack(async () => {
    outputs = await run(() => config.run() as Promise<never>);
    return outputs;
  }).then(() => pulumi.runtime.disconnect()),
  new Promise<void>((resolve) => {
    const check = setInterval(() => { if (failures.length > 0) { clearInterval(check); resolve(); } }, 50);
    check.unref();
  }),
]);
rpc.close();
const providers = Object.fromEntries(resources.filter((r) => r.type === "pulumi:providers:aws").map((r) => [r.name, r.inputs.region]));
const report = {
  failures,
  resources: resources.map((r) => ({ ...r, region: providers[regionOf(r.provider) ?? ""] })),
  calls,
  builds,
};
writeFileSync(1, JSON.stringify(report));
process.exit(0);
