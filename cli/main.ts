// The `vigie` command line: parses arguments and dispatches to one command.
import { parseArgs } from "node:util";
import { processIo, type CliIo } from "./io.ts";
import { validate } from "./commands/validate.ts";
import { test } from "./commands/test.ts";
import { start } from "./commands/start.ts";
import { planCommand } from "./commands/plan.ts";
import { drill } from "./commands/drill.ts";

const USAGE = `usage: vigie <command> [options]

commands:
  validate [--config F]                      check the config; exit 2 with every problem when invalid
  test [--config F] [--probe ID]... [--region NAME] [--reporter table|json] [--concurrency N]
                                             run each selected probe once, now; exit 1 when one failed
  test --remote [--stage S] [--region NAME] ...
                                             the same, in the deployed runner of each region (stage default prod)
  start [--config F] [--port N] [--data DIR] run everything on this machine until SIGINT/SIGTERM
  plan [--config F] [--reporter table|json]  what would be deployed on AWS, where, and its monthly cost
  drill ID [--config F] [--data DIR] [--reporter table|json]
                                             run one DR drill now; exit 1 when an objective was missed or it failed

options:
  --config F     the config file (default: vigie.config.ts, .mts, .js or .json in this folder)
  --port N       start: the API and status page port (default 8787; 0 picks a free one)
  --data DIR     start, drill: where results (and drill copies) are kept (default .vigie)
  -h, --help     this text
`;

const OPTIONS = {
  config: { type: "string" },
  probe: { type: "string", multiple: true },
  region: { type: "string" },
  reporter: { type: "string" },
  concurrency: { type: "string" },
  port: { type: "string" },
  data: { type: "string" },
  remote: { type: "boolean" },
  stage: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr).write(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === "drill") {
    if (rest.length !== 1) {
      io.stderr.write(`drill: give exactly one drill id\n\n${USAGE}`);
      return 2;
    }
    return drill({ id: rest[0]!, config: values.config, data: values.data, reporter: values.reporter }, io);
  }
  if (rest.length > 0) {
    io.stderr.write(`unexpected argument "${rest[0]}"\n\n${USAGE}`);
    return 2;
  }
  const positiveInt = (name: string, text: string | undefined): number | undefined | Error => {
    if (text === undefined) return undefined;
    const value = Number(text);
    return Number.isInteger(value) && value > 0 ? value : new Error(`--${name}: must be a positive whole number, not "${text}"`);
  };
  switch (command) {
    case "validate":
      return validate({ config: values.config }, io);
    case "test": {
      const concurrency = positiveInt("concurrency", values.concurrency);
      if (concurrency instanceof Error) {
        io.stderr.write(`${concurrency.message}\n`);
        return 2;
      }
      return test({ config: values.config, probe: values.probe, region: values.region, reporter: values.reporter, concurrency, remote: values.remote, stage: values.stage }, io);
    }
    case "start": {
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
        io.stderr.write(`--port: must be a port number from 0 to 65535 (0 picks a free one), not "${values.port}"\n`);
        return 2;
      }
      return start({ config: values.config, port, data: values.data }, io);
    }
    case "plan":
      return planCommand({ config: values.config, reporter: values.reporter }, io);
    default:
      io.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
