{{/*
The namespaces, each deep-merged over .Values.namespaceDefaults, as YAML (name -> settings).
Usage:
  {{- range $ns, $cfg := include "platform.namespaces" . | fromYaml }}
*/}}
{{- define "platform.namespaces" -}}
{{- $out := dict -}}
{{- range $name, $overrides := .Values.namespaces -}}
{{- if not (kindIs "invalid" $overrides) -}}
{{- $_ := set $out $name (include "kosmos-common.tplvalues.deepMerge" (dict "base" $.Values.namespaceDefaults "override" $overrides) | fromYaml) -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
Standard labels of the platform's objects, with an optional component.
Usage:
  labels: {{- include "platform.labels" (dict "component" "quota" "context" $) | nindent 4 }}
*/}}
{{- define "platform.labels" -}}
{{- include "kosmos-common.labels.standard" (dict "component" .component "context" .context) -}}
{{- end -}}

{{/*
"annotations:" key with commonAnnotations and the given ones, or nothing.
Usage:
  {{- include "platform.annotations" (dict "annotations" $ann "context" $) | nindent 2 }}
*/}}
{{- define "platform.annotations" -}}
{{- with include "kosmos-common.labels.annotations" (dict "annotations" .annotations "context" .context) -}}
annotations: {{- . | nindent 2 }}
{{- end -}}
{{- end -}}
