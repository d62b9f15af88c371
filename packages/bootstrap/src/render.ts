/**
 * Rendering: inventory -> map of output path -> file content. Pure: the templates and the scripts
 * embedded in cloud-init are passed in; nothing here reads or writes files. Output is deterministic.
 */
import Handlebars from 'handlebars';
import { stringify } from 'yaml';
import {
  BOOTSTRAP_DIR,
  CHECK_SCRIPT,
  effectiveK3sConfig,
  extraK3sConfig,
  isFirstServer,
  SNAPSHOT_BIN,
  servers,
  tokenEnv,
  tokenFile,
  upgradeOrder,
  vrrpPriority,
} from './model.ts';
import type { Inventory, Node } from './types.ts';

/** Template sources by file name (`k3s-config.yaml.hbs`, ...), as in bootstrap/templates/. */
export type Templates = Record<string, string>;
/** Script sources by path under bootstrap/scripts/ (`install-server.sh`, `lib/install-common.sh`, ...). */
export type Scripts = Record<string, string>;

export interface RenderInput {
  inventory: Inventory;
  templates: Templates;
  scripts: Scripts;
  /** Environment name and the inventory's repo-relative path, quoted in each file's header. */
  env: string;
  source: string;
}

export const TEMPLATE_NAMES = [
  'k3s-config.yaml.hbs',
  'pod-security.yaml.hbs',
  'keepalived.conf.hbs',
  'check-apiserver.sh.hbs',
  'kosmos-etcd-snapshot.service.hbs',
  'kosmos-etcd-snapshot.timer.hbs',
  'node.env.hbs',
  'user-data.yaml.hbs',
  'upgrade-plan.tsv.hbs',
] as const;

/** Scripts each role's cloud-init lays down under BOOTSTRAP_DIR/scripts. */
const SCRIPTS_FOR = {
  server: ['install-server.sh', 'lib/install-common.sh', 'etcd-snapshot.sh'],
  agent: ['install-agent.sh', 'lib/install-common.sh'],
} as const;

/** Mode of a rendered file once installed on the node (install-common.sh applies the same rules). */
export function installMode(path: string): string {
  if (path.startsWith('/etc/systemd/system/')) return '0644';
  if (path.endsWith('.sh') || path.startsWith('/usr/local/sbin/')) return '0700';
  return '0600';
}

function engine(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper('yaml', (v: unknown) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
    throw new Error(`yaml helper: scalar expected, got ${JSON.stringify(v)}`);
  });
  hb.registerHelper('yamlBlock', (v: unknown) => stringify(v, { lineWidth: 0 }).trimEnd());
  hb.registerHelper('indent', (text: unknown, n: unknown) => {
    const pad = ' '.repeat(Number(n));
    return String(text)
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => (l.length ? pad + l : l))
      .join('\n');
  });
  return hb;
}

function nodeDir(n: Node): string {
  return `nodes/${n.name}`;
}

/** Renders every file for every node plus the cluster-wide upgrade plan, keyed by output path, sorted. */
export function render(input: RenderInput): Map<string, string> {
  const { inventory: inv, templates, scripts } = input;
  const hb = engine();
  const compiled = new Map<string, HandlebarsTemplateDelegate>();
  const tpl = (name: (typeof TEMPLATE_NAMES)[number], ctx: object): string => {
    let t = compiled.get(name);
    if (!t) {
      const src = templates[name];
      if (src === undefined) throw new Error(`template ${name} is missing`);
      t = hb.compile(src, { noEscape: true, strict: true });
      compiled.set(name, t);
    }
    return t(ctx);
  };

  const header = `Rendered by \`pnpm bootstrap render --env ${input.env}\` from ${input.source}; do not edit.`;
  const out = new Map<string, string>();
  const srv = servers(inv);

  for (const node of inv.nodes) {
    const server = node.role === 'server';
    const keepalived = server && inv.vip !== undefined;
    const base = {
      header,
      node,
      server,
      keepalived,
      firstServer: isFirstServer(inv, node),
      k3sVersion: inv.cluster.k3sVersion,
      tokenFile: tokenFile(inv),
      tokenEnv: tokenEnv(inv),
      snapshotBin: SNAPSHOT_BIN,
      bootstrapDir: BOOTSTRAP_DIR,
    };
    // Files installed on the node, by their absolute path there.
    const rootfs = new Map<string, string>();
    const extra = extraK3sConfig(inv, node);
    rootfs.set(
      '/etc/rancher/k3s/config.yaml',
      tpl('k3s-config.yaml.hbs', {
        ...base,
        k3s: { server: null, ...effectiveK3sConfig(inv, node) },
        extra: Object.keys(extra).length ? extra : null,
      }),
    );
    if (server) {
      rootfs.set(
        '/etc/rancher/k3s/pod-security.yaml',
        tpl('pod-security.yaml.hbs', { ...base, ps: inv.cluster.podSecurity }),
      );
      const backup = inv.snapshots.backup;
      rootfs.set(
        '/etc/systemd/system/kosmos-etcd-snapshot.service',
        tpl('kosmos-etcd-snapshot.service.hbs', { ...base, backup }),
      );
      rootfs.set(
        '/etc/systemd/system/kosmos-etcd-snapshot.timer',
        tpl('kosmos-etcd-snapshot.timer.hbs', { ...base, backup }),
      );
    }
    if (keepalived && inv.vip) {
      const vip = { ...inv.vip, auth: inv.vip.auth ?? null };
      const ctx = {
        ...base,
        vip,
        instance: `${inv.cluster.name.replace(/-/g, '_')}_api`,
        priority: vrrpPriority(inv, node),
        peers: srv.filter((s) => s.name !== node.name),
        checkScript: CHECK_SCRIPT,
        curlMaxTime: Math.max(1, vip.check.timeout - 0.5),
      };
      rootfs.set('/etc/keepalived/keepalived.conf', tpl('keepalived.conf.hbs', ctx));
      rootfs.set(CHECK_SCRIPT, tpl('check-apiserver.sh.hbs', ctx));
    }
    const sortedRootfs = [...rootfs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const dir = nodeDir(node);
    const nodeEnv = tpl('node.env.hbs', base);
    for (const [path, content] of sortedRootfs) out.set(`${dir}/rootfs${path}`, content);
    out.set(`${dir}/node.env`, nodeEnv);

    // cloud-init stages the node directory and the scripts; install-<role>.sh then installs them.
    const staged = `${BOOTSTRAP_DIR}/node`;
    const files = [
      ...sortedRootfs.map(([path, content]) => ({ path: `${staged}/rootfs${path}`, mode: '0600', content })),
      { path: `${staged}/node.env`, mode: '0600', content: nodeEnv },
      ...SCRIPTS_FOR[node.role].map((name) => {
        const content = scripts[name];
        if (content === undefined) throw new Error(`script ${name} is missing`);
        return { path: `${BOOTSTRAP_DIR}/scripts/${name}`, mode: '0700', content };
      }),
    ];
    out.set(
      `${dir}/user-data`,
      tpl('user-data.yaml.hbs', {
        ...base,
        files,
        installScript: `${BOOTSTRAP_DIR}/scripts/install-${node.role}.sh`,
        nodeDir: staged,
      }),
    );
  }

  out.set('cluster/upgrade-plan.tsv', tpl('upgrade-plan.tsv.hbs', { header, order: upgradeOrder(inv) }));
  out.set('cluster/k3s-version', `${inv.cluster.k3sVersion}\n`);
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
