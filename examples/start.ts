// `npm start`: the demo service on 127.0.0.1:4780, then `vigie start` on the example config against it, until Ctrl-C.
import { main } from "../cli/main.ts";
import { startDemoService, DEMO_PORT, DEMO_TOKEN } from "./demo-service.ts";
import { startOrdersDb } from "./orders-db.ts";

// The example's secret, set here so a fresh checkout runs; a real team sets it in its environment.
process.env.ORDERS_TOKEN ??= DEMO_TOKEN;

const demo = await startDemoService(Number(process.env.VIGIE_DEMO_PORT ?? DEMO_PORT));
process.stderr.write(`demo service on ${demo.url}\n`);
// A real PostgreSQL with WAL archiving and base backups, for the example drill "orders-db" (first run ~30 s after start).
const orders = await startOrdersDb((line) => process.stderr.write(`${line}\n`));
process.stderr.write(`orders db (PostgreSQL ${orders.source.port}) archiving to ${orders.source.walDir}\n`);
const code = await main(["start", ...process.argv.slice(2)]);
// A stop signal relayed late by npm or tsx must not end the process before the database is stopped.
const hold = () => process.stderr.write("stopping the orders database…\n");
process.on("SIGINT", hold);
process.on("SIGTERM", hold);
await orders.close();
await demo.close();
process.exitCode = code;
