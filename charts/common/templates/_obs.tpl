{{/*
A component's Deployment, the stateless sibling of kosmos-common.component.statefulSet (same
arguments: component, values, containers, initContainers, volumes, podLabels, podAnnotations,
context). The rolling update surges no pod (maxSurge 0, maxUnavailable 1) unless
values.updateStrategy says otherwise: namespaces with a limits quota have no room for a surge pod.
values.replicaCount gives the replicas (1 when absent).
Usage:
  {{- include "kosmos-common.component.deployment" (dict "component" "grafana" "values" .Values.grafana
        "containers" (include "observability.grafana.containers" .) "volumes" $volumes "context" $) }}
*/}}
{{- define "kosmos-common.component.deployment" -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata: {{- include "kosmos-common.component.metadata" (dict "component" .component "context" .context) | nindent 2 }}
spec:
  replicas: {{ $v.replicaCount | default 1 }}
  revisionHistoryLimit: 10
  strategy:
    {{- with $v.updateStrategy }}
    {{- toYaml . | nindent 4 }}
    {{- else }}
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 0
      maxUnavailable: 1
    {{- end }}
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
      {{- with .volumes }}
      volumes: {{- . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/*
A ConfigMap of a component whose data is the given map (values rendered as they are).
Usage:
  {{- include "kosmos-common.component.configMap" (dict "component" "loki" "suffix" "config" "data" (dict "loki.yaml" $text) "context" $) }}
*/}}
{{- define "kosmos-common.component.configMap" -}}
apiVersion: v1
kind: ConfigMap
metadata: {{- include "kosmos-common.component.metadata" (dict "component" .component "suffix" .suffix "labels" .labels "context" .context) | nindent 2 }}
data:
  {{- range $k, $v := .data }}
  {{ $k }}: |-
    {{- $v | toString | nindent 4 }}
  {{- end }}
{{- end -}}
