import { describe, expect, it } from 'vitest';
import { compatibleWith, localReplaces, publishedReplaces } from '../src/gomod.ts';

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

describe('publishedReplaces', () => {
  it('lists replaces to published versions (Prometheus pins fsnotify back), leaving local folders out', () => {
    const goMod = `module github.com/prometheus/prometheus

go 1.23.0

replace github.com/fsnotify/fsnotify v1.8.0 => github.com/fsnotify/fsnotify v1.7.0

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	github.com/foo/bar => github.com/fork/bar v1.2.3 // fork
)
`;
    expect(publishedReplaces(goMod)).toEqual([
      { old: 'github.com/fsnotify/fsnotify@v1.8.0', new: 'github.com/fsnotify/fsnotify@v1.7.0' },
      { old: 'github.com/foo/bar', new: 'github.com/fork/bar@v1.2.3' },
    ]);
  });

  it('finds none in a go.mod with only local replaces', () => {
    expect(publishedReplaces('module x\n\nreplace a.b/c => ../c\n')).toEqual([]);
  });
});
