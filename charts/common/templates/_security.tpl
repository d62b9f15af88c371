{{/*
Security contexts that pass the Pod Security "restricted" standard. The given map is deep-merged
over the restricted defaults (given keys win), so a chart only states what differs, e.g. the
image's own uid. Setting a key to a weaker value (runAsUser: 0, privileged: true) will make the
pod fail admission in the kosmos namespaces, which enforce "restricted".
*/}}

{{/*
Pod securityContext: runAsNonRoot, uid/gid 10001, fsGroup 10001 (OnRootMismatch), seccomp
RuntimeDefault.
Usage:
  securityContext: {{- include "kosmos-common.securityContext.pod" (dict "securityContext" .Values.podSecurityContext) | nindent 8 }}
*/}}
{{- define "kosmos-common.securityContext.pod" -}}
{{- $defaults := dict "runAsNonRoot" true "runAsUser" 10001 "runAsGroup" 10001 "fsGroup" 10001 "fsGroupChangePolicy" "OnRootMismatch" "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- include "kosmos-common.tplvalues.deepMerge" (dict "base" $defaults "override" (.securityContext | default dict)) -}}
{{- end -}}

{{/*
Container securityContext: no privilege escalation, not privileged, read-only root filesystem,
non-root, capabilities drop ALL, seccomp RuntimeDefault.
Usage:
  securityContext: {{- include "kosmos-common.securityContext.container" (dict "securityContext" .Values.containerSecurityContext) | nindent 12 }}
*/}}
{{- define "kosmos-common.securityContext.container" -}}
{{- $defaults := dict "allowPrivilegeEscalation" false "privileged" false "readOnlyRootFilesystem" true "runAsNonRoot" true "capabilities" (dict "drop" (list "ALL")) "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- include "kosmos-common.tplvalues.deepMerge" (dict "base" $defaults "override" (.securityContext | default dict)) -}}
{{- end -}}
