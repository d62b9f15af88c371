import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { root } from './helpers.ts';

const charts = readdirSync(join(root, 'charts'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

describe('every chart is a workspace package that changesets can version', () => {
  it.each(charts)('%s: package.json version equals Chart.yaml version', (chart) => {
    const meta = parse(readFileSync(join(root, 'charts', chart, 'Chart.yaml'), 'utf8')) as {
      name: string;
      version: string;
    };
    const pkg = JSON.parse(readFileSync(join(root, 'charts', chart, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      private?: boolean;
    };
    expect(pkg.version).toBe(meta.version);
    expect(pkg.private).toBe(true);
    expect(pkg.name).toMatch(/^@kosmos-charts\//);
  });

  it.each(charts)('%s: the current version has a CHANGELOG entry and artifacthub.io/changes', (chart) => {
    const meta = parse(readFileSync(join(root, 'charts', chart, 'Chart.yaml'), 'utf8')) as {
      version: string;
      annotations?: Record<string, string>;
    };
    const log = readFileSync(join(root, 'charts', chart, 'CHANGELOG.md'), 'utf8');
    expect(log).toContain(`## ${meta.version}`);
    const changes = parse(meta.annotations?.['artifacthub.io/changes'] ?? '[]') as {
      kind: string;
      description: string;
    }[];
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes)
      expect(['added', 'changed', 'deprecated', 'removed', 'fixed', 'security']).toContain(c.kind);
  });

  it('found all seven charts', () => {
    expect(charts.sort()).toEqual([
      'common',
      'core-agents',
      'data-tier',
      'ingress',
      'observability',
      'platform',
      'rollouts',
    ]);
  });
});
