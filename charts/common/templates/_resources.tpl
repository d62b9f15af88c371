{{/*
Container resources. Given requests/limits are rendered as they are; when a preset name is given
instead and resources is empty, the preset is used. Presets fit the kosmos LimitRange (min
50m/64Mi, max 2/4Gi per container).
  nano:   50m/64Mi    -> 200m/128Mi
  micro:  100m/128Mi  -> 250m/256Mi
  small:  100m/256Mi  -> 500m/512Mi
  medium: 250m/512Mi  -> 1/1Gi
  large:  500m/1Gi    -> 2/2Gi
Usage:
  resources: {{- include "kosmos-common.resources.render" (dict "resources" .Values.resources "preset" .Values.resourcesPreset) | nindent 12 }}
*/}}
{{- define "kosmos-common.resources.render" -}}
{{- if .resources -}}
{{- toYaml .resources -}}
{{- else if .preset -}}
{{- $presets := dict
  "nano" (dict "requests" (dict "cpu" "50m" "memory" "64Mi") "limits" (dict "cpu" "200m" "memory" "128Mi"))
  "micro" (dict "requests" (dict "cpu" "100m" "memory" "128Mi") "limits" (dict "cpu" "250m" "memory" "256Mi"))
  "small" (dict "requests" (dict "cpu" "100m" "memory" "256Mi") "limits" (dict "cpu" "500m" "memory" "512Mi"))
  "medium" (dict "requests" (dict "cpu" "250m" "memory" "512Mi") "limits" (dict "cpu" "1" "memory" "1Gi"))
  "large" (dict "requests" (dict "cpu" "500m" "memory" "1Gi") "limits" (dict "cpu" "2" "memory" "2Gi"))
-}}
{{- toYaml (required (printf "unknown resources preset %q (nano, micro, small, medium, large)" .preset) (get $presets .preset)) -}}
{{- else -}}
{}
{{- end -}}
{{- end -}}
