{{/*
The enabled agents, each deep-merged over .Values.agentDefaults, as YAML (name -> settings).
Usage:
  {{- range $name, $agent := include "core-agents.agents" . | fromYaml }}
*/}}
{{- define "core-agents.agents" -}}
{{- $out := dict -}}
{{- range $name, $overrides := .Values.agents -}}
{{- if not (kindIs "invalid" $overrides) -}}
{{- $agent := include "kosmos-common.tplvalues.deepMerge" (dict "base" $.Values.agentDefaults "override" $overrides) | fromYaml -}}
{{- if $agent.enabled -}}
{{- $_ := set $out $name $agent -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
Name of an agent's objects: the agent name, or "<fullname>-<agent>" with prefixWithFullname.
Usage:
  {{ include "core-agents.name" (dict "name" $name "context" $) }}
*/}}
{{- define "core-agents.name" -}}
{{- if .context.Values.prefixWithFullname -}}
{{- printf "%s-%s" (include "kosmos-common.names.fullname" .context) .name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
Standard labels of an agent's objects (component = agent name).
Usage:
  {{- include "core-agents.labels" (dict "name" $name "context" $) | nindent 4 }}
*/}}
{{- define "core-agents.labels" -}}
{{- include "kosmos-common.labels.standard" (dict "component" .name "context" .context) -}}
{{- end -}}

{{/*
Selector labels of an agent (name + instance + component).
Usage:
  {{- include "core-agents.selectorLabels" (dict "name" $name "context" $) | nindent 6 }}
*/}}
{{- define "core-agents.selectorLabels" -}}
{{- include "kosmos-common.labels.matchLabels" (dict "component" .name "context" .context) -}}
{{- end -}}

{{/*
Metadata annotations (commonAnnotations + given), as a full "annotations:" key or nothing.
Usage:
  {{- include "core-agents.annotations" (dict "annotations" $agent.service.annotations "context" $) | nindent 2 }}
*/}}
{{- define "core-agents.annotations" -}}
{{- with include "kosmos-common.labels.annotations" (dict "annotations" .annotations "context" .context) -}}
annotations: {{- . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/*
ServiceAccount name of an agent.
Usage:
  {{ include "core-agents.serviceAccountName" (dict "name" $name "agent" $agent "context" $) }}
*/}}
{{- define "core-agents.serviceAccountName" -}}
{{- include "kosmos-common.names.serviceAccount" (dict "serviceAccount" .agent.serviceAccount "default" (include "core-agents.name" .)) -}}
{{- end -}}

{{/*
Whether the agent exposes metrics on a separate port ("true" or "").
*/}}
{{- define "core-agents.separateMetricsPort" -}}
{{- if and .agent.metrics.enabled (ne (int .agent.metrics.port) (int .agent.containerPort)) -}}true{{- end -}}
{{- end -}}

{{/*
Whether the ServiceMonitor API is served or forced ("true" or "").
*/}}
{{- define "core-agents.serviceMonitorEnabled" -}}
{{- if and .agent.metrics.enabled .agent.serviceMonitor.enabled (or .agent.serviceMonitor.force (.context.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor")) -}}true{{- end -}}
{{- end -}}
