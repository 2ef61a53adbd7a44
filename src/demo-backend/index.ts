export { createDemoBackend, type DemoBackend, type DemoBackendOptions, type FailureInjection } from './server.js';
export { DEMO_IDS, DEMO_PHONES, demoShiftIds, seedDemoData, type DemoData, type DemoShiftIds } from './seed.js';
export type { DemoCounters, OperationCounters } from './counters.js';
