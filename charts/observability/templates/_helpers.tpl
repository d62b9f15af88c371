{{/*
observability helpers: thin wrappers around kosmos-common plus the alert rules, which the rules
ConfigMap and the PrometheusRule share.
*/}}

{{/* "<fullname>-<component>". */}}
{{- define "observability.componentName" -}}
{{- include "kosmos-common.component.fullname" (dict "component" .component "context" .context) -}}
{{- end -}}

{{/* In-cluster URL of a component's Service: http://<name>.<namespace>.svc:<port>. */}}
{{- define "observability.url" -}}
{{- printf "http://%s.%s.svc:%v" (include "observability.componentName" .) (include "kosmos-common.names.namespace" .context) .port -}}
{{- end -}}

{{/*
Services of the simple components: one client Service with the given ports.
Usage: {{ include "observability.service" (dict "component" "loki" "ports" (list (dict "name" "http" "port" 3100)) "context" $) }}
*/}}
{{- define "observability.service" -}}
{{- include "kosmos-common.component.service" (dict "component" .component "values" (index .context.Values (.key | default .component)) "ports" .ports "context" .context) -}}
{{- end -}}

{{/*
Alert rule groups of seeds/000 ("Key Metrics to Monitor") and seeds/003 ("Setting Up Alerts"),
thresholds and durations from .Values.prometheus.alertRules. Returns YAML: a list of groups.
*/}}
{{- define "observability.alertRuleGroups" -}}
{{- $r := .Values.prometheus.alertRules -}}
{{- $workloads := list -}}
{{- $nodes := list -}}
{{- if $r.podFailed.enabled -}}
{{- $workloads = append $workloads (dict "alert" "KubePodFailed" "expr" "sum by (namespace, pod) (kube_pod_status_phase{phase=\"Failed\"}) > 0" "for" $r.podFailed.for "labels" (dict "severity" $r.podFailed.severity) "annotations" (dict "summary" "Pod {{ $labels.namespace }}/{{ $labels.pod }} has failed" "description" (printf "Pod {{ $labels.namespace }}/{{ $labels.pod }} has been in phase Failed for more than %s." $r.podFailed.for))) -}}
{{- end -}}
{{- if $r.replicasUnavailable.enabled -}}
{{- $workloads = append $workloads (dict "alert" "KubeDeploymentReplicasUnavailable" "expr" "kube_deployment_status_replicas_unavailable > 0" "for" $r.replicasUnavailable.for "labels" (dict "severity" $r.replicasUnavailable.severity) "annotations" (dict "summary" "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has unavailable replicas" "description" (printf "{{ $value }} replica(s) of {{ $labels.namespace }}/{{ $labels.deployment }} unavailable for more than %s." $r.replicasUnavailable.for))) -}}
{{- end -}}
{{- if $r.podRestarts.enabled -}}
{{- $workloads = append $workloads (dict "alert" "KubePodRestartLoop" "expr" (printf "increase(kube_pod_container_status_restarts_total[%s]) > %v" $r.podRestarts.window $r.podRestarts.threshold) "for" $r.podRestarts.for "labels" (dict "severity" $r.podRestarts.severity) "annotations" (dict "summary" "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is restarting" "description" (printf "More than %v restarts in %s ({{ $value | humanize }})." $r.podRestarts.threshold $r.podRestarts.window))) -}}
{{- end -}}
{{- if $r.nodeMemoryLow.enabled -}}
{{- $nodes = append $nodes (dict "alert" "NodeMemoryLow" "expr" (printf "node_memory_MemAvailable_bytes < %v" (int64 $r.nodeMemoryLow.thresholdBytes)) "for" $r.nodeMemoryLow.for "labels" (dict "severity" $r.nodeMemoryLow.severity) "annotations" (dict "summary" "Node {{ $labels.instance }} is low on memory" "description" (printf "Only {{ $value | humanize1024 }}B available, below %v bytes." (int64 $r.nodeMemoryLow.thresholdBytes)))) -}}
{{- end -}}
{{- if $r.filesystemLow.enabled -}}
{{- $nodes = append $nodes (dict "alert" "NodeFilesystemLow" "expr" (printf "node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay|squashfs|ramfs\"} < %v" (int64 $r.filesystemLow.thresholdBytes)) "for" $r.filesystemLow.for "labels" (dict "severity" $r.filesystemLow.severity) "annotations" (dict "summary" "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is low on space" "description" (printf "Only {{ $value | humanize1024 }}B free, below %v bytes." (int64 $r.filesystemLow.thresholdBytes)))) -}}
{{- end -}}
{{- if $r.filesystemLowPercent.enabled -}}
{{- $nodes = append $nodes (dict "alert" "NodeFilesystemLowPercent" "expr" (printf "node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay|squashfs|ramfs\"} / node_filesystem_size_bytes{fstype!~\"tmpfs|overlay|squashfs|ramfs\"} * 100 < %v" $r.filesystemLowPercent.thresholdPercent) "for" $r.filesystemLowPercent.for "labels" (dict "severity" $r.filesystemLowPercent.severity) "annotations" (dict "summary" (printf "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has less than %v%% free" $r.filesystemLowPercent.thresholdPercent) "description" "{{ $value | humanize }}% free.")) -}}
{{- end -}}
{{- if $r.highCpu.enabled -}}
{{- $nodes = append $nodes (dict "alert" "NodeHighCpu" "expr" (printf "100 - (avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m])) * 100) > %v" $r.highCpu.thresholdPercent) "for" $r.highCpu.for "labels" (dict "severity" $r.highCpu.severity) "annotations" (dict "summary" "Node {{ $labels.instance }} CPU is busy" "description" (printf "CPU usage {{ $value | humanize }}%% above %v%% for %s." $r.highCpu.thresholdPercent $r.highCpu.for))) -}}
{{- end -}}
{{- if $r.highMemory.enabled -}}
{{- $nodes = append $nodes (dict "alert" "NodeHighMemory" "expr" (printf "(1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)) * 100 > %v" $r.highMemory.thresholdPercent) "for" $r.highMemory.for "labels" (dict "severity" $r.highMemory.severity) "annotations" (dict "summary" "Node {{ $labels.instance }} memory is nearly full" "description" (printf "Memory usage {{ $value | humanize }}%% above %v%% for %s." $r.highMemory.thresholdPercent $r.highMemory.for))) -}}
{{- end -}}
{{- if $r.nodeDown.enabled -}}
{{- $nodes = append $nodes (dict "alert" "KubeNodeNotReady" "expr" "kube_node_status_condition{condition=\"Ready\",status=\"true\"} == 0" "for" $r.nodeDown.for "labels" (dict "severity" $r.nodeDown.severity) "annotations" (dict "summary" "Node {{ $labels.node }} is not Ready" "description" (printf "Node {{ $labels.node }} has not been Ready for more than %s." $r.nodeDown.for))) -}}
{{- $nodes = append $nodes (dict "alert" "NodeDown" "expr" "up{job=~\"kubernetes-nodes|node-exporter\"} == 0" "for" $r.nodeDown.for "labels" (dict "severity" $r.nodeDown.severity) "annotations" (dict "summary" "{{ $labels.job }} target {{ $labels.instance }} is down" "description" (printf "Prometheus has not reached {{ $labels.instance }} for more than %s." $r.nodeDown.for))) -}}
{{- end -}}
{{- if $r.certificateExpiry.enabled -}}
{{- $secs := mul (int64 $r.certificateExpiry.days) 86400 -}}
{{- $nodes = append $nodes (dict "alert" "CertificateExpiringSoon" "expr" (printf "(certmanager_certificate_expiration_timestamp_seconds - time()) < %d" $secs) "for" $r.certificateExpiry.for "labels" (dict "severity" $r.certificateExpiry.severity) "annotations" (dict "summary" "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires soon" "description" (printf "Expires in {{ $value | humanizeDuration }}, less than %v days." $r.certificateExpiry.days))) -}}
{{- $nodes = append $nodes (dict "alert" "ClientCertificateExpiringSoon" "expr" (printf "histogram_quantile(0.01, sum by (job, le) (rate(apiserver_client_certificate_expiration_seconds_bucket[5m]))) < %d" $secs) "for" $r.certificateExpiry.for "labels" (dict "severity" $r.certificateExpiry.severity) "annotations" (dict "summary" "A client certificate used against the API server expires soon" "description" (printf "Less than %v days left on a client certificate seen by {{ $labels.job }}." $r.certificateExpiry.days))) -}}
{{- end -}}
{{- $groups := list -}}
{{- with $workloads }}{{ $groups = append $groups (dict "name" "kosmos.workloads" "rules" .) }}{{ end -}}
{{- with $nodes }}{{ $groups = append $groups (dict "name" "kosmos.nodes" "rules" .) }}{{ end -}}
{{- toYaml (concat $groups ($r.extraGroups | default list)) -}}
{{- end -}}

{{/*
Metadata of a cluster-scoped object of a component: named "<namespace>-<fullname>-<component>" so
that releases in two namespaces do not collide, without a namespace.
*/}}
{{- define "observability.clusterMetadata" -}}
{{- $name := printf "%s-%s" (include "kosmos-common.names.namespace" .context) (include "observability.componentName" .) | trunc 63 | trimSuffix "-" -}}
{{- $m := include "kosmos-common.component.metadata" (dict "component" .component "name" $name "context" .context) | fromYaml -}}
{{- toYaml (omit $m "namespace") -}}
{{- end -}}

{{/* A ClusterRole of a component with the given rules (a list). */}}
{{- define "observability.clusterRole" -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{- include "observability.clusterMetadata" . | nindent 2 }}
rules: {{- toYaml .rules | nindent 2 }}
{{- end -}}

{{/* The ClusterRoleBinding of a component's ClusterRole to its ServiceAccount. */}}
{{- define "observability.clusterRoleBinding" -}}
{{- $meta := include "observability.clusterMetadata" . | fromYaml -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{- toYaml $meta | nindent 2 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ $meta.name }}
subjects:
  - kind: ServiceAccount
    name: {{ include "kosmos-common.component.serviceAccountName" (dict "component" .component "values" (index .context.Values .key) "context" .context) }}
    namespace: {{ include "kosmos-common.names.namespace" .context }}
{{- end -}}
