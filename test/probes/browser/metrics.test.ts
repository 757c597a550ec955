import { describe, expect, it } from "vitest";
import { busySpans, cumulativeLayoutShift, findQuietWindow, quietRequests, totalBlockingTime, type PageRequest } from "../../../probes/browser/metrics.ts";

const quiet = { from: 100, floor: 50, longTasks: [] as Array<[number, number]>, busy: [] as Array<[number, number]>, window: 500 };

describe("findQuietWindow", () => {
  it("settles at FCP when nothing happens after it", () => {
    expect(findQuietWindow({ ...quiet, now: 600 })).toEqual({ settled: true, tti: 100, quietFrom: 100 });
  });

  it("is not DOMContentLoaded-blind: TTI is never before the floor", () => {
    expect(findQuietWindow({ ...quiet, floor: 180, now: 600 })).toMatchObject({ settled: true, tti: 180 });
  });

  it("puts TTI at the end of the last long task before the quiet window", () => {
    const longTasks: Array<[number, number]> = [[200, 260], [400, 700]];
    expect(findQuietWindow({ ...quiet, longTasks, now: 1200 })).toEqual({ settled: true, tti: 700, quietFrom: 700 });
  });

  it("ignores long tasks after the first quiet window", () => {
    const longTasks: Array<[number, number]> = [[150, 210], [900, 1000]];
    expect(findQuietWindow({ ...quiet, longTasks, now: 1200 })).toEqual({ settled: true, tti: 210, quietFrom: 210 });
  });

  it("says when the window could close at the earliest while it is still open", () => {
    expect(findQuietWindow({ ...quiet, longTasks: [[150, 300]], now: 500 })).toEqual({ settled: false, earliestAt: 800 });
  });

  it("treats more than two requests in flight as not quiet", () => {
    expect(findQuietWindow({ ...quiet, busy: [[120, 450]], now: 900 })).toEqual({ settled: false, earliestAt: 950 });
    expect(findQuietWindow({ ...quiet, busy: [[120, 450]], now: 950 })).toEqual({ settled: true, tti: 100, quietFrom: 450 });
  });

  it("cannot say when while the network is busy now", () => {
    expect(findQuietWindow({ ...quiet, busy: [[120, Infinity]], now: 2000 })).toEqual({ settled: false, earliestAt: null });
  });
});

describe("totalBlockingTime", () => {
  it("sums the part over 50 ms of each long task, clipped to FCP and TTI", () => {
    const tasks: Array<[number, number]> = [[0, 120], [200, 240], [300, 600], [900, 1000]];
    // [100, 120] clipped: 20 ms, not blocking; [200, 240]: 40 ms; [300, 600]: 250; [900, 1000] after TTI.
    expect(totalBlockingTime(tasks, 100, 800)).toBe(250);
    expect(totalBlockingTime(tasks, 100, 500)).toBe(150);
  });
});

describe("cumulativeLayoutShift", () => {
  it("is the largest session window, not the sum of all shifts", () => {
    const shifts: Array<[number, number]> = [[100, 0.1], [500, 0.05], [3000, 0.2]];
    expect(cumulativeLayoutShift(shifts)).toBeCloseTo(0.2);
    expect(cumulativeLayoutShift([[100, 0.1], [500, 0.05]])).toBeCloseTo(0.15);
  });

  it("closes a session window after 5 s even when shifts keep coming", () => {
    const shifts: Array<[number, number]> = Array.from({ length: 12 }, (_, i) => [i * 900, 0.01] as [number, number]);
    expect(cumulativeLayoutShift(shifts)).toBeCloseTo(0.06);
  });
});

describe("busySpans", () => {
  it("marks where more than two requests are in flight", () => {
    const requests = [
      { start: 0, end: 100 },
      { start: 10, end: 50 },
      { start: 20, end: 30 },
      { start: 40, end: null },
    ];
    expect(busySpans(requests)).toEqual([[20, 30], [40, 50]]);
  });

  it("leaves a span open while requests never finish", () => {
    expect(busySpans([{ start: 0, end: null }, { start: 1, end: null }, { start: 2, end: null }])).toEqual([[2, Infinity]]);
  });
});

describe("quietRequests", () => {
  const get = (start: number, end: number | null, extra: Partial<PageRequest> = {}): PageRequest => ({ start, end, method: "GET", url: "https://acme.dev/x", ...extra });

  it("counts finished GET requests, and leaves out non-GET, failed, 4xx/5xx, WebSocket and data: requests as Lighthouse does", () => {
    const requests = [
      get(10, 50),
      get(10, 60, { method: "POST" }),
      get(10, 70, { failed: true }),
      get(10, 80, { status: 404 }),
      get(10, 90, { url: "wss://acme.dev/live" }),
      get(10, 20, { url: "data:image/png;base64,AAAA" }),
    ];
    expect(quietRequests(requests, 1000, 500)).toEqual({ requests: [{ start: 10, end: 50 }], reconsiderAt: null });
  });

  it("counts a request in flight until it has been open for the quiet window, then leaves it out as long-lived", () => {
    const open = [get(100, null), get(120, null), get(130, null)];
    expect(quietRequests(open, 400, 500)).toEqual({ requests: open.map(({ start }) => ({ start, end: null })), reconsiderAt: 600 });
    expect(quietRequests(open, 610, 500)).toEqual({ requests: [{ start: 120, end: null }, { start: 130, end: null }], reconsiderAt: 620 });
    expect(quietRequests(open, 630, 500)).toEqual({ requests: [], reconsiderAt: null });
  });

  it("makes three long-lived requests no obstacle to a quiet window, and a slow one that finished one again", () => {
    const base = { from: 100, floor: 0, longTasks: [], window: 500 };
    const open = [get(100, null), get(120, null), get(130, null)];
    const busyWhileYoung = busySpans(quietRequests(open, 400, 500).requests);
    expect(findQuietWindow({ ...base, busy: busyWhileYoung, now: 400 })).toEqual({ settled: false, earliestAt: null });
    expect(findQuietWindow({ ...base, busy: busySpans(quietRequests(open, 700, 500).requests), now: 700 })).toEqual({ settled: true, tti: 100, quietFrom: 100 });
    const slow = [get(100, 900), get(120, 900), get(130, 900)];
    expect(findQuietWindow({ ...base, busy: busySpans(quietRequests(slow, 1000, 500).requests), now: 1000 })).toEqual({ settled: false, earliestAt: 1400 });
  });
});
