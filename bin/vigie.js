#!/usr/bin/env node
// The `vigie` command: TypeScript sources run through tsx's loader, so there is no build step.
// vigie runs on the Node it installs (the `node` package, the same major as its Lambdas);
// an older Node is refused here, in plain JavaScript, before anything that needs a newer one loads.
const SUPPORTED_MAJOR = 24;
const major = Number(process.versions.node.split(".")[0]);
if (major < SUPPORTED_MAJOR) {
  process.stderr.write(
    `vigie: Node ${process.versions.node} is too old; vigie needs Node ${SUPPORTED_MAJOR} or later (the Lambda runtime it deploys to).\n` +
      `vigie: run it through npm, which uses the Node installed with it: \`npx vigie …\` or \`npm start\`; or install Node ${SUPPORTED_MAJOR}.\n`,
  );
  process.exit(2);
}
// `vigie start` runs for weeks: V8 is asked to favour a small heap over a little speed. By default it let the
// heap grow to several times what it held (a young generation of 64 MB twice over, an old generation 2–4× its
// live objects): at 10,000 probes ≈ 90 MB of live objects sat in ≈ 350 MB of heap. The collector reads this
// flag as it goes, so it takes effect in a process already started; it applies to the HTTP thread too.
// Measured by `npm run bench -- store` (README, performance). Only here, in the command: embedders and tests
// that call `startVigie` keep their own process's settings.
if (process.argv[2] === "start") (await import("node:v8")).setFlagsFromString("--optimize-for-size");
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
