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
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
