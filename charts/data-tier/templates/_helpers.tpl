{{/*
data-tier helpers: thin wrappers around kosmos-common (names, labels, component objects).
*/}}

{{/* Fully qualified release name. */}}
{{- define "data-tier.fullname" -}}
{{- include "kosmos-common.names.fullname" . -}}
{{- end -}}

{{/*
Arguments for the kosmos-common.component.* helpers: the component's values by name.
Usage: {{- $c := include "data-tier.component" (dict "component" "nats" "context" $) | fromYaml }} is not
possible (contexts do not survive YAML), so templates call
  (dict "component" "nats" "values" .Values.nats "context" $)
directly; this helper only names a component's objects.
*/}}
{{- define "data-tier.componentName" -}}
{{- include "kosmos-common.component.fullname" (dict "component" .component "context" .context) -}}
{{- end -}}

{{/* Name of a component's governing (headless) Service. */}}
{{- define "data-tier.headlessName" -}}
{{- include "kosmos-common.component.suffixedName" (dict "component" .component "suffix" "headless" "context" .context) -}}
{{- end -}}

{{/* In-cluster DNS name of a component's client Service. */}}
{{- define "data-tier.serviceHost" -}}
{{- printf "%s.%s.svc" (include "data-tier.componentName" .) (include "kosmos-common.names.namespace" .context) -}}
{{- end -}}

{{/*
Fails rendering when a component that needs credentials has no existing Secret named: the chart
never holds secret values.
*/}}
{{- define "data-tier.requireSecret" -}}
{{- required (printf "%s.auth.existingSecret: name an existing Secret (this chart never creates credentials)" .component) .secret -}}
{{- end -}}
