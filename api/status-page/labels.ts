// Each state is told by a word and an icon; colour only repeats it.
import type { ProbeState, RegionProbeState } from "../status-model.ts";

export const STATE_LABEL: Record<ProbeState, { icon: string; word: string; overall: string }> = {
  up: { icon: "✓", word: "Operational", overall: "All systems operational" },
  degraded: { icon: "!", word: "Degraded", overall: "Some systems degraded" },
  down: { icon: "✕", word: "Down", overall: "Major outage" },
  unknown: { icon: "?", word: "No data", overall: "No data yet" },
  maintenance: { icon: "⚙", word: "Maintenance", overall: "Scheduled maintenance" },
};

export const REGION_WORD: Record<RegionProbeState, string> = { up: "up", degraded: "degraded", down: "down", unknown: "no data" };
