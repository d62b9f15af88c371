import { describe, expect, it } from 'vitest';
import { ALL_RULES, formatJson, formatSarif, formatText, type LintReport, parseHelmLint } from '../src/index.ts';

const report: LintReport = {
  envs: ['dev'],
  objects: 10,
  checkSeconds: 0.002,
  schemaSeconds: 1,
  skipped: [],
  findings: [
    {
      ruleId: 'values-schema',
      severity: 'error',
      file: 'environments/dev/values/core-agents.yaml',
      line: 3,
      col: 3,
      env: 'dev',
      release: 'core-agents',
      message: 'agentDefaults.bogus: unknown key "bogus"',
    },
    {
      ruleId: 'read-only-root-fs',
      severity: 'warning',
      file: 'charts/core-agents/templates/deployment.yaml',
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'kosmos-core', name: 'zeus' },
      env: 'dev',
      release: 'core-agents',
      message: 'container "zeus": securityContext.readOnlyRootFilesystem is not true',
    },
  ],
};

describe('output', () => {
  it('SARIF parses as JSON, is version 2.1.0 and carries every rule id', () => {
    const sarif = JSON.parse(formatSarif(report, ALL_RULES));
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'helm-lint',
        'values-schema',
        'k8s-schema',
        'crd-schema',
        'container-resources',
        'default-deny-network-policy',
        'deprecated-api',
      ]),
    );
    expect(run.results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['values-schema', 'read-only-root-fs']);
    const [values, template] = run.results;
    expect(values.level).toBe('error');
    expect(run.tool.driver.rules[values.ruleIndex].id).toBe('values-schema');
    expect(values.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'environments/dev/values/core-agents.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: 3, startColumn: 3 },
    });
    expect(template.level).toBe('warning');
    expect(template.locations[0].physicalLocation.region).toBeUndefined();
    expect(template.message.text).toBe(
      '[dev/core-agents] Deployment kosmos-core/zeus: container "zeus": securityContext.readOnlyRootFilesystem is not true',
    );
  });

  it('text groups by environment and release and ends with the summary line', () => {
    const text = formatText(report);
    expect(text.split('\n')[0]).toBe('dev');
    expect(text).toContain('  core-agents\n');
    expect(text.trimEnd().split('\n').pop()).toBe('1 error, 1 warning in 10 objects (5000 objects/s)');
  });

  it('JSON carries the findings and a summary', () => {
    const json = JSON.parse(formatJson(report));
    expect(json.summary).toEqual({ errors: 1, warnings: 1, notes: 0, objects: 10, objectsPerSecond: 5000 });
    expect(json.findings).toHaveLength(2);
  });

  it("parses helm lint's ERROR and WARNING lines (with continuations), not INFO", () => {
    const out = [
      '==> Linting charts/core-agents',
      '[INFO] Chart.yaml: icon is recommended',
      "[ERROR] values.yaml: - at '/agentDefaults': additional properties 'bogus' not allowed",
      '',
      '[WARNING] templates/deployment.yaml: object name does not conform to Kubernetes naming requirements',
      '[ERROR] templates/: parse error at (core-agents/templates/hpa.yaml:12): unexpected EOF',
      '',
      'Error: 1 chart(s) linted, 1 chart(s) failed',
    ].join('\n');
    expect(parseHelmLint(out, 'charts/core-agents')).toEqual([
      {
        ruleId: 'helm-lint',
        severity: 'error',
        file: 'charts/core-agents/values.yaml',
        message: "- at '/agentDefaults': additional properties 'bogus' not allowed",
      },
      {
        ruleId: 'helm-lint',
        severity: 'error',
        file: 'charts/core-agents/templates/deployment.yaml',
        message: '[WARNING] object name does not conform to Kubernetes naming requirements',
      },
      {
        ruleId: 'helm-lint',
        severity: 'error',
        file: 'charts/core-agents/templates',
        line: 12,
        message: 'parse error at (core-agents/templates/hpa.yaml:12): unexpected EOF',
      },
    ]);
  });
});
