{{/*
One probe. The probe value is a Kubernetes probe plus an "enabled" switch:
  livenessProbe:
    enabled: true
    httpGet: {path: /health, port: http}
    initialDelaySeconds: 30
    periodSeconds: 10
Renders "<name>:" and the probe without "enabled" when enabled is true, nothing otherwise. A
non-empty "custom" map replaces the probe entirely (it is rendered as given).
Usage:
  {{- include "kosmos-common.probes.probe" (dict "name" "livenessProbe" "probe" .Values.livenessProbe "context" $) | nindent 10 }}
  {{- include "kosmos-common.probes.probe" (dict "name" "readinessProbe" "probe" .Values.readinessProbe "custom" .Values.customReadinessProbe "context" $) | nindent 10 }}
*/}}
{{- define "kosmos-common.probes.probe" -}}
{{- if .custom -}}
{{ .name }}: {{- include "kosmos-common.tplvalues.render" (dict "value" .custom "context" .context) | nindent 2 }}
{{- else if and .probe .probe.enabled -}}
{{ .name }}: {{- include "kosmos-common.tplvalues.render" (dict "value" (omit .probe "enabled") "context" .context) | nindent 2 }}
{{- end -}}
{{- end -}}

{{/*
The three probes of a container in one call, each through kosmos-common.probes.probe.
Usage:
  {{- include "kosmos-common.probes.all" (dict "liveness" .Values.livenessProbe "readiness" .Values.readinessProbe "startup" .Values.startupProbe "context" $) | nindent 10 }}
*/}}
{{- define "kosmos-common.probes.all" -}}
{{- $out := list -}}
{{- with (include "kosmos-common.probes.probe" (dict "name" "startupProbe" "probe" .startup "context" .context)) }}{{ $out = append $out . }}{{ end -}}
{{- with (include "kosmos-common.probes.probe" (dict "name" "livenessProbe" "probe" .liveness "context" .context)) }}{{ $out = append $out . }}{{ end -}}
{{- with (include "kosmos-common.probes.probe" (dict "name" "readinessProbe" "probe" .readiness "context" .context)) }}{{ $out = append $out . }}{{ end -}}
{{- join "\n" $out -}}
{{- end -}}
