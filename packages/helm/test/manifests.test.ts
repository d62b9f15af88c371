import { describe, expect, it } from 'vitest';
import { parseManifestDocs, parseManifests } from '../src/manifests.ts';

describe('parseManifestDocs', () => {
  it('reads each document with the template its Source line names, and keeps its text', () => {
    const text = [
      '---',
      '# Source: app/templates/cm.yaml',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: a',
      'data:',
      '  when: 2024-01-01',
      '  yes: on',
      '  n: "1"',
      '  block: |',
      '    line one',
      '    --- not a marker: indented',
      '---',
      '# Source: app/templates/empty.yaml',
      '---',
      '# Source: app/templates/svc.yaml',
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: b}',
      '',
    ].join('\n');
    const docs = parseManifestDocs(text);
    expect(docs.map((d) => d.source)).toEqual(['app/templates/cm.yaml', 'app/templates/svc.yaml']);
    // YAML 1.2 core: a date and yes/on stay strings, as the `yaml` library read them.
    expect(docs[0]?.object.data).toEqual({
      when: '2024-01-01',
      yes: 'on',
      n: '1',
      block: 'line one\n--- not a marker: indented\n',
    });
    expect(docs[0]?.text).toBe(text.split('\n').slice(2, 13).join('\n').concat('\n'));
    expect(docs[1]?.object.metadata.name).toBe('b');
  });

  it('reads a stream without a leading marker, and content on a marker line', () => {
    expect(
      parseManifests('kind: A\nmetadata: {name: x}\n--- {kind: B, metadata: {name: y}}\n').map((o) => o.kind),
    ).toEqual(['A', 'B']);
  });

  it('a parse error names the origin and line, never the text around it', () => {
    const secret = 'hunter2-secret-value';
    const text = `---\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: ${secret}\n\tbad: tab\n`;
    let message = '';
    try {
      parseManifestDocs(text, 'helm template app');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^helm template app: line 6, column \d+: /);
    expect(message).not.toContain(secret);
  });

  it('a document that is not an object is refused', () => {
    expect(() => parseManifestDocs('---\n- a\n- b\n', 'x')).toThrow(/x: a document is not a Kubernetes object/);
  });
});
