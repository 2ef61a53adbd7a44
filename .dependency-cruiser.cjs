/**
 * The "may import" rules of ARCHITECTURE §2, one per folder of src/. `npm run lint` runs them.
 * compose.ts, app.ts and server.ts are the composition root: they may import everything.
 */
const MAY_IMPORT = {
  'config.ts': ['kernel'],
  kernel: [],
  contracts: ['kernel'],
  infra: ['kernel', 'contracts'],
  channels: ['kernel', 'contracts', 'infra'],
  graph: ['contracts'],
  nlu: ['kernel', 'contracts'],
  pipeline: ['kernel', 'contracts', 'infra'],
  jobs: ['kernel', 'contracts', 'infra'],
  workflows: ['kernel', 'contracts', 'infra', 'jobs'],
  flux: ['kernel', 'contracts', 'infra', 'workflows'],
  migration: ['kernel', 'contracts', 'infra', 'graph'],
  routes: ['kernel', 'contracts', 'pipeline', 'channels', 'workflows', 'flux', 'infra'],
  console: ['kernel', 'contracts', 'routes'],
  'demo-backend': ['kernel', 'contracts'],
};
const ROOT = ['compose.ts', 'app.ts', 'server.ts'];
const all = [...Object.keys(MAY_IMPORT), ...ROOT];
const esc = (s) => s.replace(/[.]/g, '\\.');
const pathOf = (part) => (part.endsWith('.ts') ? `^src/${esc(part)}$` : `^src/${esc(part)}/`);

module.exports = {
  forbidden: [
    ...Object.entries(MAY_IMPORT).map(([from, allowed]) => ({
      name: `layer-${from.replace('.ts', '')}`,
      comment: `src/${from} may import ${allowed.length ? allowed.join(', ') : 'nothing of ours'} (ARCHITECTURE §2)`,
      severity: 'error',
      from: { path: pathOf(from) },
      to: {
        path: '^src/',
        pathNot: [pathOf(from), ...allowed.map(pathOf)],
      },
    })),
    {
      name: 'src-not-from-tests-or-scripts',
      comment: 'production code never imports test/, scripts/ or bench/',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts|bench)/' },
    },
    {
      name: 'no-unknown-src-folder',
      comment: 'every file of src/ belongs to a folder of ARCHITECTURE §2',
      severity: 'error',
      from: { path: '^src/', pathNot: all.map(pathOf) },
      to: {},
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
