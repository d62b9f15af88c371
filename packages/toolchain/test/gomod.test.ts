import { describe, expect, it } from 'vitest';
import { compatibleWith, localReplaces, publishedReplaces, replaceArg } from '../src/gomod.ts';

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
  const goMod = `module github.com/argoproj/argo-rollouts

replace (
	github.com/go-check/check => github.com/go-check/check v0.0.0-20180628173108-788fd7840127
	k8s.io/api v0.0.0 => k8s.io/api v0.29.3 // pinned
	github.com/x/local => ./local
)

replace github.com/fsnotify/fsnotify v1.8.0 => github.com/fsnotify/fsnotify v1.7.0
replace example.com/up => ../up
`;
  it('lists replaces that point at published modules, keeping a version-specific left side', () => {
    expect(publishedReplaces(goMod)).toEqual([
      {
        from: 'github.com/go-check/check',
        to: 'github.com/go-check/check',
        toVersion: 'v0.0.0-20180628173108-788fd7840127',
      },
      { from: 'k8s.io/api', fromVersion: 'v0.0.0', to: 'k8s.io/api', toVersion: 'v0.29.3' },
      {
        from: 'github.com/fsnotify/fsnotify',
        fromVersion: 'v1.8.0',
        to: 'github.com/fsnotify/fsnotify',
        toVersion: 'v1.7.0',
      },
    ]);
  });

  it('renders go mod edit arguments', () => {
    expect(publishedReplaces(goMod).map(replaceArg)).toEqual([
      '-replace=github.com/go-check/check=github.com/go-check/check@v0.0.0-20180628173108-788fd7840127',
      '-replace=k8s.io/api@v0.0.0=k8s.io/api@v0.29.3',
      '-replace=github.com/fsnotify/fsnotify@v1.8.0=github.com/fsnotify/fsnotify@v1.7.0',
    ]);
  });
});
