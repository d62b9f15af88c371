{{/*
Names. Every name is cut to 63 characters (the DNS label limit) and stripped of a trailing "-".
*/}}

{{/*
Chart name, or .Values.nameOverride when set.
Usage:
  {{ include "kosmos-common.names.name" . }}
*/}}
{{- define "kosmos-common.names.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Fully qualified name: .Values.fullnameOverride, else the release name when it already contains
the chart name, else "<release>-<name>".
Usage:
  {{ include "kosmos-common.names.fullname" . }}
*/}}
{{- define "kosmos-common.names.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Fullname with a suffix, for charts that render several components.
Usage:
  {{ include "kosmos-common.names.componentFullname" (dict "component" "backup" "context" $) }}
*/}}
{{- define "kosmos-common.names.componentFullname" -}}
{{- printf "%s-%s" (include "kosmos-common.names.fullname" .context | trunc 55 | trimSuffix "-") .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
"<chart>-<version>" as used by the helm.sh/chart label ("+" replaced, since labels refuse it).
Usage:
  {{ include "kosmos-common.names.chart" . }}
*/}}
{{- define "kosmos-common.names.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Namespace of the release, or .Values.namespaceOverride when the chart offers it.
Usage:
  {{ include "kosmos-common.names.namespace" . }}
*/}}
{{- define "kosmos-common.names.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
ServiceAccount name: the given name, else a generated one when create is true, else "default".
Usage:
  {{ include "kosmos-common.names.serviceAccount" (dict "serviceAccount" .Values.serviceAccount "default" (include "kosmos-common.names.fullname" .)) }}
*/}}
{{- define "kosmos-common.names.serviceAccount" -}}
{{- if .serviceAccount.create -}}
{{- default .default .serviceAccount.name -}}
{{- else -}}
{{- default "default" .serviceAccount.name -}}
{{- end -}}
{{- end -}}
