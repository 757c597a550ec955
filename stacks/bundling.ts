// How each function is bundled on deploy: the `nodejs` options stacks/index.ts gives SST, and the esbuild options SST
// 4.17.1 builds from them (its Go runtime, pkg/runtime/node/build.go), so `npm run bench -- aws` measures the bundles
// as deployed. Plain values, no SST globals: the bench and the tests import this file.
import path from "node:path";
import type { BuildOptions } from "esbuild";

/**
 * Where a function's AWS SDK for JavaScript v3 comes from.
 * - "bundled" (the default): the pinned SDK of this lockfile, the one the tests run against, tree-shaken to the
 *   clients and commands the function uses, less `NEVER_ON_LAMBDA`; with splitting, what the SDK itself imports on
 *   demand (the SNS client a page needs) is a chunk loaded then. It loads faster
 *   than the runtime's SDK, whose clients are whole CommonJS packages of every command (`npm run bench -- aws`).
 * - "runtime": left out of the bundle (`SDK_FROM_RUNTIME`) and loaded from nodejs24.x's own SDK, about 250 KB less
 *   for the HTTP runner; the function then runs the SDK version AWS chose. No function takes it now: the HTTP runner
 *   did, for its size goal (≤ 500 KB), but what its cold start loads, its bundle and the runtime's SDK together, was
 *   larger and slower.
 */
export type SdkSource = "bundled" | "runtime";

/** Left out of a bundle whose SDK comes from the Lambda runtime. */
export const SDK_FROM_RUNTIME: readonly string[] = ["@aws-sdk/*"];

/**
 * What the bundled SDK reaches only through `import()` and never on Lambda, left out of every package: the credential
 * providers for SSO, shared config files, credential processes and web-identity token files (on Lambda the clients
 * take `lambdaCredentials`, core/runtime/aws-client-options.ts: the role's keys from the environment, else a container
 * credentials endpoint, so the SDK's default chain, which imports these, never runs there), event-stream
 * serialization (no operation of the clients the functions use streams: a client that imports it statically, as the
 * Lambda client does, would fail the bundle test), and bowser, a browser user-agent parser reached only from the SDK's
 * browser build. esbuild made each a chunk because the SDK names it in an `import()`, even in code a Node bundle never
 * runs. `npm run bench -- aws` prints the sizes; `test/functions/bundles.test.ts` checks that no function imports one
 * at start and runs the API's and the HTTP runner's bundles where none can load.
 */
export const NEVER_ON_LAMBDA: readonly string[] = [
  "@aws-sdk/credential-provider-sso", "@aws-sdk/credential-provider-ini", "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-web-identity", "@smithy/core/event-streams", "bowser",
];

/** The browser runner's packages that cannot be bundled (Chromium's binary, Playwright's driver): SST installs them. */
export const BROWSER_INSTALL: readonly string[] = ["@sparticuz/chromium", "playwright-core"];

/** What SST always leaves out (native modules), besides `install` and `esbuild.external`. */
export const SST_FORCE_EXTERNAL: readonly string[] = ["sharp", "pg-native"];

export interface NodejsOptions {
  /** SST documents `true` as its default; said here so the deployed bundle cannot differ from the bench's. */
  minify: true;
  format: "esm";
  /**
   * A dynamic `import()` of our own code becomes a file of its own (esbuild's code splitting), loaded with the packages
   * it imports when that code first runs: the drill function loads the code, `pg` or AWS SDK client of its own drill's
   * kind only, not every kind's at cold start. A function with no such import is one file, as without it.
   */
  splitting: true;
  install?: string[];
  esbuild: { external: string[] };
}

/**
 * The `nodejs` options of a function: `install` for packages shipped in its node_modules instead of the bundle, `sdk`
 * for where its AWS SDK comes from.
 */
export function nodejsOptions(install: readonly string[] = [], sdk: SdkSource = "bundled"): NodejsOptions {
  return { minify: true, format: "esm", splitting: true, ...(install.length > 0 ? { install: [...install] } : {}), esbuild: { external: sdk === "runtime" ? [...SDK_FROM_RUNTIME] : [...NEVER_ON_LAMBDA] } };
}

/** Where the SDK of a function bundled with `nodejs` comes from. */
export const sdkSourceOf = (nodejs: NodejsOptions): SdkSource => (SDK_FROM_RUNTIME.every((name) => nodejs.esbuild.external.includes(name)) ? "runtime" : "bundled");

/**
 * The `nodejs` options of the function whose handler is `handler` (e.g. "functions/http-runner.handler"): the browser
 * runner's packages installed; every function with the SDK bundled (the HTTP runner too: bundled, its cold init is
 * about a quarter shorter than on the runtime's SDK, `npm run bench -- aws`).
 */
export function nodejsOptionsFor(handler: string): NodejsOptions {
  const file = handler.slice(0, handler.lastIndexOf("."));
  if (file === "functions/browser-runner") return nodejsOptions(BROWSER_INSTALL);
  return nodejsOptions();
}

/**
 * The esbuild build options SST derives from a function's `nodejs` options for a deploy (not `sst dev`), writing the
 * entry to `target` (e.g. `<package>/functions/api.mjs`): with splitting, SST writes to the target's folder, each
 * output named after its entry or chunk, `.mjs`.
 */
export function esbuildOptionsOf(nodejs: NodejsOptions, target: string): BuildOptions {
  return {
    bundle: true, platform: "node", format: "esm", target: "esnext", keepNames: true, mainFields: ["module", "main"],
    minify: nodejs.minify, sourcemap: false,
    ...(nodejs.splitting ? { splitting: true, outdir: path.dirname(target), outExtension: { ".js": ".mjs" } } : { outfile: target }),
    external: [...SST_FORCE_EXTERNAL, ...(nodejs.install ?? []), ...nodejs.esbuild.external],
    banner: {
      js: [
        `import { createRequire as topLevelCreateRequire } from 'module';`,
        `const require = topLevelCreateRequire(import.meta.url);`,
        `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
        `const __filename = topLevelFileUrlToPath(import.meta.url)`,
        `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
      ].join("\n"),
    },
  };
}
