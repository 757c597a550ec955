// `npm run bench [name...]`: runs each benchmark in its own process, one after the other, so none skews another.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const ALL = ["http", "truth", "browser", "store", "status-page", "alerting", "paging", "drill", "aws"];
const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : ALL;
let failed = false;
for (const name of names) {
  const file = path.join(import.meta.dirname, `${name}.ts`);
  if (!existsSync(file)) {
    console.error(`no benchmark "${name}" (known: ${ALL.join(", ")})`);
    failed = true;
    continue;
  }
  console.log(`\n=== bench/${name}.ts ===`);
  const run = spawnSync(process.execPath, ["--import", "tsx", file], { stdio: "inherit" });
  if (run.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
