{{/*
Renders a value that may hold template expressions. Strings are passed through tpl as they are;
maps and lists are turned into YAML first, then through tpl.
Usage:
  {{ include "kosmos-common.tplvalues.render" (dict "value" .Values.podAnnotations "context" $) }}
  {{ include "kosmos-common.tplvalues.render" (dict "value" .Values.extraEnv "context" $ "scope" $agent) }}
When "scope" is given its keys are reachable as .scope inside the value's expressions.
*/}}
{{- define "kosmos-common.tplvalues.render" -}}
{{- $text := ternary .value (.value | toYaml) (typeIs "string" .value) -}}
{{- if contains "{{" (toString $text) -}}
{{- $ctx := .context -}}
{{- if .scope -}}
{{- $ctx = merge (dict "scope" .scope) .context -}}
{{- end -}}
{{- tpl $text $ctx -}}
{{- else -}}
{{- $text -}}
{{- end -}}
{{- end -}}

{{/*
Deep merge of two maps in which the override wins, false/0/"" included (sprig's mergeOverwrite
skips those). Lists are replaced, not appended. Returns YAML: pipe it through fromYaml.
Usage:
  {{- $agent := include "kosmos-common.tplvalues.deepMerge" (dict "base" .Values.agentDefaults "override" $overrides) | fromYaml }}
*/}}
{{- define "kosmos-common.tplvalues.deepMerge" -}}
{{- $out := deepCopy (.base | default dict) -}}
{{- range $key, $value := (.override | default dict) -}}
{{- $current := get $out $key -}}
{{- if and (kindIs "map" $value) (kindIs "map" $current) -}}
{{- $_ := set $out $key (include "kosmos-common.tplvalues.deepMerge" (dict "base" $current "override" $value) | fromYaml) -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}
