import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { stagesYaml } from '../src/stages.ts';
import { STORAGE_CLASSES } from '../src/topology.ts';

interface Stage {
  kind: string;
  metadata: { name: string };
  spec: { resourceRef: { kind: string }; steps?: { apply?: { template: string } }[]; next?: unknown };
}

describe('kwok stages', () => {
  const stages = parseAllDocuments(stagesYaml()).map((d) => d.toJS() as Stage);

  it("covers nodes, pods and volumes, since any stage replaces all of kwok's defaults", () => {
    const kinds = new Set(stages.map((s) => s.spec.resourceRef.kind));
    expect(kinds).toEqual(new Set(['Node', 'Pod', 'PersistentVolumeClaim', 'PersistentVolume']));
    expect(stages.every((s) => s.kind === 'Stage')).toBe(true);
    expect(new Set(stages.map((s) => s.metadata.name)).size).toBe(stages.length);
  });

  it('provisions each storage class with the reclaim policy that class declares', () => {
    for (const sc of STORAGE_CLASSES) {
      const s = stages.find((x) => x.metadata.name === `kosmos-provision-${sc.name}`);
      const template = s?.spec.steps?.[0]?.apply?.template ?? '';
      expect(template).toContain(`storageClassName: ${sc.name}`);
      expect(template).toContain(`persistentVolumeReclaimPolicy: ${sc.reclaimPolicy}`);
    }
  });
});
