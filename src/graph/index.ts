/** The pure conversation engine: public surface. */
export { createEngine } from './engine.js';
