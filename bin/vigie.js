#!/usr/bin/env node
// The `vigie` command: TypeScript sources run through tsx's loader, so there is no build step.
import { register } from "tsx/esm/api";

// vigie supports Node 20 itself; the AWS SDK's notice about its own future Node floor is not for our users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
