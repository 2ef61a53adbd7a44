/**
 * The server the pipeline benchmark drives, as its own process (real HTTP, own event loop).
 * Same composition as `npm start`, with the minimal help engine so the figures measure the
 * pipeline (dedup, lock, load, commit, outbox) rather than the conversation flows.
 */
import { loadConfig } from '../src/config.js';
import { createService } from '../src/compose.js';
import { createHelpEngine } from './help-engine.js';

const config = loadConfig();
const service = await createService(config, { engine: createHelpEngine() });
const { port } = await service.start(config.PORT);
console.log(JSON.stringify({ ready: true, port }));
const stop = async () => {
  await service.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
