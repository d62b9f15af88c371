{{/*
Component objects for charts that run several components (data-tier, observability). Every helper
takes a dict with:
  component  the component name ("postgresql", "prometheus"), used as name suffix and as the
             app.kubernetes.io/component label
  values     that component's values: serviceAccount, pdb, service, podLabels, podAnnotations,
             nodeSelector, tolerations, affinity, topologySpreadConstraints, priorityClassName,
             terminationGracePeriodSeconds, podSecurityContext, image
  context    the root context ($)
*/}}

{{/*
Name of a component's objects: "<fullname>-<component>".
Usage:
  {{ include "kosmos-common.component.fullname" (dict "component" "postgresql" "context" $) }}
*/}}
{{- define "kosmos-common.component.fullname" -}}
{{- include "kosmos-common.names.componentFullname" (dict "component" .component "context" .context) -}}
{{- end -}}

{{/*
"<fullname>-<component>-<suffix>" (suffix optional), within 63 characters.
Usage:
  {{ include "kosmos-common.component.suffixedName" (dict "component" "nats" "suffix" "headless" "context" $) }}
*/}}
{{- define "kosmos-common.component.suffixedName" -}}
{{- $name := include "kosmos-common.component.fullname" . -}}
{{- if .suffix -}}
{{- printf "%s-%s" ($name | trunc (int (sub 62 (len .suffix))) | trimSuffix "-") .suffix -}}
{{- else -}}
{{- $name -}}
{{- end -}}
{{- end -}}

{{/*
Object metadata of a component: name (fullname, plus "-<suffix>" when suffix is given), namespace,
standard labels, annotations (commonAnnotations + the given ones).
Usage:
  metadata: {{- include "kosmos-common.component.metadata" (dict "component" "postgresql" "suffix" "headless" "annotations" .Values.postgresql.service.annotations "context" $) | nindent 2 }}
*/}}
{{- define "kosmos-common.component.metadata" -}}
{{- $name := include "kosmos-common.component.suffixedName" . -}}
{{- if .name }}{{ $name = .name }}{{ end -}}
name: {{ $name }}
namespace: {{ include "kosmos-common.names.namespace" .context }}
labels: {{- include "kosmos-common.labels.standard" (dict "component" .component "customLabels" .labels "context" .context) | nindent 2 }}
{{- with include "kosmos-common.labels.annotations" (dict "annotations" .annotations "context" .context) }}
annotations: {{- . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
ServiceAccount name of a component (values.serviceAccount.{create,name}).
Usage:
  serviceAccountName: {{ include "kosmos-common.component.serviceAccountName" (dict "component" "nats" "values" .Values.nats "context" $) }}
*/}}
{{- define "kosmos-common.component.serviceAccountName" -}}
{{- include "kosmos-common.names.serviceAccount" (dict "serviceAccount" .values.serviceAccount "default" (include "kosmos-common.component.fullname" .)) -}}
{{- end -}}

{{/*
A component's ServiceAccount (when values.serviceAccount.create). The token is not mounted unless
values.serviceAccount.automount is true: none of the data components talks to the API server.
Usage:
  {{- include "kosmos-common.component.serviceAccount" (dict "component" "nats" "values" .Values.nats "context" $) }}
*/}}
{{- define "kosmos-common.component.serviceAccount" -}}
{{- if .values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata: {{- include "kosmos-common.component.metadata" (dict "component" .component "name" (include "kosmos-common.component.serviceAccountName" .) "annotations" .values.serviceAccount.annotations "context" .context) | nindent 2 }}
automountServiceAccountToken: {{ .values.serviceAccount.automount | default false }}
{{- end }}
{{- end -}}

{{/*
A component's PodDisruptionBudget (when values.pdb.create), through kosmos-common.pdb.spec.
Usage:
  {{- include "kosmos-common.component.pdb" (dict "component" "nats" "values" .Values.nats "context" $) }}
*/}}
{{- define "kosmos-common.component.pdb" -}}
{{- if .values.pdb.create }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{- include "kosmos-common.component.metadata" (dict "component" .component "context" .context) | nindent 2 }}
spec: {{- include "kosmos-common.pdb.spec" (dict "pdb" .values.pdb "selectorLabels" (include "kosmos-common.labels.matchLabels" (dict "component" .component "context" .context))) | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
A component's Service. With headless true it is the StatefulSet's governing Service
("<fullname>-<component>-headless", clusterIP None, not-ready addresses published so that peers
find each other while starting); otherwise the client Service of type values.service.type.
ports is a list of {name, port} (targetPort is the container port of the same name).
Usage:
  {{- include "kosmos-common.component.service" (dict "component" "nats" "values" .Values.nats "headless" true "ports" (list (dict "name" "client" "port" 4222)) "context" $) }}
*/}}
{{- define "kosmos-common.component.service" -}}
{{- $headless := .headless | default false -}}
apiVersion: v1
kind: Service
metadata: {{- include "kosmos-common.component.metadata" (dict "component" .component "suffix" (ternary "headless" "" $headless) "annotations" (ternary dict .values.service.annotations $headless) "context" .context) | nindent 2 }}
spec:
  {{- if $headless }}
  type: ClusterIP
  clusterIP: None
  publishNotReadyAddresses: true
  {{- else }}
  type: {{ .values.service.type | default "ClusterIP" }}
  {{- end }}
  selector: {{- include "kosmos-common.labels.matchLabels" (dict "component" .component "context" .context) | nindent 4 }}
  ports:
    {{- range .ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: TCP
    {{- end }}
{{- end -}}

{{/*
Pod template metadata of a component: standard labels plus values.podLabels and extra labels
(e.g. {"db-access": "true"}), annotations from values.podAnnotations plus extra ones (e.g. a
config checksum).
Usage:
  metadata: {{- include "kosmos-common.component.podMetadata" (dict "component" "nats" "values" .Values.nats "annotations" (dict "checksum/config" $sum) "context" $) | nindent 4 }}
*/}}
{{- define "kosmos-common.component.podMetadata" -}}
{{- $labels := merge (dict) (.labels | default dict) (.values.podLabels | default dict) -}}
labels: {{- include "kosmos-common.labels.standard" (dict "component" .component "customLabels" $labels "context" .context) | nindent 2 }}
{{- $ann := merge (dict) (.annotations | default dict) (.values.podAnnotations | default dict) }}
{{- with include "kosmos-common.labels.annotations" (dict "annotations" $ann "context" .context) }}
annotations: {{- . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
The pod-level part of a component's pod spec (everything but containers and volumes):
ServiceAccount (token not mounted), restricted pod securityContext merged with
values.podSecurityContext, image pull secrets, scheduling (nodeSelector, tolerations, affinity,
topologySpreadConstraints whose missing labelSelector is filled with the component's selector
labels), priority class and grace period.
Usage:
  spec:
    {{- include "kosmos-common.component.podSpec" (dict "component" "nats" "values" .Values.nats "context" $) | nindent 6 }}
    containers: ...
*/}}
{{- define "kosmos-common.component.podSpec" -}}
{{- $ctx := .context -}}
{{- $v := .values -}}
serviceAccountName: {{ include "kosmos-common.component.serviceAccountName" . }}
automountServiceAccountToken: {{ ($v.serviceAccount).automount | default false }}
securityContext: {{- include "kosmos-common.securityContext.pod" (dict "securityContext" $v.podSecurityContext) | nindent 2 }}
{{- include "kosmos-common.images.pullSecrets" (dict "pullSecrets" ($v.image).pullSecrets "global" $ctx.Values.global) }}
{{- with $v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $v.terminationGracePeriodSeconds }}
terminationGracePeriodSeconds: {{ . }}
{{- end }}
{{- with $v.nodeSelector }}
nodeSelector: {{- include "kosmos-common.tplvalues.render" (dict "value" . "context" $ctx) | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations: {{- include "kosmos-common.tplvalues.render" (dict "value" . "context" $ctx) | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity: {{- include "kosmos-common.tplvalues.render" (dict "value" . "context" $ctx) | nindent 2 }}
{{- end }}
{{- with $v.topologySpreadConstraints }}
{{- $selector := include "kosmos-common.labels.matchLabels" (dict "component" $.component "context" $ctx) | fromYaml }}
topologySpreadConstraints:
{{- range . }}
  - {{ toYaml (ternary . (merge (dict "labelSelector" (dict "matchLabels" $selector)) .) (hasKey . "labelSelector")) | indent 4 | trim }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
A container's image, pull policy and restricted securityContext (merged with
values.containerSecurityContext).
Usage:
  - name: nats
    {{- include "kosmos-common.component.containerBase" (dict "values" .Values.nats "context" $) | nindent 4 }}
*/}}
{{- define "kosmos-common.component.containerBase" -}}
{{- $image := .image | default .values.image -}}
image: {{ include "kosmos-common.images.image" (dict "image" $image "global" .context.Values.global) }}
imagePullPolicy: {{ $image.pullPolicy | default "IfNotPresent" }}
securityContext: {{- include "kosmos-common.securityContext.container" (dict "securityContext" .values.containerSecurityContext) | nindent 2 }}
{{- end -}}

{{/*
A StatefulSet volumeClaimTemplate from values.persistence {storageClass, size, accessModes,
annotations}. Its labels are the selector labels only: volumeClaimTemplates cannot change after
creation, so nothing version-dependent may go into them.
Usage:
  volumeClaimTemplates:
    {{- include "kosmos-common.component.volumeClaimTemplate" (dict "name" "data" "component" "postgresql" "persistence" .Values.postgresql.persistence "context" $) | nindent 4 }}
*/}}
{{- define "kosmos-common.component.volumeClaimTemplate" -}}
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: {{ .name }}
    labels: {{- include "kosmos-common.labels.matchLabels" (dict "component" .component "context" .context) | nindent 6 }}
    {{- with .persistence.annotations }}
    annotations: {{- toYaml . | nindent 6 }}
    {{- end }}
  spec:
    accessModes: {{- toYaml .persistence.accessModes | nindent 6 }}
    {{- with .persistence.storageClass }}
    storageClassName: {{ . }}
    {{- end }}
    resources:
      requests:
        storage: {{ .persistence.size }}
{{- end -}}

{{/*
A component's StatefulSet: governing Service "<fullname>-<component>-headless", selector labels,
rolling updates, claims kept on delete and scale-down, the pod spec of
kosmos-common.component.podSpec, the given containers/initContainers/volumes (YAML lists as
strings) and one claim template "data" from values.persistence (an emptyDir "data" volume when
persistence is disabled). values.replicaCount gives the replicas (1 when absent).
podManagementPolicy cannot change after creation: keep it the same in every environment.
Usage:
  {{- include "kosmos-common.component.statefulSet" (dict "component" "nats" "values" .Values.nats
        "containers" (include "data-tier.nats.containers" .) "volumes" $volumes
        "podManagementPolicy" "Parallel" "podAnnotations" (dict "checksum/config" $sum) "context" $) }}
*/}}
{{- define "kosmos-common.component.statefulSet" -}}
{{- $v := .values -}}
{{- $persistent := ($v.persistence).enabled | default false -}}
apiVersion: apps/v1
kind: StatefulSet
metadata: {{- include "kosmos-common.component.metadata" (dict "component" .component "context" .context) | nindent 2 }}
spec:
  serviceName: {{ include "kosmos-common.component.suffixedName" (dict "component" .component "suffix" "headless" "context" .context) }}
  replicas: {{ $v.replicaCount | default 1 }}
  podManagementPolicy: {{ .podManagementPolicy | default "OrderedReady" }}
  revisionHistoryLimit: 10
  updateStrategy:
    type: RollingUpdate
  persistentVolumeClaimRetentionPolicy:
    whenDeleted: Retain
    whenScaled: Retain
  selector:
    matchLabels: {{- include "kosmos-common.labels.matchLabels" (dict "component" .component "context" .context) | nindent 6 }}
  template:
    metadata: {{- include "kosmos-common.component.podMetadata" (dict "component" .component "values" $v "labels" .podLabels "annotations" .podAnnotations "context" .context) | nindent 6 }}
    spec:
      {{- include "kosmos-common.component.podSpec" (dict "component" .component "values" $v "context" .context) | nindent 6 }}
      {{- with .initContainers }}
      initContainers: {{- . | nindent 8 }}
      {{- end }}
      containers: {{- .containers | nindent 8 }}
      {{- if or .volumes (not $persistent) }}
      volumes:
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- if not $persistent }}
        - name: data
          emptyDir: {}
        {{- end }}
      {{- end }}
  {{- if $persistent }}
  volumeClaimTemplates:
    {{- include "kosmos-common.component.volumeClaimTemplate" (dict "name" "data" "component" .component "persistence" $v.persistence "context" .context) | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
Container environment variables from existing Secrets: a list of {name, secret, key}, rendered as
secretKeyRef env entries (entries whose secret is empty are skipped). Charts never hold the values.
Usage:
  env: {{- include "kosmos-common.component.secretEnv" (list (dict "name" "POSTGRES_PASSWORD" "secret" .Values.auth.existingSecret "key" .Values.auth.passwordKey)) | nindent 4 }}
*/}}
{{- define "kosmos-common.component.secretEnv" -}}
{{- $env := list -}}
{{- range . -}}
{{- if .secret -}}
{{- $env = append $env (dict "name" .name "valueFrom" (dict "secretKeyRef" (dict "name" .secret "key" .key))) -}}
{{- end -}}
{{- end -}}
{{- if $env -}}
{{- toYaml $env -}}
{{- end -}}
{{- end -}}

{{/*
A container's probes (startup, liveness, readiness from values.startupProbe/livenessProbe/
readinessProbe, each with "enabled") and resources (values.resources).
Usage:
  - name: nats
    ...
    {{- include "kosmos-common.component.probesAndResources" (dict "values" .Values.nats "context" $) | nindent 4 }}
*/}}
{{- define "kosmos-common.component.probesAndResources" -}}
{{- $v := .values -}}
{{- $probes := include "kosmos-common.probes.all" (dict "liveness" $v.livenessProbe "readiness" $v.readinessProbe "startup" $v.startupProbe "context" .context) -}}
{{- if $probes }}{{ $probes }}
{{ end -}}
resources: {{- include "kosmos-common.resources.render" (dict "resources" $v.resources) | nindent 2 }}
{{- end -}}
