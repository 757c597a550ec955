// A JSON file the deploy puts at a function's package root (SST `copyFiles`, LAMBDA_TASK_ROOT), read once at cold start;
// an error names the file and what it should have held.
import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The parsed JSON of `name` in the function's package (Lambda's LAMBDA_TASK_ROOT, else the working directory), with
 * the file's path. `what` says what it holds ("the http runner's probe group"); `fail` builds the error to throw.
 */
export function readPackageJson(name: string, env: NodeJS.ProcessEnv, what: string, fail: (message: string, cause: unknown) => Error): { file: string; json: unknown } {
  const file = path.join(env.LAMBDA_TASK_ROOT ?? process.cwd(), name);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw fail(`${file}: ${what} cannot be read (${(error as Error).message}); the deploy writes it beside the bundle (stacks/)`, error);
  }
  try {
    return { file, json: JSON.parse(text) };
  } catch (error) {
    throw fail(`${file}: ${what} is not JSON (${(error as Error).message})`, error);
  }
}
