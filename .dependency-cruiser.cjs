/**
 * `npm run lint` part 3: the "may import" table of ARCHITECTURE §2, one rule per folder of src/,
 * plus the engine's purity, the no-I/O core, no cycles and no production import of tests.
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
  migration: ['kernel', 'contracts', 'infra', 'graph/state.ts'],
  // LGPD use-cases (erase, export, audit): the erasure is a workflow type over every store.
  privacy: ['kernel', 'contracts', 'infra', 'workflows'],
  routes: ['kernel', 'contracts', 'pipeline', 'channels', 'workflows', 'flux', 'privacy', 'infra'],
  console: ['kernel', 'contracts', 'routes'],
  'demo-backend': ['kernel', 'contracts'],
};
const ROOT = ['compose.ts', 'app.ts', 'server.ts'];
const KNOWN = [...Object.keys(MAY_IMPORT), ...ROOT];
const esc = (s) => s.replace(/[.]/g, '\\.');
const pathOf = (part) => (part.endsWith('.ts') ? `^src/${esc(part)}$` : `^src/${esc(part)}/`);
/** Node modules that reach disks, networks or other processes. */
const IO_CORE = '^(node:)?(fs|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads)(/|$)';

module.exports = {
  forbidden: [
    ...Object.entries(MAY_IMPORT).map(([from, allowed]) => ({
      name: `layer-${from.replace('.ts', '')}`,
      comment: `src/${from} may import ${allowed.length ? allowed.join(', ') : 'nothing of ours'} (ARCHITECTURE §2)`,
      severity: 'error',
      from: { path: pathOf(from) },
      to: { path: '^src/', pathNot: [pathOf(from), ...allowed.map(pathOf)] },
    })),
    {
      name: 'graph-pure',
      comment: 'src/graph is pure (ARCHITECTURE §5): of the outside world it imports zod only',
      severity: 'error',
      from: { path: pathOf('graph') },
      to: { dependencyTypesNot: ['local'], pathNot: '(^|/)node_modules/zod/' },
    },
    {
      name: 'flux-rules-pure',
      comment: "flux control's trigger rule is a pure function (ARCHITECTURE §9): src/flux/rules.ts imports only the flux model",
      severity: 'error',
      from: { path: '^src/flux/rules\\.ts$' },
      to: { pathNot: ['^src/flux/model\\.ts$', '(^|/)node_modules/zod/'] },
    },
    {
      name: 'core-no-io',
      comment: 'kernel, contracts and config do no I/O (ARCHITECTURE §2): no file, network or process modules, no AWS SDK',
      severity: 'error',
      from: { path: [pathOf('kernel'), pathOf('contracts'), pathOf('config.ts')] },
      to: { path: [IO_CORE, '^node_modules/@aws-sdk/'] },
    },
    {
      name: 'console-through-use-cases',
      comment:
        'src/console reaches routes only through their use-cases (ops-views.ts) and HTTP helpers (http.ts), never a router: one rule, two doors (ARCHITECTURE §2, §11)',
      severity: 'error',
      from: { path: pathOf('console') },
      to: { path: pathOf('routes'), pathNot: ['^src/routes/ops-views\\.ts$', '^src/routes/http\\.ts$'] },
    },
    {
      name: 'src-not-from-tests-or-scripts',
      comment: 'production code never imports test/, scripts/ or bench/',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts|bench)/' },
    },
    {
      name: 'no-unknown-src-folder',
      comment: 'every file of src/ belongs to a folder of ARCHITECTURE §2 (checked on both ends of an import)',
      severity: 'error',
      from: {},
      to: { path: '^src/', pathNot: KNOWN.map(pathOf) },
    },
    {
      name: 'no-unknown-src-folder-importer',
      comment: 'every file of src/ belongs to a folder of ARCHITECTURE §2',
      severity: 'error',
      from: { path: '^src/', pathNot: KNOWN.map(pathOf) },
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
