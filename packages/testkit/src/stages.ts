import { stringify } from 'yaml';
import { STORAGE_CLASSES } from './topology.ts';

/**
 * kwok Stages: the lifecycle our simulated nodes, pods and volumes go through. Giving kwok any
 * stage replaces all of its defaults, so node and pod stages are here as well as volume ones.
 * Templates are Go templates evaluated by kwok against the object.
 */

const conditionsNow = `{{ $now := Now }}
conditions:
{{ range NodeConditions }}
- type: {{ .type | Quote }}
  status: {{ .status | Quote }}
  reason: {{ .reason | Quote }}
  message: {{ .message | Quote }}
  lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $now | Quote }}
{{ end }}`;

/** Go template: one status per container listed under `.spec.<field>`, running or completed. */
function statuses(field: 'containers' | 'initContainers', state: 'running' | 'completed', ready: boolean): string {
  const detail =
    state === 'running'
      ? '    running:\n      startedAt: {{ $now | Quote }}'
      : '    terminated:\n      exitCode: 0\n      reason: Completed\n      startedAt: {{ $now | Quote }}\n      finishedAt: {{ $now | Quote }}';
  return `{{ range .spec.${field} }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: ${ready}
  started: ${state === 'running'}
  restartCount: 0
  state:
${detail}
{{ end }}`;
}

function stage(name: string, kind: string, spec: Record<string, unknown>): object {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: { resourceRef: { apiGroup: 'v1', kind }, ...spec },
  };
}

const cel = (expression: string) => ({ cel: { expression } });

export function stageDocuments(): object[] {
  const nodeReady = stage('kosmos-node-ready', 'Node', {
    selector: {
      matchExpressions: [
        { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'NotIn', values: ['True'] },
      ],
    },
    next: { statusTemplate: `${conditionsNow}\nphase: Running\n` },
  });
  // Leases carry liveness; this refreshes the conditions now and then so they never look stale.
  const nodeHeartbeat = stage('kosmos-node-heartbeat', 'Node', {
    selector: {
      matchExpressions: [
        { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'In', values: ['True'] },
      ],
    },
    delay: { durationMilliseconds: 120_000, jitterDurationMilliseconds: 150_000 },
    next: { statusTemplate: conditionsNow },
  });
  const podRunning = stage('kosmos-pod-running', 'Pod', {
    selector: {
      matchExpressions: [
        { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
        { key: '.status.phase', operator: 'In', values: ['Pending'] },
        { key: '.spec.nodeName', operator: 'Exists' },
      ],
    },
    next: {
      statusTemplate: `{{ $now := Now }}
phase: Running
startTime: {{ $now | Quote }}
conditions:
{{ range list "PodScheduled" "Initialized" "ContainersReady" "Ready" }}
- type: {{ . }}
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
{{ end }}
{{ range .spec.readinessGates }}
- type: {{ .conditionType | Quote }}
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
{{ end }}
containerStatuses:
${statuses('containers', 'running', true)}
initContainerStatuses:
${statuses('initContainers', 'completed', true)}
{{ with NodeIPWith .spec.nodeName }}
hostIP: {{ . | Quote }}
hostIPs:
- ip: {{ . | Quote }}
{{ end }}
{{ with PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
podIP: {{ . | Quote }}
podIPs:
- ip: {{ . | Quote }}
{{ end }}
`,
    },
  });
  // Pods of Jobs (the backup CronJob) finish successfully once running.
  const jobPodDone = stage('kosmos-job-pod-succeeded', 'Pod', {
    selector: {
      matchExpressions: [
        { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
        { key: '.status.phase', operator: 'In', values: ['Running'] },
        { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] },
      ],
    },
    delay: { durationMilliseconds: 1000 },
    next: {
      statusTemplate: `{{ $now := Now }}
phase: Succeeded
conditions:
- type: Ready
  status: "False"
  reason: PodCompleted
  lastTransitionTime: {{ $now | Quote }}
- type: ContainersReady
  status: "False"
  reason: PodCompleted
  lastTransitionTime: {{ $now | Quote }}
containerStatuses:
${statuses('containers', 'completed', false)}
`,
    },
  });
  const podGone = stage('kosmos-pod-delete', 'Pod', {
    selector: { matchExpressions: [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }] },
    next: { finalizers: { empty: true }, delete: true },
  });
  return [nodeReady, nodeHeartbeat, podRunning, jobPodDone, podGone, ...volumeStages()];
}

/**
 * Plays the local-path provisioner: a claim of one of our storage classes gets a volume, with
 * the reclaim policy that class declares, and the volume is marked Bound. Deleted claims release
 * their volume; released `Delete` volumes go away, `Retain` ones stay as K3s's would.
 */
function volumeStages(): object[] {
  const provision = STORAGE_CLASSES.map((sc) =>
    stage(`kosmos-provision-${sc.name}`, 'PersistentVolumeClaim', {
      selector: {
        matchExpressions: [
          cel(`self.spec.storageClassName == '${sc.name}'`),
          cel('!has(self.metadata.deletionTimestamp)'),
          cel('!has(self.spec.volumeName)'),
        ],
      },
      steps: [
        {
          apply: {
            template: `apiVersion: v1
kind: PersistentVolume
metadata:
  name: pvc-{{ .metadata.uid }}
  annotations:
    pv.kubernetes.io/provisioned-by: rancher.io/local-path
spec:
  storageClassName: ${sc.name}
  persistentVolumeReclaimPolicy: ${sc.reclaimPolicy}
  volumeMode: {{ or .spec.volumeMode "Filesystem" | Quote }}
  accessModes:
  {{ YAML .spec.accessModes 1 }}
  capacity:
    storage: {{ .spec.resources.requests.storage | Quote }}
  claimRef:
    apiVersion: v1
    kind: PersistentVolumeClaim
    name: {{ .metadata.name | Quote }}
    namespace: {{ .metadata.namespace | Quote }}
    uid: {{ .metadata.uid | Quote }}
  hostPath:
    path: /var/lib/rancher/k3s/storage/pvc-{{ .metadata.uid }}
    type: DirectoryOrCreate
`,
          },
        },
      ],
    }),
  );
  const classes = STORAGE_CLASSES.map((s) => `'${s.name}'`).join(', ');
  const bind = stage('kosmos-volume-bound', 'PersistentVolume', {
    selector: {
      matchExpressions: [
        cel(`self.spec.storageClassName in [${classes}]`),
        cel('!has(self.metadata.deletionTimestamp)'),
        cel('has(self.spec.claimRef.name)'),
        cel("!has(self.status.phase) || !(self.status.phase in ['Bound', 'Released', 'Failed'])"),
      ],
    },
    steps: [{ patch: { root: 'status', subresource: 'status', template: 'phase: Bound\n' } }],
  });
  const reap = stage('kosmos-volume-reap', 'PersistentVolume', {
    selector: {
      matchExpressions: [
        cel(`self.spec.storageClassName in [${classes}]`),
        cel("self.spec.persistentVolumeReclaimPolicy == 'Delete'"),
        cel("has(self.status.phase) && self.status.phase == 'Released'"),
      ],
    },
    steps: [{ delete: true }],
  });
  return [...provision, bind, reap];
}

export function stagesYaml(): string {
  return stageDocuments()
    .map((d) => stringify(d, { lineWidth: 0 }))
    .join('---\n');
}
