// The layers of src/, enforced by test/layers.test.ts (npm test):
//   cli → commands → codecommit | git → aws → leaves (errors, context, version, util)
// Imports only point down; commands never import each other; nothing forms a
// cycle, dynamic import() included. Type-only imports count too.
const layer = (name, path, mayNotImport) => ({
  name,
  comment: `${path} is below ${mayNotImport.join(", ")}`,
  severity: "error",
  from: { path },
  to: { path: mayNotImport.map((p) => `^src/${p}`) },
});

module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      comment: "an import cycle (dynamic imports and type-only imports count)",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    layer("leaves-import-no-layer", "^src/(errors|context|version)\\.ts$|^src/util/", ["cli", "commands/", "codecommit/", "git/", "aws/"]),
    layer("aws-below-codecommit-git-commands", "^src/aws/", ["cli", "commands/", "codecommit/", "git/"]),
    layer("codecommit-below-commands", "^src/codecommit/", ["cli", "commands/", "git/"]),
    layer("git-below-commands", "^src/git/", ["cli", "commands/", "codecommit/"]),
    layer("commands-below-cli", "^src/commands/", ["cli"]),
    {
      name: "no-sibling-command",
      comment: "a command imports no other command: what two share belongs in a lower layer",
      severity: "error",
      from: { path: "^src/commands/([^/]+)\\.ts$" },
      to: { path: "^src/commands/", pathNot: "^src/commands/$1\\.ts$" },
    },
    {
      name: "providers-only-from-the-chain",
      comment: "credential providers are reached through the provider table in src/aws/chain.ts",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/aws/(chain\\.ts|providers/)" },
      to: { path: "^src/aws/providers/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    moduleSystems: ["es6", "cjs"],
  },
};
