{{/*
PodDisruptionBudget spec from a "pdb" value {create, minAvailable, maxUnavailable}: minAvailable
when set, else maxUnavailable (1 when neither is set). The caller decides whether to render the
object (pdb.create).
Usage:
  spec: {{- include "kosmos-common.pdb.spec" (dict "pdb" .Values.pdb "selectorLabels" (include "kosmos-common.labels.matchLabels" (dict "context" $))) | nindent 2 }}
*/}}
{{- define "kosmos-common.pdb.spec" -}}
{{- $pdb := .pdb | default dict -}}
{{- if and (hasKey $pdb "minAvailable") (not (kindIs "invalid" $pdb.minAvailable)) (ne (toString $pdb.minAvailable) "") -}}
minAvailable: {{ $pdb.minAvailable }}
{{- else -}}
maxUnavailable: {{ ternary 1 $pdb.maxUnavailable (or (kindIs "invalid" $pdb.maxUnavailable) (eq (toString $pdb.maxUnavailable) "")) }}
{{- end }}
selector:
  matchLabels: {{- .selectorLabels | nindent 4 }}
{{- end -}}
