// The demo's PostgreSQL "orders" database: WAL archived (1 MB segments, at least every 30 s), a base backup at start
// and every 10 minutes (the newest 3 kept, with the WAL they need), and a writer adding an order every second.
import path from "node:path";
import { startSourceCluster, type SourceCluster } from "../drills/index.ts";

/** Where the demo database, its base backups and its WAL archive live (the example drill points here). */
export const ORDERS_DB_ROOT = path.resolve(".vigie", "demo-orders");
export const ORDERS_BASE_DIR = path.join(ORDERS_DB_ROOT, "base");
export const ORDERS_WAL_DIR = path.join(ORDERS_DB_ROOT, "wal");

export interface OrdersDb {
  source: SourceCluster;
  close(): Promise<void>;
}

export async function startOrdersDb(log: (line: string) => void): Promise<OrdersDb> {
  const source = await startSourceCluster({ root: ORDERS_DB_ROOT, archiveTimeoutS: 30, walSegmentMb: 1 });
  await source.client.query("create table if not exists orders (id bigserial primary key, item text not null, created_at timestamptz not null default clock_timestamp())");
  const backup = async () => {
    const folder = await source.baseBackup();
    await source.prune(3);
    log(`orders db: base backup ${path.basename(folder)}`);
  };
  await backup();
  const items = ["book", "lamp", "mug", "pen", "plant"];
  let n = 0;
  const writer = setInterval(() => {
    void source.client.query("insert into orders (item) values ($1)", [items[n++ % items.length]]).catch(() => {});
  }, 1_000);
  const backups = setInterval(() => void backup().catch((error: unknown) => log(`orders db: base backup failed: ${(error as Error).message}`)), 10 * 60_000);
  return {
    source,
    async close() {
      clearInterval(writer);
      clearInterval(backups);
      await source.stop();
    },
  };
}
