/**
 * What the observability chart renders, checked by Prometheus' and Alertmanager's own tools (built
 * by the toolchain at the pinned versions): `promtool check rules` on the PrometheusRule of every
 * environment, `amtool check-config` on the example a user puts into the referenced Secret. Each
 * check is shown to fail on a broken input, so a green run means the tools really read the files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensure } from '@kosmos/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildDeps, chartDir, envs, find, renderer } from './helpers.ts';

const render = renderer('observability', 'kosmos-observability');
const tmp = mkdtempSync(join(tmpdir(), 'kosmos-promtool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let promtool: string;
let amtool: string;
beforeAll(async () => {
  await buildDeps('observability');
  // Built once per machine into the tool cache (minutes when cold), then found there.
  promtool = await ensure('promtool');
  amtool = await ensure('amtool');
}, 1_800_000);

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });

async function rulesFile(name: string, opts: Parameters<typeof render>[0]): Promise<string> {
  const rule = find(await render(opts), 'PrometheusRule', 'observability-prometheus');
  const file = join(tmp, `${name}.rules.yaml`);
  writeFileSync(file, stringify({ groups: rule.spec.groups }));
  return file;
}

describe('promtool check rules', () => {
  it.each(envs)('accepts every rule group of the PrometheusRule rendered for %s', async (env) => {
    const file = await rulesFile(env, { env });
    const r = run(promtool, ['check', 'rules', file]);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const n = Number(/SUCCESS: (\d+) rules found/.exec(r.stdout)?.[1]);
    expect(n).toBeGreaterThanOrEqual(20);
  });

  it('fails on a rule whose expression does not parse', async () => {
    const file = await rulesFile('broken', {
      set: {
        'prometheus.alertRules.extraGroups[0].name': 'broken',
        'prometheus.alertRules.extraGroups[0].rules[0].alert': 'Broken',
        'prometheus.alertRules.extraGroups[0].rules[0].expr': 'sum(rate(x[5m])',
      },
    });
    const r = run(promtool, ['check', 'rules', file]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Broken|parse error|unclosed/);
  });
});

describe('amtool check-config', () => {
  const example = join(chartDir('observability'), 'examples', 'alertmanager.yaml');

  it('accepts the example configuration of the README (the content of the referenced Secret)', () => {
    const r = run(amtool, ['check-config', example]);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/- 3 receivers/);
  });

  it('fails on a route to a receiver that does not exist', () => {
    const broken = join(tmp, 'alertmanager-broken.yaml');
    writeFileSync(broken, readFileSync(example, 'utf8').replace('receiver: on-call', 'receiver: nobody'));
    const r = run(amtool, ['check-config', broken]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/nobody/);
  });
});
