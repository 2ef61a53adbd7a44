export { createDemoBackend, type DemoBackend } from './server.js';
export { DEMO_IDS, DEMO_PHONES, seedDemoData } from './seed.js';
