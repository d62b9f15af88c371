import { describe, expect, it } from 'vitest';
import { compatibleWith, localReplaces } from '../src/gomod.ts';

describe('localReplaces', () => {
  it('lists modules replaced by local folders, in blocks and single lines, and nothing else', () => {
    const goMod = `module k8s.io/kubernetes

go 1.25.0

require (
	k8s.io/api v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/apimachinery => ./staging/src/k8s.io/apimachinery // comment
	github.com/foo/bar => github.com/foo/bar v1.2.3
)

replace go.etcd.io/etcd/api/v3 => ../api
replace example.com/pinned v1.0.0 => ./local/pinned
`;
    expect(localReplaces(goMod)).toEqual([
      'example.com/pinned',
      'go.etcd.io/etcd/api/v3',
      'k8s.io/api',
      'k8s.io/apimachinery',
    ]);
  });

  it('finds none in a go.mod without local replaces', () => {
    expect(localReplaces('module x\n\ngo 1.24\n\nrequire a.b/c v1.0.0\n')).toEqual([]);
  });
});

describe('compatibleWith', () => {
  it.each([
    ['go.etcd.io/etcd/api/v3', 'v3.6.10', true],
    ['go.etcd.io/etcd', 'v3.6.10', false],
    ['k8s.io/api', 'v0.36.3', true],
    ['example.com/m/v2', 'v3.0.0', false],
    ['example.com/m', 'v1.2.0', true],
  ])('%s at %s: %s', (m, v, ok) => expect(compatibleWith(m, v)).toBe(ok));
});
