export { createBackends, type BackendsOptions } from './http-backends.js';
export { backendUrlsFrom } from './urls.js';
export * from './errors.js';
