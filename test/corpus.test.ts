import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from '@kosmos/testkit';
import { ensure } from '@kosmos/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The bad-input corpus: mistakes people make, each through the command they would run. For each:
// the documented exit code, one line on stderr naming the file, field or value and what was
// expected, no stack trace, no secret it was given, and nothing changed (the copy of the
// repository, and the storage of the corpus's real registries, hashed before and after). One row
// per mistake; a verb that lands later adds rows, nothing else. Exit codes are each command's
// documented ones: 2 is bad input, except for diff, where 2 means drift and any failure is 1, and
// promote, where 3 means a gate refused.

const repo = resolve(import.meta.dirname, '..');
const LAUNCH = join(repo, 'scripts/launch.mjs');

/**
 * Real registries on loopback for the mistakes that meet one (started once for the corpus): an
 * open one, one that wants a password nobody here has, and a port nothing listens on.
 */
interface Registries {
  open: string;
  auth: string;
  down: string;
}

interface Mistake {
  /** What the person did. */
  name: string;
  verb: string;
  args: string[] | ((r: Registries) => string[]);
  /** Edit the copy of the repository (paths relative to it) before the command runs. */
  edit?: (f: Files, r: Registries) => void;
  exit: number;
  /** A line of stderr that says what is wrong and where. */
  says: RegExp;
  /** Extra environment (an empty state folder: the local cluster is not running). */
  env?: Record<string, string>;
  /** Text that must appear nowhere in the output (a password, a token). */
  never?: string[];
}

interface Files {
  root: string;
  read(p: string): string;
  write(p: string, text: string): void;
  replace(p: string, from: string | RegExp, to: string): void;
}

const ENV = 'environments/dev/environment.yaml';
const STAGING = 'environments/staging/environment.yaml';
const PROD = 'environments/production/environment.yaml';

/** Production's cluster read from a kubeconfig of its own that has no contexts at all. */
function emptyKubeconfig(f: Files): void {
  f.write(
    'environments/production/k.kubeconfig',
    'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n',
  );
  f.replace(PROD, /cluster:\n(\s+)context: ([\w-]+)/, 'cluster:\n$1context: $2\n$1kubeconfig: ./k.kubeconfig');
}
const CORE = 'environments/dev/values/core-agents.yaml';
const INV = 'environments/production/inventory.yaml';
const CORE_CHART = 'charts/core-agents/Chart.yaml';

const append = (p: string, text: string) => (f: Files) => f.write(p, f.read(p) + text);

const corpus: Mistake[] = [
  // environment.yaml
  {
    name: 'malformed YAML in environment.yaml',
    verb: 'render',
    args: ['--env', 'dev'],
    edit: append(ENV, 'releases: [\n'),
    exit: 2,
    says: /environment\.yaml:\d+:\d+: invalid YAML/,
  },
  {
    name: 'tab indentation in environment.yaml',
    verb: 'lint',
    args: ['--env', 'dev'],
    edit: (f) => f.replace(ENV, '  local: true', '\tlocal: true'),
    exit: 2,
    says: /environment\.yaml:\d+:\d+: invalid YAML: .*[Tt]ab/,
  },
  {
    name: 'unknown key in environment.yaml',
    verb: 'render',
    args: ['--env', 'dev'],
    edit: append(ENV, 'clutser: {}\n'),
    exit: 2,
    says: /environment\.yaml:\d+:1: clutser: unknown key "clutser"/,
  },
  {
    name: 'wrong type: kubernetesVersion a list',
    verb: 'diff',
    args: ['--env', 'dev'],
    edit: (f) => f.replace(ENV, 'kubernetesVersion: 1.36.3', 'kubernetesVersion: [1.36.3]'),
    exit: 1,
    says: /environment\.yaml:\d+:\d+: kubernetesVersion: expected string/,
  },
  {
    name: 'an environment that does not exist',
    verb: 'render',
    args: ['--env', 'qa'],
    exit: 2,
    says: /unknown environment "qa" \(known: dev, production, staging\)/,
  },
  {
    name: 'a release that does not exist',
    verb: 'render',
    args: ['--env', 'dev', '--release', 'core-agent'],
    exit: 2,
    says: /unknown release "core-agent" in dev \(releases: .*core-agents/,
  },
  {
    name: 'a chart that does not exist',
    verb: 'lint',
    args: ['--env', 'dev'],
    edit: (f) => f.replace(ENV, 'chart: rollouts', 'chart: rollout'),
    exit: 2,
    says: /environment\.yaml:\d+:\d+: releases\[\d\]\.chart: no chart "rollout" in charts\//,
  },
  {
    name: 'a values file that does not exist',
    verb: 'render',
    args: ['--env', 'dev'],
    edit: (f) => f.replace(ENV, 'values/ingress.yaml', 'values/ingres.yaml'),
    exit: 2,
    says: /releases\[\d\]\.values\[0\]: values file not found: environments\/dev\/values\/ingres\.yaml/,
  },
  {
    name: 'a pin that is not semver',
    verb: 'render',
    args: ['--env', 'staging'],
    edit: (f) => f.replace(STAGING, /version: \d+\.\d+\.\d+/, 'version: 1.x'),
    exit: 2,
    says: /environment\.yaml:\d+:\d+: releases\[0\]\.version: .*got "1\.x"/,
  },
  {
    name: 'duplicate release names',
    verb: 'status',
    args: ['--env', 'dev'],
    edit: (f) => f.replace(ENV, 'name: rollouts', 'name: ingress'),
    exit: 2,
    says: /releases\[\d\]\.name: duplicate release name "ingress"/,
  },
  {
    name: 'a needs cycle',
    verb: 'diff',
    args: ['--env', 'dev'],
    edit: (f) =>
      f.replace(ENV, /(name: platform\n(?:.*\n){3}\s+values: \[values\/platform\.yaml\])/, '$1\n    needs: [ingress]'),
    exit: 1,
    says: /needs form a cycle: .*ingress/,
  },
  {
    name: 'needs names no release',
    verb: 'render',
    args: ['--env', 'dev'],
    edit: (f) => f.replace(ENV, 'needs: [platform]', 'needs: [platfrom]'),
    exit: 2,
    says: /needs "platfrom", which is not a release of this environment/,
  },
  {
    name: '"tree" pinned where versions are promoted in',
    verb: 'lint',
    args: ['--env', 'staging'],
    edit: (f) => f.replace(STAGING, /version: \d+\.\d+\.\d+/, 'version: tree'),
    exit: 2,
    says: /releases\[0\]\.version: "tree" is only allowed where nothing is promoted in/,
  },
  {
    name: 'promotesFrom an environment that does not exist',
    verb: 'lint',
    args: [],
    edit: (f) => f.replace(PROD, /promotesFrom: \w+/, 'promotesFrom: stagging'),
    exit: 2,
    says: /promotesFrom: no environment "stagging"/,
  },
  {
    name: 'an empty environment.yaml',
    verb: 'render',
    args: ['--env', 'dev'],
    edit: (f) => f.write(ENV, ''),
    exit: 2,
    says: /environment\.yaml:1:1: expected (a map|object)/,
  },
  {
    name: 'an alias bomb in environment.yaml',
    verb: 'render',
    args: ['--env', 'dev'],
    edit: (f) =>
      f.write(
        ENV,
        'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
      ),
    exit: 2,
    says: /environment\.yaml:\d+:\d+: invalid YAML: Excessive alias count/,
  },
  // values files
  {
    name: 'a values key the chart does not know',
    verb: 'render',
    args: ['--env', 'dev', '--release', 'core-agents'],
    edit: append(CORE, 'replicas: 2\n'),
    exit: 2,
    says: /core-agents\.yaml:\d+:1: replicas: unknown key "replicas" \(expected one of: /,
  },
  {
    name: 'a values value of the wrong type',
    verb: 'render',
    args: ['--env', 'dev', '--release', 'core-agents'],
    edit: (f) => f.replace(CORE, /replicaCount: 1/, 'replicaCount: one'),
    exit: 2,
    says: /core-agents\.yaml:\d+:\d+: agentDefaults\.replicaCount: expected integer/,
  },
  {
    name: 'a tab-indented values file',
    verb: 'render',
    args: ['--env', 'dev', '--release', 'core-agents'],
    edit: (f) => f.replace(CORE, '  replicaCount: 1', '\treplicaCount: 1'),
    exit: 2,
    says: /core-agents\.yaml:\d+:\d+: invalid YAML: Tabs are not allowed/,
  },
  {
    name: 'a duplicate key in a values file',
    verb: 'render',
    args: ['--env', 'dev', '--release', 'core-agents'],
    edit: append(CORE, 'environment: prod\n'),
    exit: 2,
    says: /core-agents\.yaml:\d+:\d+: invalid YAML: Map keys must be unique/,
  },
  {
    name: 'malformed YAML in a values file, through lint',
    verb: 'lint',
    args: ['--env', 'dev', '--skip-upstream'],
    edit: append(CORE, 'agents: [\n'),
    exit: 1,
    says: /core-agents\.yaml:\d+:\d+: .*invalid YAML/,
  },
  // flags
  {
    name: 'an unknown flag',
    verb: 'render',
    args: ['--env', 'dev', '--ouput', 'x'],
    exit: 2,
    says: /^render: Unknown option '--ouput'/,
  },
  { name: 'render without --env', verb: 'render', args: [], exit: 2, says: /--env is required/ },
  {
    name: 'render --all and --env together',
    verb: 'render',
    args: ['--all', '--env', 'dev'],
    exit: 2,
    says: /--all and --env: give one or the other/,
  },
  {
    name: 'render --from with a bad value',
    verb: 'render',
    args: ['--env', 'dev', '--from', 'git'],
    exit: 2,
    says: /--from: expected auto, tree or registry, got "git"/,
  },
  {
    name: 'render --for with an engine we do not render for',
    verb: 'render',
    args: ['--env', 'staging', '--for', 'flux'],
    exit: 2,
    says: /--for: expected argocd, got "flux"/,
  },
  {
    name: 'render dev (the tree) for Argo CD',
    verb: 'render',
    args: ['--env', 'dev', '--for', 'argocd'],
    edit: append(ENV, 'argocd: { prune: true }\n'),
    exit: 2,
    says: /^render: dev: .* follow the tree \("version: tree"\): Argo CD syncs released charts/,
  },
  {
    name: 'render for Argo CD an environment not handed to it',
    verb: 'render',
    args: ['--env', 'staging', '--for', 'argocd'],
    exit: 2,
    says: /staging is not handed to Argo CD: add "argocd:" .* to environments\/staging\/environment\.yaml/,
  },
  {
    name: 'both cluster and clusters in environment.yaml',
    verb: 'render',
    args: ['--env', 'staging'],
    edit: append(STAGING, 'clusters:\n  - { name: site-a, context: a }\n'),
    exit: 2,
    says: /environment\.yaml:\d+:\d+: clusters: give either "cluster" \(one cluster\) or "clusters", not both/,
  },
  {
    name: 'render --concurrency 0',
    verb: 'render',
    args: ['--env', 'dev', '--concurrency', '0'],
    exit: 2,
    says: /--concurrency/,
  },
  {
    name: 'lint --format that does not exist',
    verb: 'lint',
    args: ['--format', 'xml'],
    exit: 2,
    says: /--format.*xml/,
  },
  { name: 'diff without --env', verb: 'diff', args: [], exit: 1, says: /--env is required/ },
  {
    name: 'status of an environment that does not exist',
    verb: 'status',
    args: ['--env', 'prod'],
    exit: 2,
    says: /unknown environment "prod"/,
  },
  {
    name: 'up --timeout that is not a number',
    verb: 'up',
    args: ['--timeout', 'soon'],
    exit: 2,
    says: /--timeout: expected a positive number of seconds, got "soon"/,
  },
  {
    name: 'down with an unknown flag',
    verb: 'down',
    args: ['--force'],
    exit: 2,
    says: /^down: Unknown option '--force'/,
  },
  // clusters
  {
    name: 'diff while the local cluster is not running',
    verb: 'diff',
    args: ['--env', 'dev', '--skip-upstream'],
    exit: 1,
    says: /not running.*pnpm run up/,
    env: { KOSMOS_STATE_DIR: '/nonexistent/kosmos-state' },
  },
  {
    name: 'status while the local cluster is not running',
    verb: 'status',
    args: ['--env', 'dev', '--skip-upstream'],
    exit: 1,
    says: /unreachable|not running/,
    env: { KOSMOS_STATE_DIR: '/nonexistent/kosmos-state' },
  },
  {
    name: 'a kubeconfig that does not exist',
    verb: 'diff',
    args: ['--env', 'production', '--skip-upstream'],
    edit: (f) =>
      f.replace(
        PROD,
        /cluster:\n(\s+)context: ([\w-]+)/,
        'cluster:\n$1context: $2\n$1kubeconfig: ./missing.kubeconfig',
      ),
    exit: 1,
    says: /kubeconfig .*missing\.kubeconfig.*not found/,
  },
  {
    name: 'a context the kubeconfig does not have',
    verb: 'diff',
    args: ['--env', 'production', '--skip-upstream'],
    edit: emptyKubeconfig,
    exit: 1,
    says: /context "?[\w-]+"? .*(not found|no context|does not)/,
  },
  // bootstrap inventories
  {
    name: 'inventory: duplicate node names',
    verb: 'bootstrap',
    args: ['check', '--env', 'production'],
    edit: (f) => f.replace(INV, 'name: kosmos-prod-2', 'name: kosmos-prod-1'),
    exit: 2,
    says: /inventory\.yaml:\d+:\d+: .*kosmos-prod-1.*(duplicate|twice|unique)/i,
  },
  {
    name: 'inventory: VIP equal to a node address',
    verb: 'bootstrap',
    args: ['check', '--env', 'production'],
    edit: (f) => f.replace(INV, 'address: 192.168.0.201', 'address: 192.168.0.211'),
    exit: 2,
    says: /inventory\.yaml:\d+:\d+: .*192\.168\.0\.211/,
  },
  {
    name: 'inventory: cluster DNS outside the service CIDR',
    verb: 'bootstrap',
    args: ['check', '--env', 'production'],
    edit: (f) => f.replace(INV, 'clusterDns: 10.43.0.10', 'clusterDns: 10.44.0.10'),
    exit: 2,
    says: /inventory\.yaml:\d+:\d+: .*clusterDns.*10\.44\.0\.10.*10\.43\.0\.0\/16/,
  },
  {
    name: 'inventory: the token written inline',
    verb: 'bootstrap',
    args: ['check', '--env', 'production'],
    edit: (f) => f.replace(INV, '    file: /etc/kosmos/k3s-token', '    value: K10abcdef::server:s3cr3t'),
    exit: 2,
    says: /inventory\.yaml:\d+:\d+: .*tokenSource/,
  },
  {
    name: 'inventory: tab indentation',
    verb: 'bootstrap',
    args: ['render', '--env', 'production', '--out', 'out'],
    edit: (f) => f.replace(INV, '    role: server', '\trole: server'),
    exit: 2,
    says: /inventory\.yaml:\d+:\d+: .*[Tt]ab/,
  },
  {
    name: 'inventory: unknown key',
    verb: 'bootstrap',
    args: ['check', '--env', 'production'],
    edit: append(INV, 'nodez: []\n'),
    exit: 2,
    says: /inventory\.yaml:\d+:\d+: .*nodez/,
  },
  // promotion plans and the audit trail (issue 14)
  {
    name: 'promote --plan with a file that is not a plan',
    verb: 'promote',
    args: ['--plan', 'environments/dev/environment.yaml'],
    exit: 2,
    says: /environments\/dev\/environment\.yaml: not JSON \(expected a plan written by pnpm promote --plan-out\)/,
  },
  {
    name: 'promote --plan with a plan edited after it was written',
    verb: 'promote',
    args: ['--plan', 'plan.json'],
    edit: (f) =>
      f.write(
        'plan.json',
        JSON.stringify({
          kind: 'kosmos.promotion-plan/v1',
          source: 'dev',
          target: 'staging',
          changes: [],
          gates: [],
          charts: [],
          images: [],
          files: {},
          sourceFiles: {},
          live: { objects: [] },
          allowDrift: false,
          digest: `sha256:${'0'.repeat(64)}`,
        }),
      ),
    exit: 2,
    says: /plan\.json: digest: the file says sha256:0{64} but its content hashes to sha256:[0-9a-f]{64}/,
  },
  {
    name: 'promote --rollback without --env',
    verb: 'promote',
    args: ['--rollback'],
    exit: 2,
    says: /--rollback needs --env ENV/,
  },
  {
    name: 'promote --rollback of an environment with no recorded promotion',
    verb: 'promote',
    args: ['--rollback', '--env', 'staging'],
    exit: 2,
    says: /staging has no recorded promotion to roll back to \(environments\/staging\/promotions\.jsonl\)/,
    env: { KOSMOS_LOCAL_CLUSTERS: 'staging', KOSMOS_STATE_DIR: '/nonexistent/kosmos-state' },
  },
  {
    name: 'history without --env',
    verb: 'history',
    args: [],
    exit: 2,
    says: /--env is required/,
  },
  {
    name: 'history with a record that is not JSON',
    verb: 'history',
    args: ['--env', 'staging'],
    edit: (f) => f.write('environments/staging/promotions.jsonl', '{"kind":\n'),
    exit: 2,
    says: /environments\/staging\/promotions\.jsonl:1:1: not a JSON record/,
  },
  {
    name: 'bootstrap for an environment with no inventory',
    verb: 'bootstrap',
    args: ['check', '--env', 'dev'],
    exit: 2,
    says: /dev.*inventory\.yaml/,
  },
  {
    name: 'bootstrap with a subcommand that does not exist',
    verb: 'bootstrap',
    args: ['apply', '--env', 'production'],
    exit: 2,
    says: /apply/,
  },
  // release
  {
    name: 'a Chart.yaml version that is not semver',
    verb: 'release',
    args: (r) => ['--registry', `oci://${r.open}/charts`],
    edit: (f) => f.replace(CORE_CHART, /^version: .*$/m, 'version: 1.x'),
    exit: 2,
    says: /charts\/core-agents\/Chart\.yaml:\d+:10: version: expected a semantic version MAJOR\.MINOR\.PATCH .*got "1\.x"/,
  },
  {
    // The worst one: YAML reads 1.10 as the number 1.1, so the chart would silently be published
    // as another version than the one written.
    name: 'a Chart.yaml version YAML reads as a number (1.10 is 1.1)',
    verb: 'release',
    args: (r) => ['--registry', `oci://${r.open}/charts`],
    edit: (f) => f.replace(CORE_CHART, /^version: .*$/m, 'version: 1.10'),
    exit: 2,
    says: /Chart\.yaml:\d+:\d+: version: .*got "1\.1" \(YAML read a number/,
  },
  {
    name: 'release to a registry that is down',
    verb: 'release',
    args: (r) => ['--registry', `oci://${r.down}/charts`],
    exit: 1,
    says: /registry 127\.0\.0\.1:\d+ unreachable: GET \/v2\/charts\/.*ECONNREFUSED/,
  },
  {
    name: 'release to a registry that wants credentials nobody gave',
    verb: 'release',
    args: (r) => ['--registry', `oci://${r.auth}/charts`],
    env: { HELM_REGISTRY_CONFIG: '/nonexistent/registry.json' },
    exit: 1,
    says: /registry auth refused for 127\.0\.0\.1:\d+\/charts\/.* \(HTTP 401; no credentials: run helm registry login/,
  },
  {
    name: 'release with registry credentials it refuses',
    verb: 'release',
    args: (r) => ['--registry', `oci://${r.auth}/charts`],
    env: {
      HELM_REGISTRY_CONFIG: '/nonexistent/registry.json',
      KOSMOS_REGISTRY_USERNAME: 'releaser',
      KOSMOS_REGISTRY_PASSWORD: 'corpus-wrong-password',
    },
    exit: 1,
    says: /registry auth refused for .*\(HTTP 401; credentials from KOSMOS_REGISTRY_USERNAME\/KOSMOS_REGISTRY_PASSWORD\)/,
    never: ['corpus-wrong-password'],
  },
  {
    name: 'release with the password written into the registry URL',
    verb: 'release',
    args: (r) => ['--registry', `oci://releaser:corpus-url-password@${r.auth}/charts`],
    exit: 2,
    says: /--registry: credentials do not belong in the registry URL/,
    never: ['corpus-url-password'],
  },
  // deploy
  {
    name: 'deploy with a kubeconfig that does not exist',
    verb: 'deploy',
    args: ['--env', 'production', '--skip-upstream'],
    edit: (f) =>
      f.replace(
        PROD,
        /cluster:\n(\s+)context: ([\w-]+)/,
        'cluster:\n$1context: $2\n$1kubeconfig: ./missing.kubeconfig',
      ),
    exit: 1,
    says: /kubeconfig .*environments\/production\/missing\.kubeconfig not found \(context kosmos-production\)/,
  },
  {
    name: 'deploy to a context the kubeconfig does not have',
    verb: 'deploy',
    args: ['--env', 'production', '--skip-upstream'],
    edit: emptyKubeconfig,
    exit: 1,
    says: /context "kosmos-production" not found in kubeconfig .*k\.kubeconfig/,
  },
  {
    name: 'deploy while the local cluster is not running',
    verb: 'deploy',
    args: ['--env', 'dev'],
    exit: 1,
    says: /dev uses the local cluster, which is not running \(start it with `pnpm run up`\)/,
    env: { KOSMOS_STATE_DIR: '/nonexistent/kosmos-state' },
  },
  {
    name: 'deploy to a cluster that is down, with a token written in the kubeconfig',
    verb: 'deploy',
    args: ['--env', 'production', '--skip-upstream'],
    edit: (f, r) => {
      f.write(
        'environments/production/k.kubeconfig',
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '- name: prod',
          `  cluster: {server: "https://${r.down}"}`,
          'contexts:',
          '- name: kosmos-production',
          '  context: {cluster: prod, user: deployer}',
          'users:',
          '- name: deployer',
          '  user: {token: corpus-kube-token-s3cr3t}',
          '',
        ].join('\n'),
      );
      f.replace(PROD, /cluster:\n(\s+)context: ([\w-]+)/, 'cluster:\n$1context: $2\n$1kubeconfig: ./k.kubeconfig');
    },
    exit: 1,
    says: /cannot reach cluster context "kosmos-production" \(https:\/\/127\.0\.0\.1:\d+\): ECONNREFUSED/,
    never: ['corpus-kube-token-s3cr3t'],
  },
  {
    name: 'deploy --timeout that is not a duration',
    verb: 'deploy',
    args: ['--env', 'dev', '--timeout', 'soon'],
    exit: 2,
    says: /--timeout: expected a duration such as 5m, 90s or 1m30s, got "soon"/,
  },
  // promote (only mistakes whose handling the promotion plan/approval work does not change)
  {
    name: 'promote skipping staging',
    verb: 'promote',
    args: ['--from', 'dev', '--to', 'production'],
    // Production's registry on loopback: the registry gate asks it, and nothing leaves the machine for charts.
    edit: (f, r) => f.replace(PROD, /^registry: .*$/m, `registry: oci://${r.open}/charts`),
    exit: 3,
    says: /gate promotes-from .* refused: production promotes from staging, not dev/,
    env: { KOSMOS_STATE_DIR: '/nonexistent/kosmos-state' },
  },
  {
    name: 'promote a chart version that is not in the registry',
    verb: 'promote',
    args: ['--from', 'dev', '--to', 'staging'],
    edit: (f, r) => f.replace(STAGING, /^registry: .*$/m, `registry: oci://${r.open}/charts`),
    exit: 3,
    says: /gate registry .* refused: .*oci:\/\/127\.0\.0\.1:\d+\/charts\/core-agents:\d+\.\d+\.\d+ not found \(release it: pnpm release\)/,
    env: { KOSMOS_STATE_DIR: '/nonexistent/kosmos-state' },
  },
  {
    name: 'promote into an environment that does not exist',
    verb: 'promote',
    args: ['--from', 'staging', '--to', 'prod'],
    exit: 2,
    says: /unknown environment "prod" \(known: dev, production, staging\)/,
  },
  {
    name: 'promote without --to',
    verb: 'promote',
    args: ['--from', 'dev'],
    exit: 2,
    says: /--from and --to are required/,
  },
  // explain
  {
    name: 'explain a key no layer sets',
    verb: 'explain',
    args: ['--env', 'dev', '--release', 'core-agents', 'agents.zeus.replicaCount'],
    exit: 2,
    says: /unknown key "agents\.zeus\.replicaCount" in dev\/core-agents: no layer sets it .*agents has: athena, chronos, hermes, zeus-orchestrator/,
  },
  {
    name: 'explain a release the environment does not have',
    verb: 'explain',
    args: ['--env', 'staging', '--release', 'zeus'],
    exit: 2,
    says: /unknown release "zeus" in staging \(releases: /,
  },
  {
    name: 'explain a key that is not a path',
    verb: 'explain',
    args: ['--env', 'dev', '--release', 'core-agents', 'agents[zeus]'],
    exit: 2,
    says: /key "agents\[zeus\]": "\[zeus\]" is neither a list index nor a quoted key \(expected a dotted path/,
  },
  {
    name: 'explain through a tab-indented values file',
    verb: 'explain',
    args: ['--env', 'dev', '--release', 'core-agents', 'agentDefaults.replicaCount'],
    edit: (f) => f.replace(CORE, '  replicaCount: 1', '\treplicaCount: 1'),
    exit: 2,
    says: /core-agents\.yaml:\d+:\d+: invalid YAML: Tabs are not allowed/,
  },
];

function hashTree(root: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      // charts/*/charts/ is helm's packaged dependencies, built on demand and ignored by git.
      if (/^charts\/[^/]+\/charts$/.test(p)) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile())
        h.update(`${p}\0`)
          .update(readFileSync(join(root, p)))
          .update('\0');
    }
  };
  walk('');
  return h.digest('hex');
}

function run(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

// A registry wants htpasswd with bcrypt: this line's password is in no test, so every login fails.
const HTPASSWD = 'releaser:$2b$04$FTjsH8Tpsvs657lEgLYTMuzZOVD8ml62G4BIPWcMkxvPr4tG0rfU.\n';

/** A CNCF distribution registry on a free loopback port, its storage under `dir`. */
async function startRegistry(dir: string, auth: boolean): Promise<{ host: string; proc: ChildProcess }> {
  const bin = await ensure('registry');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const [port] = (await freePorts(1)) as [number];
  const host = `127.0.0.1:${port}`;
  if (auth) writeFileSync(join(dir, 'htpasswd'), HTPASSWD);
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: {level: warn, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}}`,
      `http: {addr: "${host}"}`,
      ...(auth ? [`auth: {htpasswd: {realm: corpus, path: ${join(dir, 'htpasswd')}}}`] : []),
      '',
    ].join('\n'),
  );
  const proc = spawn(bin, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const status = await fetch(`http://${host}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === (auth ? 401 : 200)) return { host, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGTERM');
  throw new Error(`registry on ${host} did not start`);
}

const registryDir = mkdtempSync(join(tmpdir(), 'kosmos-corpus-registries-'));
const procs: ChildProcess[] = [];
let registries: Registries | undefined;
/** Both registries' storage: no mistake may push, tag or delete anything. */
const hashRegistries = () => `${hashTree(join(registryDir, 'open'))} ${hashTree(join(registryDir, 'auth'))}`;

beforeAll(async () => {
  const open = await startRegistry(join(registryDir, 'open'), false);
  const auth = await startRegistry(join(registryDir, 'auth'), true);
  procs.push(open.proc, auth.proc);
  // A port that was free a moment ago and that nothing listens on: connections are refused.
  const [down] = (await freePorts(1)) as [number];
  registries = { open: open.host, auth: auth.host, down: `127.0.0.1:${down}` };
}, 120_000);

afterAll(() => {
  for (const p of procs) p.kill('SIGTERM');
  rmSync(registryDir, { recursive: true, force: true });
});

describe.concurrent('bad-input corpus', () => {
  it('has at least 40 mistakes, with distinct names', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(new Set(corpus.map((m) => m.name)).size).toBe(corpus.length);
  });
  it('covers every verb', () => {
    const verbs = new Set(corpus.map((m) => m.verb));
    for (const v of [
      'render',
      'lint',
      'diff',
      'status',
      'release',
      'deploy',
      'promote',
      'explain',
      'bootstrap',
      'up',
      'down',
    ])
      expect(verbs, v).toContain(v);
  });
  for (const m of corpus) {
    // promote asks registries and clusters before it says no: give it the time that takes under load.
    it(`${m.verb}: ${m.name}`, { timeout: 180_000 }, async () => {
      const reg = registries as Registries;
      const root = mkdtempSync(join(tmpdir(), 'kosmos-corpus-'));
      try {
        cpSync(join(repo, 'charts'), join(root, 'charts'), { recursive: true });
        cpSync(join(repo, 'environments'), join(root, 'environments'), { recursive: true });
        const files: Files = {
          root,
          read: (p) => readFileSync(join(root, p), 'utf8'),
          write: (p, t) => writeFileSync(join(root, p), t),
          replace: (p, from, to) => {
            const before = readFileSync(join(root, p), 'utf8');
            const after = before.replace(from, to);
            if (after === before) throw new Error(`corpus edit of ${p} changed nothing: ${String(from)}`);
            writeFileSync(join(root, p), after);
          },
        };
        m.edit?.(files, reg);
        const before = hashTree(root);
        const registriesBefore = hashRegistries();
        const rootFlag = m.verb === 'up' || m.verb === 'down' ? [] : ['--root', root];
        const args = typeof m.args === 'function' ? m.args(reg) : m.args;
        const r = await run([LAUNCH, m.verb, ...args, ...rootFlag], root, {
          KOSMOS_RENDER_CACHE: join(root, '.cache'),
          ...m.env,
        });
        // A report (lint's) goes to stdout; everything else to stderr.
        const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.trim() !== '');
        const shown = `exit ${r.code}\n${r.stderr}`;
        expect(r.code, shown).toBe(m.exit);
        expect(
          lines.some((l) => m.says.test(l)),
          shown,
        ).toBe(true);
        expect(r.stderr, 'no stack trace').not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(r.stderr, 'no unexpected error').not.toMatch(/unexpected error/);
        for (const secret of m.never ?? []) expect(`${r.stdout}${r.stderr}`, 'a secret printed').not.toContain(secret);
        rmSync(join(root, '.cache'), { recursive: true, force: true });
        rmSync(join(root, '.kosmos'), { recursive: true, force: true });
        expect(hashTree(root), 'nothing changed').toBe(before);
        expect(hashRegistries(), 'nothing pushed, tagged or deleted').toBe(registriesBefore);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
