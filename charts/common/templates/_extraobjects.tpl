{{/*
Renders .Values.extraObjects: a list of Kubernetes objects (maps, or strings holding YAML), each
through tpl, one document each. Put it in templates/extra-objects.yaml of the including chart.
Usage:
  {{- include "kosmos-common.extraObjects.render" (dict "objects" .Values.extraObjects "context" $) }}
*/}}
{{- define "kosmos-common.extraObjects.render" -}}
{{- range .objects }}
---
{{ include "kosmos-common.tplvalues.render" (dict "value" . "context" $.context) }}
{{- end }}
{{- end -}}
