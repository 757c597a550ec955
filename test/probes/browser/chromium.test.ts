import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BUNDLED_CHROMIUM_VERSION, chromiumPath, launchChromium } from "../../../probes/browser/chromium.ts";

const savedTmp = process.env.TMPDIR;
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

describe("the bundled Chromium", () => {
  it("unpacks into a folder of its release, ignoring an older build left in $TMPDIR/chromium", async () => {
    // arrange: what an earlier @sparticuz/chromium left behind, which the package alone would reuse
    const tmp = mkdtempSync(join(tmpdir(), "vigie-chromium-test-"));
    writeFileSync(join(tmp, "chromium"), "#!/bin/sh\necho 'Chromium 143'\n", { mode: 0o755 });
    process.env.TMPDIR = tmp;

    const path = await chromiumPath({ env: {} });

    expect(path).toBe(join(tmp, `vigie-chromium-${BUNDLED_CHROMIUM_VERSION}`, "chromium"));
    expect(existsSync(path)).toBe(true);
    // no staging folder is left behind
    expect(readdirSync(tmp).sort()).toEqual(["chromium", `vigie-chromium-${BUNDLED_CHROMIUM_VERSION}`]);
    // a second call reuses the unpacked copy
    expect(await chromiumPath({ env: {} })).toBe(path);
  });

  it("runs the Chromium major its @sparticuz/chromium release ships", async () => {
    const browser = await launchChromium({ env: {} });
    try {
      expect(browser.version().split(".")[0]).toBe(BUNDLED_CHROMIUM_VERSION.split(".")[0]);
    } finally {
      await browser.close();
    }
  });

  it("prefers VIGIE_CHROMIUM when it is set", async () => {
    expect(await chromiumPath({ env: { VIGIE_CHROMIUM: "/opt/chromium/chrome" } })).toBe("/opt/chromium/chrome");
  });
});
