// Launches headless Chromium for playwright-core: the binary @sparticuz/chromium ships (the one Lambda runs), or VIGIE_CHROMIUM.
import chromiumBinary from "@sparticuz/chromium";
import { chromium, type Browser } from "playwright-core";

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

/** The path of the Chromium to run, unpacking the bundled one (to /tmp/chromium) on first use. */
export async function chromiumPath(options: ChromiumOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  return options.executablePath ?? env.VIGIE_CHROMIUM ?? (await chromiumBinary.executablePath());
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  const env = options.env ?? process.env;
  const executablePath = await chromiumPath(options);
  const bundled = !options.executablePath && !env.VIGIE_CHROMIUM;
  // Outside Lambda `--single-process` makes closing a context kill the whole browser.
  const args = bundled
    ? chromiumBinary.args.filter((flag) => inLambda(env) || flag !== "--single-process")
    : [];
  // The runner owns the process's signals: Playwright's own handlers would exit before `vigie start` drains.
  return chromium.launch({
    executablePath,
    args: [...new Set([...args, ...QUIET_FLAGS])],
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}
