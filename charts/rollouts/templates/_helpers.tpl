{{/*
The enabled rollouts, each deep-merged over .Values.rolloutDefaults, as YAML (agent -> settings).
Usage:
  {{- range $name, $r := include "rollouts.rollouts" . | fromYaml }}
*/}}
{{- define "rollouts.rollouts" -}}
{{- $out := dict -}}
{{- range $name, $overrides := .Values.rollouts -}}
{{- if not (kindIs "invalid" $overrides) -}}
{{- $r := include "kosmos-common.tplvalues.deepMerge" (dict "base" $.Values.rolloutDefaults "override" $overrides) | fromYaml -}}
{{- if $r.enabled -}}
{{- $_ := set $out $name $r -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
Standard labels of this chart's objects for one agent.
Usage:
  labels: {{- include "rollouts.labels" (dict "name" $name "context" $) | nindent 4 }}
*/}}
{{- define "rollouts.labels" -}}
{{- include "kosmos-common.labels.standard" (dict "component" .name "context" .context) -}}
{{- end -}}

{{/*
Labels of the agent's pods, as core-agents sets them (its name + instance + component).
Usage:
  {{- include "rollouts.agentSelector" (dict "name" $name "context" $) | nindent 6 }}
*/}}
{{- define "rollouts.agentSelector" -}}
app.kubernetes.io/name: {{ .context.Values.coreAgents.name }}
app.kubernetes.io/instance: {{ .context.Values.coreAgents.release }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/*
"annotations:" key with commonAnnotations, or nothing.
*/}}
{{- define "rollouts.annotations" -}}
{{- with include "kosmos-common.labels.annotations" (dict "annotations" .annotations "context" .context) -}}
annotations: {{- . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* Object names of one agent's canary. Usage: {{ include "rollouts.stableService" $name }} */}}
{{- define "rollouts.stableService" -}}{{ printf "%s-stable" . | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "rollouts.canaryService" -}}{{ printf "%s-canary" . | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "rollouts.traefikService" -}}{{ printf "%s-weighted" . | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "rollouts.analysisTemplate" -}}{{ printf "%s-success-rate" . | trunc 63 | trimSuffix "-" }}{{- end -}}
