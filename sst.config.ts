/// <reference path="./.sst/platform/config.d.ts" />
// The AWS stack (SST 4.17.1): `npx sst deploy --stage prod`. What exists where comes from core/plan; stacks/ wires it.
export default $config({
  app(input) {
    return {
      name: "vigie",
      // A production stage keeps its table (results, incidents) when removed; other stages are removed whole.
      removal: input?.stage === "prod" ? "retain" : "remove",
      protect: input?.stage === "prod",
      home: "aws",
      providers: { aws: { version: "7.20.0" } },
    };
  },
  async run() {
    const { Config } = await import("./index.ts");
    const { default: raw } = await import("./vigie.config.ts");
    const { buildPlan } = await import("./core/plan/index.ts");
    const { deployVigie } = await import("./stacks/index.ts");
    const config = Config.parse(raw);
    const plan = buildPlan(config);
    const errors = plan.problems.filter((problem) => problem.severity === "error");
    if (errors.length > 0) throw new Error(`vigie plan: ${errors.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
    return deployVigie(plan, config);
  },
});
