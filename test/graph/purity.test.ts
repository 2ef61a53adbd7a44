import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const GRAPH = join(ROOT, 'src/graph');
const FORBIDDEN = [/^node:(fs|net|http|https|child_process)/, /^(fs|net|http|https)$/, /^@aws-sdk\//, /\/(infra|routes|pipeline)\//];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  for (const m of source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)) {
    specifiers.push(m[1] ?? m[2] ?? m[3]);
  }
  return specifiers;
}

describe('src/graph purity boundary', () => {
  it('when any engine file is scanned, then it imports only zod, contracts and other graph files', () => {
    const offenders: string[] = [];
    for (const file of filesUnder(GRAPH)) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const allowed = spec === 'zod' || spec.startsWith('./') || spec.startsWith('../');
        const resolvedPath = spec.startsWith('.') ? resolve(file, '..', spec) : spec;
        const insideAllowed = !spec.startsWith('.') || resolvedPath.startsWith(GRAPH) || resolvedPath.startsWith(join(ROOT, 'src/contracts'));
        if (!allowed || !insideAllowed || FORBIDDEN.some((re) => re.test(spec))) offenders.push(`${relative(ROOT, file)} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('when the engine code is scanned, then it reads no wall clock and awaits nothing', () => {
    const offenders = filesUnder(GRAPH).filter((file) => /Date\.now\(|new Date\(\)|\bawait\b|Math\.random/.test(readFileSync(file, 'utf8')));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('when a forbidden import is planted in a sample, then the scanner reports it', () => {
    expect(importsOf("import { x } from '../infra/clock.js';\nimport fs from 'node:fs';")).toEqual(['../infra/clock.js', 'node:fs']);
    expect(FORBIDDEN.some((re) => re.test('node:fs'))).toBe(true);
    expect(FORBIDDEN.some((re) => re.test('@aws-sdk/client-dynamodb'))).toBe(true);
  });
});
