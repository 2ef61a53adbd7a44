export { createDemoBackend, type DemoBackend, type DemoBackendOptions, type FailureInjection } from './server.js';
export { DEMO_IDS, DEMO_PHONES, seedDemoData, type DemoData } from './seed.js';
export type { DemoCounters, OperationCounters } from './counters.js';
