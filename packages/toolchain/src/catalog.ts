/**
 * The pinned toolchain. One entry per upstream component; a component may ship several
 * binaries (etcd ships etcdctl and etcdutl, the Kubernetes build yields four). Bumping a version
 * here is the whole upgrade: the build recipes derive everything else from upstream's go.mod.
 */

import { DELIVERY_COMPONENTS, DELIVERY_TOOL_NAMES, type DeliveryToolName } from './delivery.ts';
import { FLEET_COMPONENTS, FLEET_TOOL_NAMES, type FleetToolName } from './fleet.ts';
import { cmpSemver, sameMinor } from './semver.ts';

export { cmpSemver } from './semver.ts';

export type ToolName =
  | DeliveryToolName
  | FleetToolName
  | 'helm'
  | 'etcd'
  | 'etcdctl'
  | 'etcdutl'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'kwok'
  | 'registry'
  // Controllers our charts' custom resources need (tests run them natively; see CONTROLLER_TOOLS).
  | 'rollouts-controller'
  | 'traefik'
  | 'prometheus-operator'
  | 'prometheus'
  // Checkers of what the observability chart renders.
  | 'promtool'
  | 'amtool'
  // The backup job's uploader, and the S3 server (`rclone serve s3`) its test uploads to.
  | 'rclone';

export const TOOL_NAMES: readonly ToolName[] = [
  ...DELIVERY_TOOL_NAMES,
  'helm',
  'etcd',
  'etcdctl',
  'etcdutl',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kwok',
  'registry',
  'rollouts-controller',
  'traefik',
  'prometheus-operator',
  'prometheus',
  'promtool',
  'amtool',
  'rclone',
  ...FLEET_TOOL_NAMES,
];

/** The controllers' binaries: only the tests that exercise our custom resources start them. */
export const CONTROLLER_TOOLS: readonly ToolName[] = [
  'rollouts-controller',
  'traefik',
  'prometheus-operator',
  'prometheus',
  ...FLEET_TOOL_NAMES,
];

/** `go install module/pkg@version`: for modules without replace directives. */
export interface GoInstallRecipe {
  kind: 'go-install';
  packages: Record<string, string>;
  ldflags?: string[];
}

/**
 * A generated Go module that requires `root@version` and replaces every module that the root's
 * own go.mod points at a local folder (`=> ./staging/...`, `=> ../server`) with the published
 * module at `replaceVersion`. `go install` refuses modules with replace directives, hence this.
 */
export interface GoModuleRecipe {
  kind: 'go-module';
  root: string;
  /** Module whose go.mod lists the local replaces (may differ from root, as for etcd). */
  replacesFrom: string;
  /** Version that each locally replaced module is published at. */
  replaceVersion: string;
  /** `module@version` arguments for `go get`. */
  get: string[];
  /** binary name -> import path to build. */
  packages: Record<string, string>;
  ldflags?: string[];
  /**
   * Also repeat the root's replaces that point at published modules (forks, `k8s.io/* v0.0.0`
   * pins): Go reads replace directives of the main module only, so without them the build
   * resolves different dependencies than upstream's and may not compile.
   */
  copyPublishedReplaces?: boolean;
  /**
   * Build from a writable copy of the root module with these files added (path -> content),
   * replacing the root with that copy. For modules whose zip lacks generated files that a
   * `go:embed` pattern needs (Traefik's web UI is built by yarn, outside the module).
   */
  rootCopy?: { placeholders: Record<string, string> };
  /**
   * Symbolic links made next to the built binaries (link name -> binary): for upstreams that
   * ship one binary choosing its component by the name it runs as (Argo CD).
   */
  links?: Record<string, string>;
}

export interface Component {
  id: string;
  version: string;
  binaries: ToolName[];
  recipe: GoInstallRecipe | GoModuleRecipe;
  /** Names the same tool may carry on PATH (Debian's registry is `docker-registry`). */
  pathAliases?: Partial<Record<ToolName, string[]>>;
  /** Whether a binary found outside our cache, at `version`, is good enough to use. */
  accepts: (found: string) => boolean;
  /** Why `accepts` draws its line, for doctor and error messages. */
  requirement: string;
  /** How long the cold build took on 2 cores, shown while building. */
  typicalBuildSeconds: number;
}

/** ldflags that stamp the version `prometheus/common/version` reports (operator, Prometheus). */
function promVersion(v: string): string[] {
  return [`-X github.com/prometheus/common/version.Version=${v.replace(/^v/, '')}`];
}

const K8S = 'v1.36.3';
const k8sMinor = 36;

export const COMPONENTS: readonly Component[] = [
  ...DELIVERY_COMPONENTS,
  {
    id: 'helm',
    version: 'v4.3.1',
    binaries: ['helm'],
    recipe: {
      kind: 'go-install',
      packages: { helm: 'helm.sh/helm/v4/cmd/helm' },
      // Without this helm reports only "v4.3".
      ldflags: ['-X helm.sh/helm/v4/internal/version.version=v4.3.1'],
    },
    accepts: (v) => /^v?4\.\d+\.\d+/.test(v) && cmpSemver(v, '4.3.0') >= 0,
    requirement: 'helm 4.3 or newer (charts are tested with helm 4)',
    typicalBuildSeconds: 150,
  },
  {
    id: 'etcd',
    version: 'v3.6.10',
    binaries: ['etcd', 'etcdctl', 'etcdutl'],
    recipe: {
      kind: 'go-module',
      root: 'go.etcd.io/etcd/server/v3@v3.6.10',
      replacesFrom: 'go.etcd.io/etcd/server/v3@v3.6.10',
      replaceVersion: 'v3.6.10',
      get: ['server', 'etcdctl', 'etcdutl'].map((m) => `go.etcd.io/etcd/${m}/v3@v3.6.10`),
      packages: {
        etcd: 'go.etcd.io/etcd/server/v3',
        etcdctl: 'go.etcd.io/etcd/etcdctl/v3',
        etcdutl: 'go.etcd.io/etcd/etcdutl/v3',
      },
    },
    // Kubernetes 1.36 watches with progress requests, which etcd 3.4 (Debian's) rejects.
    accepts: (v) => cmpSemver(v, '3.5.13') >= 0,
    requirement: 'etcd 3.5.13 or newer (Debian ships 3.4, too old for watch progress requests)',
    typicalBuildSeconds: 60,
  },
  {
    id: 'kubernetes',
    version: K8S,
    binaries: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'],
    recipe: {
      kind: 'go-module',
      root: `k8s.io/kubernetes@${K8S}`,
      replacesFrom: `k8s.io/kubernetes@${K8S}`,
      replaceVersion: `v0.${k8sMinor}.3`,
      get: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'].map(
        (c) => `k8s.io/kubernetes/cmd/${c}@${K8S}`,
      ),
      packages: {
        'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
        'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
        'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
        kubectl: 'k8s.io/kubernetes/cmd/kubectl',
      },
      // Without these the server reports v0.0.0 and every chart's kubeVersion check fails.
      ldflags: [
        `-X k8s.io/component-base/version.gitVersion=${K8S}`,
        '-X k8s.io/component-base/version.gitMajor=1',
        `-X k8s.io/component-base/version.gitMinor=${k8sMinor}`,
        `-X k8s.io/client-go/pkg/version.gitVersion=${K8S}`,
      ],
    },
    // The control plane must be exactly ours; kubectl may skew by one minor version.
    accepts: (v) => sameMinor(v, K8S),
    requirement: `Kubernetes ${K8S.slice(0, 5)}.x (tests assume this API version)`,
    typicalBuildSeconds: 450,
  },
  {
    id: 'kwok',
    version: 'v0.8.0',
    binaries: ['kwok'],
    recipe: { kind: 'go-install', packages: { kwok: 'sigs.k8s.io/kwok/cmd/kwok' } },
    accepts: (v) => cmpSemver(v, '0.7.0') >= 0,
    requirement: 'kwok 0.7 or newer',
    typicalBuildSeconds: 145,
  },
  {
    id: 'registry',
    version: 'v3.1.2',
    binaries: ['registry'],
    recipe: {
      kind: 'go-install',
      packages: { registry: 'github.com/distribution/distribution/v3/cmd/registry' },
    },
    pathAliases: { registry: ['registry', 'docker-registry'] },
    // distribution 2.7+ stores OCI artifacts such as helm charts.
    accepts: (v) => cmpSemver(v, '2.7.0') >= 0,
    requirement: 'distribution registry 2.7 or newer',
    typicalBuildSeconds: 120,
  },
  // The controllers below are built only from our pins: a different version on PATH would
  // test something other than what the environments deploy.
  {
    id: 'argo-rollouts',
    version: 'v1.8.3',
    binaries: ['rollouts-controller'],
    recipe: {
      kind: 'go-module',
      root: 'github.com/argoproj/argo-rollouts@v1.8.3',
      replacesFrom: 'github.com/argoproj/argo-rollouts@v1.8.3',
      replaceVersion: 'v1.8.3',
      copyPublishedReplaces: true,
      get: ['github.com/argoproj/argo-rollouts/cmd/rollouts-controller@v1.8.3'],
      packages: { 'rollouts-controller': 'github.com/argoproj/argo-rollouts/cmd/rollouts-controller' },
      ldflags: ['-X github.com/argoproj/argo-rollouts/utils/version.version=1.8.3'],
    },
    accepts: (v) => cmpSemver(v, '1.8.3') === 0,
    requirement: 'Argo Rollouts v1.8.3 (the version the argo-rollouts release pins)',
    typicalBuildSeconds: 300,
  },
  {
    id: 'traefik',
    version: 'v3.5.0',
    binaries: ['traefik'],
    recipe: {
      kind: 'go-module',
      root: 'github.com/traefik/traefik/v3@v3.5.0',
      replacesFrom: 'github.com/traefik/traefik/v3@v3.5.0',
      replaceVersion: 'v3.5.0',
      copyPublishedReplaces: true,
      rootCopy: {
        placeholders: {
          'webui/static/index.html': '<!doctype html><title>Traefik (built without its web UI)</title>\n',
        },
      },
      get: ['github.com/traefik/traefik/v3/cmd/traefik@v3.5.0'],
      packages: { traefik: 'github.com/traefik/traefik/v3/cmd/traefik' },
      ldflags: ['-X github.com/traefik/traefik/v3/pkg/version.Version=v3.5.0'],
    },
    accepts: (v) => cmpSemver(v, '3.5.0') === 0,
    requirement: 'Traefik v3.5.0 (the version the traefik release pins)',
    typicalBuildSeconds: 240,
  },
  {
    id: 'prometheus-operator',
    version: 'v0.85.0',
    binaries: ['prometheus-operator'],
    recipe: {
      kind: 'go-module',
      root: 'github.com/prometheus-operator/prometheus-operator@v0.85.0',
      replacesFrom: 'github.com/prometheus-operator/prometheus-operator@v0.85.0',
      replaceVersion: 'v0.85.0',
      get: ['github.com/prometheus-operator/prometheus-operator/cmd/operator@v0.85.0'],
      packages: { 'prometheus-operator': 'github.com/prometheus-operator/prometheus-operator/cmd/operator' },
      ldflags: promVersion('v0.85.0'),
    },
    accepts: (v) => cmpSemver(v, '0.85.0') === 0,
    requirement: 'Prometheus Operator v0.85.0 (the version the CRDs are pinned at)',
    typicalBuildSeconds: 90,
  },
  {
    // Module v0.305.0 is Prometheus 3.5.0 (LTS). One build of the module yields both binaries:
    // the server (the canary analysis queries it in tests) and promtool (checks the
    // PrometheusRules the observability chart renders, `promtool check rules`).
    id: 'prometheus',
    version: 'v0.305.0',
    binaries: ['prometheus', 'promtool'],
    recipe: {
      kind: 'go-module',
      // Prometheus tags its Go module v0.3xx.y for release v3.x.y; its go.mod replaces one
      // dependency with an older published version, so `go install` refuses it.
      root: 'github.com/prometheus/prometheus@v0.305.0',
      replacesFrom: 'github.com/prometheus/prometheus@v0.305.0',
      replaceVersion: 'v0.305.0',
      copyPublishedReplaces: true,
      get: [
        'github.com/prometheus/prometheus/cmd/prometheus@v0.305.0',
        'github.com/prometheus/prometheus/cmd/promtool@v0.305.0',
      ],
      packages: {
        prometheus: 'github.com/prometheus/prometheus/cmd/prometheus',
        promtool: 'github.com/prometheus/prometheus/cmd/promtool',
      },
      // Without it `prometheus --version` and `promtool --version` print an empty version.
      ldflags: promVersion('v3.5.0'),
    },
    // Both binaries come from one module version: a server or promtool found on PATH must be
    // 3.5.0 too (rule files in Prometheus 3 syntax need a v3 promtool anyway).
    accepts: (v) => cmpSemver(v, '3.5.0') === 0,
    requirement: 'Prometheus 3.5.0 (Go module v0.305.0)',
    typicalBuildSeconds: 300,
  },
  {
    // Checks the Alertmanager configuration the observability chart documents (`amtool check-config`).
    id: 'alertmanager',
    version: 'v0.35.0',
    binaries: ['amtool'],
    recipe: {
      kind: 'go-install',
      packages: { amtool: 'github.com/prometheus/alertmanager/cmd/amtool' },
      ldflags: ['-X github.com/prometheus/common/version.Version=0.35.0'],
    },
    // The operator v0.85 renders configurations for Alertmanager 0.28+.
    accepts: (v) => cmpSemver(v, '0.28.0') >= 0,
    requirement: 'amtool 0.28 or newer',
    typicalBuildSeconds: 90,
  },
  {
    // The version of the data-tier backup's upload image (docker.io/rclone/rclone:1.75.0): the
    // backup test runs the job's upload script with it against `rclone serve s3` on loopback, a
    // real S3 API (rclone's own server) with nothing reached outside the machine.
    id: 'rclone',
    version: 'v1.75.0',
    binaries: ['rclone'],
    recipe: {
      kind: 'go-install',
      packages: { rclone: 'github.com/rclone/rclone' },
      // Without it `rclone version` says v1.75.0-DEV.
      ldflags: ['-X github.com/rclone/rclone/fs.Version=v1.75.0'],
    },
    // `serve s3` came in 1.65; flags of the upload script are those of the pinned image.
    accepts: (v) => cmpSemver(v, '1.75.0') === 0,
    requirement: 'rclone v1.75.0 (the backup upload image; Debian 12 has 1.60, without `serve s3`)',
    typicalBuildSeconds: 900,
  },
  ...FLEET_COMPONENTS,
];

export function componentOf(tool: ToolName): Component {
  const c = COMPONENTS.find((x) => x.binaries.includes(tool));
  if (!c) throw new Error(`unknown tool ${tool}`);
  return c;
}
