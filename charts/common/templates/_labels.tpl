{{/*
Labels. Standard labels go on metadata; selector labels go on immutable selectors and never carry
the chart version or user labels, so that an upgrade never changes a selector.
*/}}

{{/*
Recommended labels: app.kubernetes.io/{name,instance,version,managed-by,part-of} plus
helm.sh/chart, app.kubernetes.io/component when a component is given, .Values.commonLabels, and
any extra labels given as customLabels (rendered through tpl). Standard keys cannot be overridden.
Usage:
  {{- include "kosmos-common.labels.standard" (dict "context" $) | nindent 4 }}
  {{- include "kosmos-common.labels.standard" (dict "component" "zeus" "customLabels" .Values.podLabels "context" $) | nindent 4 }}
*/}}
{{- define "kosmos-common.labels.standard" -}}
{{- $ctx := .context -}}
{{- $labels := dict -}}
{{- with $ctx.Values.commonLabels -}}
{{- $labels = merge $labels (include "kosmos-common.tplvalues.render" (dict "value" . "context" $ctx) | fromYaml) -}}
{{- end -}}
{{- with .customLabels -}}
{{- $labels = merge (include "kosmos-common.tplvalues.render" (dict "value" . "context" $ctx) | fromYaml) $labels -}}
{{- end -}}
{{- $_ := set $labels "app.kubernetes.io/name" (include "kosmos-common.names.name" $ctx) -}}
{{- $_ := set $labels "app.kubernetes.io/instance" $ctx.Release.Name -}}
{{- $_ := set $labels "app.kubernetes.io/managed-by" $ctx.Release.Service -}}
{{- $_ := set $labels "helm.sh/chart" (include "kosmos-common.names.chart" $ctx) -}}
{{- $_ := set $labels "app.kubernetes.io/part-of" (default "kosmos" .partOf) -}}
{{- with $ctx.Chart.AppVersion -}}
{{- $_ := set $labels "app.kubernetes.io/version" (. | replace "+" "_" | trunc 63) -}}
{{- end -}}
{{- with .component -}}
{{- $_ := set $labels "app.kubernetes.io/component" . -}}
{{- end -}}
{{- toYaml $labels -}}
{{- end -}}

{{/*
Selector labels: name + instance (+ component). Use on Deployment/StatefulSet selectors, Service
selectors, PDB selectors and topology spread label selectors.
Usage:
  {{- include "kosmos-common.labels.matchLabels" (dict "context" $) | nindent 6 }}
  {{- include "kosmos-common.labels.matchLabels" (dict "component" "athena" "context" $) | nindent 6 }}
*/}}
{{- define "kosmos-common.labels.matchLabels" -}}
app.kubernetes.io/name: {{ include "kosmos-common.names.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{/*
Annotations: .Values.commonAnnotations merged with the given ones (given ones win), through tpl.
Renders nothing when both are empty, so guard the "annotations:" key with the result.
Usage:
  {{- $ann := include "kosmos-common.labels.annotations" (dict "annotations" .Values.service.annotations "context" $) }}
  {{- with $ann }}
  annotations: {{- . | nindent 4 }}
  {{- end }}
*/}}
{{- define "kosmos-common.labels.annotations" -}}
{{- $out := dict -}}
{{- with .context.Values.commonAnnotations -}}
{{- $out = merge $out (include "kosmos-common.tplvalues.render" (dict "value" . "context" $.context) | fromYaml) -}}
{{- end -}}
{{- with .annotations -}}
{{- $out = merge (include "kosmos-common.tplvalues.render" (dict "value" . "context" $.context) | fromYaml) $out -}}
{{- end -}}
{{- if $out -}}
{{- toYaml $out -}}
{{- end -}}
{{- end -}}
