// What the functions' environment holds beyond the stack's names: the `${env:NAME}` values the config reads, copied
// from the environment of `sst deploy` (Lambda keeps them encrypted at rest; they are never stored in the table).

/** The values of `names` from the deploying shell; a missing one stops the deploy, named. */
export function envFromShell(names: readonly string[], shell: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const missing = names.filter((name) => shell[name] === undefined);
  if (missing.length > 0) throw new Error(`vigie: set ${missing.join(", ")} in the environment of \`sst deploy\` (the config reads ${missing.length === 1 ? "it" : "them"} with \${env:…})`);
  return Object.fromEntries(names.map((name) => [name, shell[name]!]));
}
