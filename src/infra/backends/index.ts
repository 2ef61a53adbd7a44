export { createBackends, type BackendsOptions, type HttpBackends } from './http-backends.js';
export { backendUrlsFrom } from './urls.js';
export * from './errors.js';
