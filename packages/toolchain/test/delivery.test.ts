import { describe, expect, it } from 'vitest';
import { COMPONENTS, componentOf, TOOL_NAMES } from '../src/catalog.ts';
import { parseVersion } from '../src/probe.ts';

describe('actionlint and crane in the catalog', () => {
  it('pins the versions TOOLCHAIN.md verified, built with go install', () => {
    expect(componentOf('actionlint')).toMatchObject({
      version: 'v1.7.12',
      recipe: { kind: 'go-install', packages: { actionlint: 'github.com/rhysd/actionlint/cmd/actionlint' } },
    });
    expect(componentOf('crane')).toMatchObject({
      version: 'v0.22.1',
      recipe: { kind: 'go-install', packages: { crane: 'github.com/google/go-containerregistry/cmd/crane' } },
    });
  });

  it('are built by `pnpm run tools` like every other tool', () => {
    expect(TOOL_NAMES).toEqual(expect.arrayContaining(['actionlint', 'crane']));
    expect(new Set(COMPONENTS.map((c) => c.id)).size).toBe(COMPONENTS.length);
  });

  it('reads the versions they print and accepts no older actionlint than the pinned one', () => {
    expect(parseVersion('v1.7.12\ninstalled by building from source\nbuilt with go1.26.8 compiler')).toBe('v1.7.12');
    expect(parseVersion('v0.22.1\n')).toBe('v0.22.1');
    expect(componentOf('actionlint').accepts('v1.7.7')).toBe(false);
    expect(componentOf('actionlint').accepts('v1.7.12')).toBe(true);
    expect(componentOf('crane').accepts('v0.22.1')).toBe(true);
    expect(componentOf('crane').accepts('v0.19.0')).toBe(false);
  });
});

describe('one build per Go module version', () => {
  it('no two components build the same root module at the same version', () => {
    const roots = COMPONENTS.flatMap((c) => (c.recipe.kind === 'go-module' ? [c.recipe.root] : []));
    expect(roots.filter((r, i) => roots.indexOf(r) !== i)).toEqual([]);
  });

  it('the Prometheus module yields the server and promtool from one component, cached together', () => {
    expect(componentOf('prometheus')).toBe(componentOf('promtool'));
    expect(componentOf('promtool')).toMatchObject({ id: 'prometheus', version: 'v0.305.0' });
    expect(Object.keys(componentOf('prometheus').recipe.packages).sort()).toEqual(['prometheus', 'promtool']);
    // A promtool of another release on PATH is passed over: both binaries are one pinned version.
    expect(componentOf('promtool').accepts('3.4.0')).toBe(false);
    expect(componentOf('promtool').accepts('v3.5.0')).toBe(true);
  });
});

describe('Argo CD in the catalog', () => {
  it('builds one binary at v3.2.11 and links the components to it by name', () => {
    const c = componentOf('argocd-repo-server');
    expect(c).toBe(componentOf('argocd-application-controller'));
    expect(c.version).toBe('v3.2.11');
    expect(c.recipe).toMatchObject({
      kind: 'go-module',
      copyPublishedReplaces: true,
      packages: { argocd: 'github.com/argoproj/argo-cd/v3/cmd' },
      links: { 'argocd-repo-server': 'argocd', 'argocd-applicationset-controller': 'argocd' },
    });
    expect(c.accepts('v3.2.12')).toBe(false);
    expect(TOOL_NAMES).toEqual(expect.arrayContaining(['argocd-application-controller']));
  });
});
