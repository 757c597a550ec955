// Launches headless Chromium for playwright-core: the binary @sparticuz/chromium ships (the one Lambda runs), or VIGIE_CHROMIUM.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import chromiumBinary from "@sparticuz/chromium";
import type { Browser } from "playwright-core";

/** The @sparticuz/chromium release installed; its major is the Chromium major it ships. */
export const BUNDLED_CHROMIUM_VERSION: string = (
  JSON.parse(
    readFileSync(join(dirname(createRequire(import.meta.url).resolve("@sparticuz/chromium")), "..", "package.json"), "utf8"),
  ) as { version: string }
).version;

/** Flags for a closed network and a root user; background traffic would hit refused connections. */
const QUIET_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export interface ChromiumOptions {
  /** Another Chromium, e.g. "/usr/bin/chromium". Default: env VIGIE_CHROMIUM, else @sparticuz/chromium's. */
  executablePath?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

const inLambda = (env: NodeJS.ProcessEnv) => Boolean(env.AWS_LAMBDA_FUNCTION_NAME);

/** Where the bundled Chromium is unpacked outside Lambda: one folder per release. */
export function bundledChromiumDir(version = BUNDLED_CHROMIUM_VERSION): string {
  return join(tmpdir(), `vigie-chromium-${version}`);
}

/**
 * The path of the Chromium to run, unpacking the bundled one on first use.
 *
 * @sparticuz/chromium unpacks to `$TMPDIR/chromium` and reuses whatever it finds there without
 * checking its version, so after an upgrade it would silently run the old build. Outside Lambda
 * (whose /tmp is private to one deployment) it unpacks into a folder named after its release.
 */
export async function chromiumPath(options: ChromiumOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const chosen = options.executablePath ?? env.VIGIE_CHROMIUM;
  if (chosen) return chosen;
  if (inLambda(env)) return chromiumBinary.executablePath();
  const dir = bundledChromiumDir();
  const binary = join(dir, "chromium");
  if (existsSync(binary)) return binary;
  // Unpack into a folder of this process's own, then rename it into place: a second process (a
  // parallel test worker, a second runner) never sees a half-written binary.
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  await mkdir(staging, { recursive: true });
  // The package reads os.tmpdir() synchronously when it starts unpacking, before its first await,
  // so pointing TMPDIR at our folder for that one call affects nothing else.
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  let unpacking: Promise<string>;
  try {
    unpacking = chromiumBinary.executablePath();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  try {
    await unpacking;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  try {
    await rename(staging, dir);
  } catch {
    // Another process got there first (or an empty folder was left): theirs is complete, ours goes.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(binary)) {
      await rm(dir, { recursive: true, force: true });
      return chromiumPath(options);
    }
  }
  return binary;
}

/** Thrown when the bundled Chromium that started is not the release vigie was installed with. */
export class ChromiumVersionError extends Error {
  override name = "ChromiumVersionError";
  readonly code = "CHROMIUM_VERSION";
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  const env = options.env ?? process.env;
  const executablePath = await chromiumPath(options);
  const bundled = !options.executablePath && !env.VIGIE_CHROMIUM;
  // Outside Lambda `--single-process` makes closing a context kill the whole browser.
  const args = bundled
    ? chromiumBinary.args.filter((flag) => inLambda(env) || flag !== "--single-process")
    : [];
  // Loaded on the first launch: playwright-core takes about 2 s to import, which every `vigie start` and
  // `vigie test` paid even with no browser probe.
  const { chromium } = await import("playwright-core");
  // The runner owns the process's signals: Playwright's own handlers would exit before `vigie start` drains.
  const browser = await chromium.launch({
    executablePath,
    args: [...new Set([...args, ...QUIET_FLAGS])],
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  if (bundled) {
    const expected = BUNDLED_CHROMIUM_VERSION.split(".")[0];
    const running = browser.version().split(".")[0];
    if (running !== expected) {
      await browser.close().catch(() => undefined);
      throw new ChromiumVersionError(
        `${executablePath} is Chromium ${browser.version()}, but @sparticuz/chromium ${BUNDLED_CHROMIUM_VERSION} ships Chromium ${expected}: delete ${executablePath} and run again`,
      );
    }
  }
  return browser;
}
