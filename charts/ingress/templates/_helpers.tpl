{{/*
Standard labels of this chart's objects.
Usage:
  labels: {{- include "ingress.labels" (dict "component" "route" "context" $) | nindent 4 }}
*/}}
{{- define "ingress.labels" -}}
{{- include "kosmos-common.labels.standard" (dict "component" .component "context" .context) -}}
{{- end -}}

{{/*
"annotations:" key with commonAnnotations, or nothing.
Usage:
  {{- include "ingress.annotations" (dict "context" $) | nindent 2 }}
*/}}
{{- define "ingress.annotations" -}}
{{- with include "kosmos-common.labels.annotations" (dict "annotations" .annotations "context" .context) -}}
annotations: {{- . | nindent 2 }}
{{- end -}}
{{- end -}}
