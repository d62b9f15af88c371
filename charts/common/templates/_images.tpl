{{/*
Image reference "registry/repository:tag" or "registry/repository@digest" (a digest wins over a
tag). global.imageRegistry replaces the image's own registry; an empty tag falls back to the
chart's appVersion when chart is given.
Usage:
  {{ include "kosmos-common.images.image" (dict "image" .Values.image "global" .Values.global "chart" .Chart) }}
*/}}
{{- define "kosmos-common.images.image" -}}
{{- $registry := .image.registry | default "" -}}
{{- if and .global .global.imageRegistry -}}
{{- $registry = .global.imageRegistry -}}
{{- end -}}
{{- $repository := required "image.repository is required" .image.repository -}}
{{- $ref := ternary $repository (printf "%s/%s" $registry $repository) (empty $registry) -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $ref .image.digest -}}
{{- else -}}
{{- $tag := .image.tag | default "" | toString -}}
{{- if and (not $tag) .chart -}}
{{- $tag = .chart.AppVersion | toString -}}
{{- end -}}
{{- printf "%s:%s" $ref (required "image.tag or image.digest is required" $tag) -}}
{{- end -}}
{{- end -}}

{{/*
imagePullSecrets from global.imagePullSecrets and the given list (names or {name: x} objects),
without duplicates. Renders the whole "imagePullSecrets:" key, or nothing.
Usage:
  {{- with include "kosmos-common.images.pullSecrets" (dict "pullSecrets" .Values.image.pullSecrets "global" .Values.global) }}{{ . | nindent 6 }}{{ end }}
*/}}
{{- define "kosmos-common.images.pullSecrets" -}}
{{- $names := list -}}
{{- $all := concat ((.global).imagePullSecrets | default list) (.pullSecrets | default list) -}}
{{- range $all -}}
{{- $n := . -}}
{{- if kindIs "map" . -}}
{{- $n = .name -}}
{{- end -}}
{{- if and $n (not (has $n $names)) -}}
{{- $names = append $names $n -}}
{{- end -}}
{{- end -}}
{{- if $names -}}
imagePullSecrets:
{{- range $names }}
  - name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}
