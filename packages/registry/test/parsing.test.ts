import { describe, expect, it } from 'vitest';
import {
  chartLayer,
  credentialsFromDockerConfig,
  dockerConfigFor,
  findCredentials,
  MEDIA,
  nextLink,
  ociTag,
  parseImageRef,
  parseManifest,
  parseRegistryUrl,
  parseWwwAuthenticate,
  provenanceLayer,
} from '../src/index.ts';

const D = (c: string) => `sha256:${c.repeat(64)}`;

describe('WWW-Authenticate', () => {
  it('parses ghcr.io’s bearer challenge', () => {
    expect(
      parseWwwAuthenticate('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/chart:pull"'),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:org/chart:pull' },
      },
    ]);
  });
  it('keeps commas inside quotes (scope pull,push), escapes, spaces and unquoted values', () => {
    expect(
      parseWwwAuthenticate(
        'bearer  realm = "https://a/t" , scope="repository:x:pull,push", error=insufficient_scope, x="a\\"b"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://a/t', scope: 'repository:x:pull,push', error: 'insufficient_scope', x: 'a"b' },
      },
    ]);
  });
  it('parses Basic and several challenges in one header', () => {
    expect(parseWwwAuthenticate('Basic realm="Registry Realm", Bearer realm="https://t",service="s"')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'https://t', service: 's' } },
    ]);
  });
  it('gives nothing for empty or garbage headers, without looping', () => {
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate('=== ,,, "')).toEqual([]);
  });
});

const chartManifest = (layers: { mediaType: string; digest: string; size: number }[]) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.helmConfig, digest: D('c'), size: 120 },
    layers,
    annotations: { 'org.opencontainers.image.created': '2026-11-30T00:00:00Z' },
  });

describe('manifests', () => {
  it('finds the chart layer and the provenance layer of a helm chart', () => {
    const m = parseManifest(
      chartManifest([
        { mediaType: MEDIA.helmChart, digest: D('a'), size: 10 },
        { mediaType: MEDIA.helmProv, digest: D('b'), size: 5 },
      ]),
      'application/vnd.oci.image.manifest.v1+json',
      'm',
    );
    expect(chartLayer(m)?.digest).toBe(D('a'));
    expect(provenanceLayer(m)?.digest).toBe(D('b'));
  });
  it('a container image is not a chart', () => {
    const m = parseManifest(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.dockerManifest,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: D('c'), size: 1 },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: D('d'), size: 2 }],
      }),
      null,
      'm',
    );
    expect(m.kind).toBe('manifest');
    expect(chartLayer(m)).toBeUndefined();
  });
  it('reads an index, taking the media type from Content-Type when the body has none', () => {
    const m = parseManifest(
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA.ociManifest, digest: D('e'), size: 3 }] }),
      `${MEDIA.ociIndex}; charset=utf-8`,
      'm',
    );
    expect(m).toEqual({
      kind: 'index',
      mediaType: MEDIA.ociIndex,
      manifests: [{ mediaType: MEDIA.ociManifest, digest: D('e'), size: 3 }],
    });
    expect(chartLayer(m)).toBeUndefined();
  });
  it.each([
    ['not json', 'm: the manifest is not JSON'],
    ['[1]', 'm: the manifest is not a JSON object'],
    [
      JSON.stringify({ mediaType: 'application/x-nope', layers: [] }),
      'unsupported manifest media type "application/x-nope"',
    ],
    [
      JSON.stringify({ mediaType: MEDIA.ociManifest, config: {}, layers: [] }),
      'm: config.mediaType: expected a string',
    ],
    [
      chartManifest([{ mediaType: MEDIA.helmChart, digest: 'sha256:xyz', size: 1 }]),
      'layers[0].digest: expected sha256:',
    ],
    [
      chartManifest([{ mediaType: MEDIA.helmChart, digest: D('a'), size: -1 }]),
      'layers[0].size: expected a whole number',
    ],
  ])('refuses a malformed manifest: %s', (body, message) => {
    expect(() => parseManifest(body, null, 'm')).toThrow(message);
  });
});

describe('registry URLs and tags', () => {
  it('loopback registries speak plain HTTP, others HTTPS', () => {
    expect(parseRegistryUrl('oci://127.0.0.1:5000/charts')).toEqual({
      host: '127.0.0.1:5000',
      namespace: 'charts',
      plainHttp: true,
      url: 'oci://127.0.0.1:5000/charts',
    });
    expect(parseRegistryUrl('oci://localhost:5000/').plainHttp).toBe(true);
    expect(parseRegistryUrl('oci://GHCR.io/kosmos-platform/charts/')).toEqual({
      host: 'ghcr.io',
      namespace: 'kosmos-platform/charts',
      plainHttp: false,
      url: 'oci://ghcr.io/kosmos-platform/charts',
    });
  });
  it.each([
    ['https://ghcr.io/x', 'expected oci://HOST[:PORT]/PATH'],
    ['ghcr.io/x', 'expected oci://'],
    ['oci://user:pw@ghcr.io/x', 'credentials do not belong in the registry URL'],
    ['oci://ghcr.io/Upper/Case', 'is not a valid repository path'],
  ])('refuses %s as a usage error', (url, message) => {
    try {
      parseRegistryUrl(url);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain(message);
      expect((e as { exitCode: number }).exitCode).toBe(2);
      expect((e as Error).message).not.toContain('pw@');
    }
  });
  it('helm’s tag for a version with build metadata', () => {
    expect(ociTag('1.2.3+build.4')).toBe('1.2.3_build.4');
    expect(ociTag('1.2.3')).toBe('1.2.3');
  });
  it('follows Link pagination', () => {
    expect(nextLink('</v2/charts/x/tags/list?last=b&n=1000>; rel="next"')).toBe('charts/x/tags/list?last=b&n=1000');
    expect(nextLink(null)).toBeUndefined();
  });
});

describe('credentials', () => {
  const cfg = JSON.stringify({
    auths: {
      'ghcr.io': { auth: Buffer.from('bot:s3cr:et').toString('base64') },
      'https://registry.example.com/v2/': { username: 'u', password: 'p' },
    },
  });
  it('reads helm’s registry config (docker format), matching hosts written as URLs', () => {
    expect(credentialsFromDockerConfig(cfg, 'ghcr.io', 'cfg.json')).toEqual({
      username: 'bot',
      password: 's3cr:et',
      source: 'cfg.json',
    });
    expect(credentialsFromDockerConfig(cfg, 'registry.example.com', 'cfg.json')?.username).toBe('u');
    expect(credentialsFromDockerConfig(cfg, 'docker.io', 'cfg.json')).toBeUndefined();
    expect(credentialsFromDockerConfig('{}', 'ghcr.io', 'cfg.json')).toBeUndefined();
  });
  it('a broken config names the file, not its contents', () => {
    expect(() => credentialsFromDockerConfig('{"auths": [', 'ghcr.io', 'cfg.json')).toThrow(/^cfg.json: not JSON/);
    const bad = JSON.stringify({ auths: { 'ghcr.io': { auth: Buffer.from('no-colon-secret').toString('base64') } } });
    expect(() => credentialsFromDockerConfig(bad, 'ghcr.io', 'cfg.json')).toThrow(/auth: expected base64/);
    try {
      credentialsFromDockerConfig(bad, 'ghcr.io', 'cfg.json');
    } catch (e) {
      expect((e as Error).message).not.toContain('no-colon-secret');
    }
  });
  it('environment variables go to their own registry only', async () => {
    const env = {
      KOSMOS_REGISTRY_USERNAME: 'ci',
      KOSMOS_REGISTRY_PASSWORD: 'pw',
      HELM_REGISTRY_CONFIG: '/nonexistent/x.json',
    };
    expect((await findCredentials('ghcr.io', { env, commandHost: 'ghcr.io' }))?.source).toBe(
      'KOSMOS_REGISTRY_USERNAME/KOSMOS_REGISTRY_PASSWORD',
    );
    expect(await findCredentials('docker.io', { env, commandHost: 'ghcr.io' })).toBeUndefined();
    expect(await findCredentials('docker.io', { env: { ...env, KOSMOS_REGISTRY_HOST: 'docker.io' } })).toMatchObject({
      username: 'ci',
    });
  });
  it('writes a docker config helm push can read', () => {
    const text = dockerConfigFor('127.0.0.1:5000', { username: 'a', password: 'b:c' });
    expect(credentialsFromDockerConfig(text, '127.0.0.1:5000', 'x')).toMatchObject({ username: 'a', password: 'b:c' });
  });
});

describe('image references', () => {
  const D = `sha256:${'f'.repeat(64)}`;
  it.each([
    ['nginx', { host: 'registry-1.docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['bitnami/redis:7.2', { host: 'registry-1.docker.io', repository: 'bitnami/redis', tag: '7.2' }],
    ['ghcr.io/kosmos/zeus:v2.0.0', { host: 'ghcr.io', repository: 'kosmos/zeus', tag: 'v2.0.0' }],
    ['127.0.0.1:5000/img:1', { host: '127.0.0.1:5000', repository: 'img', tag: '1' }],
    ['localhost/a/b', { host: 'localhost', repository: 'a/b', tag: 'latest' }],
    [`quay.io/x/y:1.0@${D}`, { host: 'quay.io', repository: 'x/y', tag: '1.0', digest: D }],
    [`quay.io/x/y@${D}`, { host: 'quay.io', repository: 'x/y', digest: D }],
  ])('%s', (ref, want) => {
    expect(parseImageRef(ref)).toEqual(want);
  });
  it.each([
    ['', 'expected [HOST/]PATH'],
    ['ghcr.io/Org/App:1', 'not a valid repository'],
    ['ghcr.io/org/app:bad tag', 'expected [HOST/]PATH'],
    ['ghcr.io/org/app@sha256:abc', 'is not sha256:<64 hex>'],
  ])('refuses %s', (ref, message) => {
    expect(() => parseImageRef(ref)).toThrow(message);
  });
});
