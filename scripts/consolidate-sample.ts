/** Writes a small sample dataset and config under ./.data/sample/ and prints the command that runs it. */
import { relative } from 'node:path';
import { writeSampleDataset } from '../src/jobs/consolidation/sample-dataset.js';

const dataset = await writeSampleDataset('./.data/sample');
const config = relative(process.cwd(), dataset.configPath);
console.log(`Sample dataset written to ${relative(process.cwd(), dataset.root)}/`);
console.log('  input/sor/…/anomesdia=20240115, 20240116   (Parquet, "online", preference 1)');
console.log('  input/sot/…/anomesdia=20240110, 20240116   (CSV, "batch", preference 2)');
console.log(`  config: ${config}`);
console.log('\nRun it with:');
console.log(`  npm run consolidate -- --config ${config}`);
