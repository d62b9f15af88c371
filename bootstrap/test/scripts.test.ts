import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNodeConfigs } from '@kosmos/bootstrap';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool, run, SCRIPTS, tempDir, writeTree } from './helpers.ts';

const scripts = ['install-server.sh', 'install-agent.sh', 'upgrade.sh', 'etcd-snapshot.sh'];
const tmp = tempDir('scripts');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bootstrap scripts', () => {
  it('are shellcheck-clean (Debian shellcheck), rendered check script included', async () => {
    const shellcheck = requireTool('shellcheck');
    const rendered = join(tmp, 'check-apiserver.sh');
    const prod = await renderNodeConfigs('production');
    writeFileSync(rendered, prod.get('nodes/kosmos-prod-1/rootfs/etc/keepalived/check-apiserver.sh') ?? '');
    const files = [...scripts.map((s) => join(SCRIPTS, s)), join(SCRIPTS, 'lib/install-common.sh'), rendered];
    const r = run(shellcheck, ['--external-sources', '--severity=style', ...files], { cwd: SCRIPTS });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('start with set -euo pipefail and answer --help', () => {
    for (const s of scripts) {
      const text = readFileSync(join(SCRIPTS, s), 'utf8');
      expect(text.startsWith('#!/usr/bin/env bash\n'), s).toBe(true);
      expect(text, s).toContain('\nset -euo pipefail\n');
      const r = run(join(SCRIPTS, s), ['--help']);
      expect(r.status, `${s} --help: ${r.stderr}`).toBe(0);
      expect(r.stdout, s).toMatch(/^Usage: /);
      expect(r.stdout, s).toContain('--dry-run');
      const bad = run(join(SCRIPTS, s), ['--no-such-flag']);
      expect(bad.status, s).toBe(2);
    }
  });

  it('a flag given without its value is a usage error (exit 2, one line), not a bash expansion error', () => {
    const cases: [string, string[]][] = [
      ['etcd-snapshot.sh', ['--k3s', '--dir']],
      ['etcd-snapshot.sh', ['--endpoints']],
      ['etcd-snapshot.sh', ['--k3s', '--prefix', '--dry-run']],
      ['upgrade.sh', ['--plan']],
      ['upgrade.sh', ['--kubeconfig']],
      ['install-server.sh', ['--from']],
      ['install-agent.sh', ['--from', 'x', '--version']],
      ['install-agent.sh', ['--root', '', '--from', 'x']],
    ];
    for (const [s, args] of cases) {
      const r = run(join(SCRIPTS, s), args);
      const what = `${s} ${args.join(' ')}`;
      expect(r.status, what).toBe(2);
      expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
      expect(r.stderr, what).toMatch(new RegExp(`^${s.replace('.', '\\.')}: --[a-z-]+ needs .+ \\(see --help\\)\n$`));
    }
  });

  it('the check script accepts 200 and 401 only (curl stand-in)', async () => {
    const prod = await renderNodeConfigs('production');
    const dir = join(tmp, 'curl');
    writeTree(
      dir,
      new Map([
        ['check.sh', prod.get('nodes/kosmos-prod-1/rootfs/etc/keepalived/check-apiserver.sh') ?? ''],
        ['bin/curl', '#!/bin/sh\nprintf %s "$FAKE_CODE"\n[ "$FAKE_CODE" != 000 ]\n'],
      ]),
    );
    chmodSync(join(dir, 'bin/curl'), 0o755);
    for (const [code, want] of [
      ['200', 0],
      ['401', 0],
      ['500', 1],
      ['403', 1],
      ['000', 1],
    ] as const) {
      const r = run('sh', [join(dir, 'check.sh')], {
        env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, FAKE_CODE: code },
      });
      expect(r.status, `HTTP ${code}`).toBe(want);
    }
  });
});

describe('install-server.sh / install-agent.sh (under --root, K3s installer replaced by a recorder)', () => {
  const root = join(tmp, 'root');
  const installer = join(tmp, 'fake-k3s-install.sh');
  const record = join(tmp, 'installer-calls');
  // The stand-in does what get.k3s.io does to the file system: puts k3s at /usr/local/bin.
  writeFileSync(
    installer,
    `#!/bin/sh
set -eu
{ echo "version=$INSTALL_K3S_VERSION exec=$INSTALL_K3S_EXEC args=$*"; env | grep -c -e '^K3S_TOKEN=' -e '^KOSMOS_K3S_TOKEN=' || true; } >> '${record}'
mkdir -p "$KOSMOS_ROOT/usr/local/bin"
printf '#!/bin/sh\\necho "k3s version %s (fake)"\\n' "$INSTALL_K3S_VERSION" > "$KOSMOS_ROOT/usr/local/bin/k3s"
chmod 755 "$KOSMOS_ROOT/usr/local/bin/k3s"
`,
  );
  mkdirSync(root);
  const token = 'K10fake-test-token::server:0123456789abcdef';

  it('installs with modes, reads the token from the named variable, and a second run changes nothing', async () => {
    const staging = await renderNodeConfigs('staging');
    const out = join(tmp, 'render');
    writeTree(out, staging);
    const from = join(out, 'nodes/kosmos-staging-1');
    const env = { ...process.env, K3S_INSTALL_SCRIPT: installer, KOSMOS_K3S_TOKEN: token };
    const args = ['--from', from, '--root', root];

    const dry = run(join(SCRIPTS, 'install-server.sh'), [...args, '--dry-run'], { env });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('would install /etc/rancher/k3s/config.yaml (0600, new)');
    expect(existsSync(join(root, 'etc'))).toBe(false);

    const first = run(join(SCRIPTS, 'install-server.sh'), args, { env });
    expect(first.status, first.stderr).toBe(0);
    const mode = (p: string) => (statSync(join(root, p)).mode & 0o777).toString(8);
    expect(mode('etc/rancher/k3s/config.yaml')).toBe('600');
    expect(mode('etc/rancher/k3s/pod-security.yaml')).toBe('600');
    expect(mode('etc/rancher/k3s/cluster-token')).toBe('600');
    expect(mode('etc/systemd/system/kosmos-etcd-snapshot.timer')).toBe('644');
    expect(mode('usr/local/sbin/kosmos-etcd-snapshot')).toBe('700');
    expect(readFileSync(join(root, 'etc/rancher/k3s/cluster-token'), 'utf8')).toBe(`${token}\n`);
    expect(first.stdout + first.stderr).not.toContain(token);
    // The installer saw the version and role, and neither the token nor its variable.
    expect(readFileSync(record, 'utf8')).toBe('version=v1.33.5+k3s1 exec=server args=\n0\n');

    const snapshotBefore = readdirSync(root, { recursive: true })
      .map(String)
      .sort()
      .map((p) => [p, statSync(join(root, p)).mtimeMs]);
    const second = run(join(SCRIPTS, 'install-server.sh'), args, { env });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain('nothing to do: kosmos-staging-1 is up to date');
    expect(
      readFileSync(record, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('version=')).length,
    ).toBe(1);
    expect(
      readdirSync(root, { recursive: true })
        .map(String)
        .sort()
        .map((p) => [p, statSync(join(root, p)).mtimeMs]),
    ).toEqual(snapshotBefore);
  });

  it('refuses to replace an existing different token and never prints either', async () => {
    const from = join(tmp, 'render/nodes/kosmos-staging-1');
    const r = run(join(SCRIPTS, 'install-server.sh'), ['--from', from, '--root', root], {
      env: { ...process.env, K3S_INSTALL_SCRIPT: installer, KOSMOS_K3S_TOKEN: 'K10other::server:ffff' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('refusing to replace a cluster token');
    expect(r.stderr).not.toContain('K10');
  });

  it('install-agent.sh refuses a server directory; production servers need the VRRP auth file', async () => {
    const prod = await renderNodeConfigs('production');
    const out = join(tmp, 'render-prod');
    writeTree(out, prod);
    const wrongRole = run(join(SCRIPTS, 'install-agent.sh'), ['--from', join(out, 'nodes/kosmos-prod-1'), '--dry-run']);
    expect(wrongRole.status).toBe(1);
    expect(wrongRole.stderr).toContain('use install-server.sh');
    const noAuth = run(
      join(SCRIPTS, 'install-server.sh'),
      ['--from', join(out, 'nodes/kosmos-prod-1'), '--root', root, '--dry-run'],
      {
        env: { ...process.env, K3S_INSTALL_SCRIPT: installer },
      },
    );
    expect(noAuth.status).toBe(1);
    expect(noAuth.stderr).toContain('/etc/keepalived/vrrp-auth.conf, which is missing');
  });
});
