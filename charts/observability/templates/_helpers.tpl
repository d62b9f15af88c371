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
An alert rule as a dict. Usage:
  {{- $rules = append $rules (include "observability.rule" (dict "alert" "X" "expr" "up == 0" "cfg" $r.x "summary" "..." "description" "...") | fromYaml) -}}
cfg holds for and severity.
*/}}
{{- define "observability.rule" -}}
{{- $rule := dict "alert" .alert "expr" .expr "labels" (dict "severity" .cfg.severity) "annotations" (dict "summary" .summary "description" .description) -}}
{{- if and .cfg.for (ne (toString .cfg.for) "0m") (ne (toString .cfg.for) "0s") }}{{ $_ := set $rule "for" .cfg.for }}{{ end -}}
{{- toYaml $rule -}}
{{- end -}}

{{/*
Alert rule groups: seeds/000 ("Key Metrics to Monitor"), seeds/003 ("Setting Up Alerts"), and
what the platform itself needs watched (a Watchdog, Argo Rollouts, StatefulSets, the data tier's
backup CronJob, Traefik's ACME certificates). Thresholds and durations come from
.Values.prometheus.alertRules. Returns YAML: a list of groups.
*/}}
{{- define "observability.alertRuleGroups" -}}
{{- $r := .Values.prometheus.alertRules -}}
{{- $groups := list -}}
{{- $meta := list -}}
{{- if $r.watchdog.enabled -}}
{{- $meta = append $meta (include "observability.rule" (dict "alert" "Watchdog" "expr" "vector(1)" "cfg" $r.watchdog "summary" "Alerting pipeline heartbeat" "description" "Always firing. Route it to a dead man's switch: if it stops arriving, Prometheus or Alertmanager is down.") | fromYaml) -}}
{{- end -}}
{{- with $meta }}{{ $groups = append $groups (dict "name" "kosmos.meta" "rules" .) }}{{ end -}}
{{- $workloads := list -}}
{{- if $r.podFailed.enabled -}}
{{- $workloads = append $workloads (include "observability.rule" (dict "alert" "KubePodFailed" "expr" "sum by (namespace, pod) (kube_pod_status_phase{phase=\"Failed\"}) > 0" "cfg" $r.podFailed "summary" "Pod {{ $labels.namespace }}/{{ $labels.pod }} has failed" "description" (printf "Pod {{ $labels.namespace }}/{{ $labels.pod }} has been in phase Failed for more than %s." $r.podFailed.for)) | fromYaml) -}}
{{- end -}}
{{- if $r.replicasUnavailable.enabled -}}
{{- $workloads = append $workloads (include "observability.rule" (dict "alert" "KubeDeploymentReplicasUnavailable" "expr" "kube_deployment_status_replicas_unavailable > 0" "cfg" $r.replicasUnavailable "summary" "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has unavailable replicas" "description" (printf "{{ $value }} replica(s) of {{ $labels.namespace }}/{{ $labels.deployment }} unavailable for more than %s." $r.replicasUnavailable.for)) | fromYaml) -}}
{{- end -}}
{{- if $r.podRestarts.enabled -}}
{{- $workloads = append $workloads (include "observability.rule" (dict "alert" "KubePodRestartLoop" "expr" (printf "increase(kube_pod_container_status_restarts_total[%s]) > %v" $r.podRestarts.window $r.podRestarts.threshold) "cfg" $r.podRestarts "summary" "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is restarting" "description" (printf "More than %v restarts in %s ({{ $value | humanize }})." $r.podRestarts.threshold $r.podRestarts.window)) | fromYaml) -}}
{{- end -}}
{{- if $r.statefulSetReplicas.enabled -}}
{{- $workloads = append $workloads (include "observability.rule" (dict "alert" "KubeStatefulSetReplicasMismatch" "expr" "kube_statefulset_status_replicas_ready != kube_statefulset_replicas" "cfg" $r.statefulSetReplicas "summary" "StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} is missing ready replicas" "description" (printf "{{ $labels.namespace }}/{{ $labels.statefulset }} has had fewer ready replicas than desired for more than %s." $r.statefulSetReplicas.for)) | fromYaml) -}}
{{- $workloads = append $workloads (include "observability.rule" (dict "alert" "KubeStatefulSetUpdateStuck" "expr" "max by (namespace, statefulset) (kube_statefulset_status_current_revision unless kube_statefulset_status_update_revision) * on (namespace, statefulset) (kube_statefulset_replicas != kube_statefulset_status_replicas_updated)" "cfg" $r.statefulSetReplicas "summary" "StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} update has not rolled out" "description" (printf "Pods of {{ $labels.namespace }}/{{ $labels.statefulset }} have not moved to the new revision for more than %s." $r.statefulSetReplicas.for)) | fromYaml) -}}
{{- end -}}
{{- with $workloads }}{{ $groups = append $groups (dict "name" "kosmos.workloads" "rules" .) }}{{ end -}}
{{- $rollouts := list -}}
{{- if $r.rollouts.enabled -}}
{{- $rollouts = append $rollouts (include "observability.rule" (dict "alert" "RolloutDegraded" "expr" "rollout_info{phase=\"Degraded\"} == 1" "cfg" $r.rollouts "summary" "Rollout {{ $labels.namespace }}/{{ $labels.name }} is degraded" "description" "The canary was aborted or its pods are not available: the stable version serves the traffic. See `kubectl argo rollouts get rollout`.") | fromYaml) -}}
{{- $rollouts = append $rollouts (include "observability.rule" (dict "alert" "RolloutAnalysisFailed" "expr" "analysis_run_info{phase=~\"Failed|Error\"} == 1" "cfg" $r.rollouts "summary" "AnalysisRun {{ $labels.namespace }}/{{ $labels.name }} ended {{ $labels.phase }}" "description" "A canary analysis failed or could not query its metrics provider.") | fromYaml) -}}
{{- $rollouts = append $rollouts (include "observability.rule" (dict "alert" "RolloutMetricsAbsent" "expr" "absent(rollout_info)" "cfg" (dict "for" $r.rollouts.absentFor "severity" $r.rollouts.severity) "summary" "No Argo Rollouts metrics" "description" (printf "Prometheus has had no rollout_info series for %s: the Argo Rollouts controller is down or not scraped, and the rollout alerts cannot fire." $r.rollouts.absentFor)) | fromYaml) -}}
{{- end -}}
{{- with $rollouts }}{{ $groups = append $groups (dict "name" "kosmos.rollouts" "rules" .) }}{{ end -}}
{{- $backup := list -}}
{{- if $r.backup.enabled -}}
{{- $sel := printf "namespace=\"%s\",cronjob=\"%s\"" $r.backup.namespace $r.backup.cronJob -}}
{{- $maxAge := mul (int64 $r.backup.maxAgeHours) 3600 -}}
{{- $backup = append $backup (include "observability.rule" (dict "alert" "BackupJobFailed" "expr" (printf "kube_job_status_failed{namespace=\"%s\",job_name=~\"%s-[0-9]+\"} > 0" $r.backup.namespace $r.backup.cronJob) "cfg" $r.backup "summary" "Backup job {{ $labels.namespace }}/{{ $labels.job_name }} failed" "description" "The database dump or its upload to object storage failed: read the job's logs.") | fromYaml) -}}
{{- $backup = append $backup (include "observability.rule" (dict "alert" "BackupTooOld" "expr" (printf "time() - kube_cronjob_status_last_successful_time{%s} > %d" $sel $maxAge) "cfg" $r.backup "summary" "No successful backup of {{ $labels.namespace }} for too long" "description" (printf "The last successful run of CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} is {{ $value | humanizeDuration }} old (more than %v hours)." $r.backup.maxAgeHours)) | fromYaml) -}}
{{- $backup = append $backup (include "observability.rule" (dict "alert" "BackupNeverSucceeded" "expr" (printf "kube_cronjob_info{%s} unless on (namespace, cronjob) kube_cronjob_status_last_successful_time{%s}" $sel $sel) "cfg" (dict "for" (printf "%vh" $r.backup.maxAgeHours) "severity" $r.backup.severity) "summary" "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has never succeeded" "description" (printf "No successful backup since the CronJob exists (more than %v hours)." $r.backup.maxAgeHours)) | fromYaml) -}}
{{- end -}}
{{- with $backup }}{{ $groups = append $groups (dict "name" "kosmos.backup" "rules" .) }}{{ end -}}
{{- $nodes := list -}}
{{- if $r.nodeMemoryLow.enabled -}}
{{- $nodes = append $nodes (include "observability.rule" (dict "alert" "NodeMemoryLow" "expr" (printf "node_memory_MemAvailable_bytes < %v" (int64 $r.nodeMemoryLow.thresholdBytes)) "cfg" $r.nodeMemoryLow "summary" "Node {{ $labels.instance }} is low on memory" "description" (printf "Only {{ $value | humanize1024 }}B available, below %v bytes." (int64 $r.nodeMemoryLow.thresholdBytes))) | fromYaml) -}}
{{- end -}}
{{- if $r.filesystemLow.enabled -}}
{{- $nodes = append $nodes (include "observability.rule" (dict "alert" "NodeFilesystemLow" "expr" (printf "node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay|squashfs|ramfs\"} < %v" (int64 $r.filesystemLow.thresholdBytes)) "cfg" $r.filesystemLow "summary" "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is low on space" "description" (printf "Only {{ $value | humanize1024 }}B free, below %v bytes." (int64 $r.filesystemLow.thresholdBytes))) | fromYaml) -}}
{{- end -}}
{{- if $r.filesystemLowPercent.enabled -}}
{{- $nodes = append $nodes (include "observability.rule" (dict "alert" "NodeFilesystemLowPercent" "expr" (printf "node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay|squashfs|ramfs\"} / node_filesystem_size_bytes{fstype!~\"tmpfs|overlay|squashfs|ramfs\"} * 100 < %v" $r.filesystemLowPercent.thresholdPercent) "cfg" $r.filesystemLowPercent "summary" (printf "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has less than %v%% free" $r.filesystemLowPercent.thresholdPercent) "description" "{{ $value | humanize }}% free.") | fromYaml) -}}
{{- end -}}
{{- if $r.highCpu.enabled -}}
{{- $nodes = append $nodes (include "observability.rule" (dict "alert" "NodeHighCpu" "expr" (printf "100 - (avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m])) * 100) > %v" $r.highCpu.thresholdPercent) "cfg" $r.highCpu "summary" "Node {{ $labels.instance }} CPU is busy" "description" (printf "CPU usage {{ $value | humanize }}%% above %v%% for %s." $r.highCpu.thresholdPercent $r.highCpu.for)) | fromYaml) -}}
{{- end -}}
{{- if $r.highMemory.enabled -}}
{{- $nodes = append $nodes (include "observability.rule" (dict "alert" "NodeHighMemory" "expr" (printf "(1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)) * 100 > %v" $r.highMemory.thresholdPercent) "cfg" $r.highMemory "summary" "Node {{ $labels.instance }} memory is nearly full" "description" (printf "Memory usage {{ $value | humanize }}%% above %v%% for %s." $r.highMemory.thresholdPercent $r.highMemory.for)) | fromYaml) -}}
{{- end -}}
{{- if $r.nodeDown.enabled -}}
{{- $nodes = append $nodes (include "observability.rule" (dict "alert" "KubeNodeNotReady" "expr" "kube_node_status_condition{condition=\"Ready\",status=\"true\"} == 0" "cfg" $r.nodeDown "summary" "Node {{ $labels.node }} is not Ready" "description" (printf "Node {{ $labels.node }} has not been Ready for more than %s." $r.nodeDown.for)) | fromYaml) -}}
{{- $nodes = append $nodes (include "observability.rule" (dict "alert" "NodeDown" "expr" (printf "up{job=~\"%s\"} == 0" $r.nodeDown.jobs) "cfg" $r.nodeDown "summary" "{{ $labels.job }} target {{ $labels.instance }} is down" "description" (printf "Prometheus has not reached {{ $labels.instance }} for more than %s." $r.nodeDown.for)) | fromYaml) -}}
{{- end -}}
{{- with $nodes }}{{ $groups = append $groups (dict "name" "kosmos.nodes" "rules" .) }}{{ end -}}
{{- $certs := list -}}
{{- if $r.certificateExpiry.enabled -}}
{{- $secs := mul (int64 $r.certificateExpiry.days) 86400 -}}
{{- $certs = append $certs (include "observability.rule" (dict "alert" "CertificateExpiringSoon" "expr" (printf "min by (cn, sans, serial) (traefik_tls_certs_not_after) - time() < %d" $secs) "cfg" $r.certificateExpiry "summary" "TLS certificate {{ $labels.cn }} expires soon" "description" (printf "Traefik serves a certificate for {{ $labels.sans }} that expires in {{ $value | humanizeDuration }}, less than %v days: ACME renewal (Let's Encrypt renews 30 days ahead) is failing." $r.certificateExpiry.days)) | fromYaml) -}}
{{- $certs = append $certs (include "observability.rule" (dict "alert" "ClientCertificateExpiringSoon" "expr" (printf "histogram_quantile(0.01, sum by (job, le) (rate(apiserver_client_certificate_expiration_seconds_bucket[5m]))) < %d" $secs) "cfg" $r.certificateExpiry "summary" "A client certificate used against the API server expires soon" "description" (printf "Less than %v days left on a client certificate seen by {{ $labels.job }}." $r.certificateExpiry.days)) | fromYaml) -}}
{{- end -}}
{{- with $certs }}{{ $groups = append $groups (dict "name" "kosmos.certificates" "rules" .) }}{{ end -}}
{{- toYaml (concat $groups ($r.extraGroups | default list)) -}}
{{- end -}}

{{/*
Labels the Prometheus Operator puts on the pods of a Prometheus or Alertmanager resource (and
selects them by): kind is "prometheus" or "alertmanager". Our own selector labels cannot be used:
the operator overwrites app.kubernetes.io/name and app.kubernetes.io/instance on its pods.
*/}}
{{- define "observability.operatedSelector" -}}
app.kubernetes.io/name: {{ .kind }}
{{ .kind }}: {{ include "observability.componentName" (dict "component" .kind "context" .context) }}
{{- end -}}

{{/*
A client Service for the pods of an operator-managed component (selector from
observability.operatedSelector). The operator's own governing Services (prometheus-operated,
alertmanager-operated) are headless and shared by every resource of the namespace; this one is
the stable name clients use.
*/}}
{{- define "observability.operatedService" -}}
{{- $v := index .context.Values .kind -}}
apiVersion: v1
kind: Service
metadata: {{- include "kosmos-common.component.metadata" (dict "component" .kind "annotations" $v.service.annotations "context" .context) | nindent 2 }}
spec:
  type: {{ $v.service.type | default "ClusterIP" }}
  selector: {{- include "observability.operatedSelector" . | nindent 4 }}
  ports:
    - name: web
      port: {{ $v.port }}
      targetPort: web
      protocol: TCP
{{- end -}}

{{/* PodDisruptionBudget of an operator-managed component (values.pdb.create). */}}
{{- define "observability.operatedPdb" -}}
{{- $v := index .context.Values .kind -}}
{{- if $v.pdb.create }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{- include "kosmos-common.component.metadata" (dict "component" .kind "context" .context) | nindent 2 }}
spec: {{- include "kosmos-common.pdb.spec" (dict "pdb" $v.pdb "selectorLabels" (include "observability.operatedSelector" .)) | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
Pod-level fields shared by the Prometheus and Alertmanager resources: image, ServiceAccount,
pod labels, restricted securityContext, resources, the config reloader's resources (the
operator's default of 10m CPU is below the kosmos LimitRange minimum of 50m, so the pod would be
forbidden), scheduling.
*/}}
{{- define "observability.operatedPodSpec" -}}
{{- $v := index .context.Values .kind -}}
{{- $ctx := .context -}}
image: {{ include "kosmos-common.images.image" (dict "image" $v.image "global" $ctx.Values.global) }}
version: {{ $v.image.tag | quote }}
imagePullPolicy: {{ $v.image.pullPolicy | default "IfNotPresent" }}
{{- include "kosmos-common.images.pullSecrets" (dict "pullSecrets" $v.image.pullSecrets "global" $ctx.Values.global) }}
replicas: {{ $v.replicaCount }}
serviceAccountName: {{ include "kosmos-common.component.serviceAccountName" (dict "component" .kind "values" $v "context" $ctx) }}
podMetadata:
  labels: {{- include "kosmos-common.labels.standard" (dict "component" .kind "customLabels" $v.podLabels "context" $ctx) | nindent 4 }}
  {{- with include "kosmos-common.labels.annotations" (dict "annotations" $v.podAnnotations "context" $ctx) }}
  annotations: {{- . | nindent 4 }}
  {{- end }}
securityContext: {{- include "kosmos-common.securityContext.pod" (dict "securityContext" $v.podSecurityContext) | nindent 2 }}
resources: {{- toYaml $v.resources | nindent 2 }}
{{- $restricted := include "kosmos-common.securityContext.container" (dict "securityContext" dict) | fromYaml }}
containers:
  - name: {{ .kind }}
    securityContext: {{- toYaml $restricted | nindent 6 }}
  - name: config-reloader
    resources: {{- toYaml $v.configReloader.resources | nindent 6 }}
    securityContext: {{- toYaml $restricted | nindent 6 }}
initContainers:
  - name: init-config-reloader
    resources: {{- toYaml $v.configReloader.resources | nindent 6 }}
    securityContext: {{- toYaml $restricted | nindent 6 }}
{{- with $v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $v.nodeSelector }}
nodeSelector: {{- include "kosmos-common.tplvalues.render" (dict "value" . "context" $ctx) | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations: {{- include "kosmos-common.tplvalues.render" (dict "value" . "context" $ctx) | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity: {{- include "kosmos-common.tplvalues.render" (dict "value" . "context" $ctx) | nindent 2 }}
{{- end }}
{{- with $v.topologySpreadConstraints }}
{{- $selector := include "observability.operatedSelector" $ | fromYaml }}
topologySpreadConstraints:
{{- range . }}
  - {{ toYaml (ternary . (merge (dict "labelSelector" (dict "matchLabels" $selector)) .) (hasKey . "labelSelector")) | indent 4 | trim }}
{{- end }}
{{- end }}
{{- if $v.persistence.enabled }}
storage:
  volumeClaimTemplate:
    spec:
      accessModes: {{- toYaml $v.persistence.accessModes | nindent 8 }}
      {{- with $v.persistence.storageClass }}
      storageClassName: {{ . }}
      {{- end }}
      resources:
        requests:
          storage: {{ $v.persistence.size }}
{{- end }}
{{- end -}}

{{/*
A ServiceMonitor of this release (in the release namespace) with the given selector, target
namespace and endpoints (a list).
Usage:
  {{ include "observability.serviceMonitor" (dict "name" "kubelet" "selector" (dict ...) "namespace" "kube-system" "endpoints" $eps "context" $) }}
*/}}
{{- define "observability.serviceMonitor" -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {{- include "kosmos-common.component.metadata" (dict "component" .name "labels" .context.Values.serviceMonitors.labels "context" .context) | nindent 2 }}
spec:
  jobLabel: {{ .jobLabel | default "app.kubernetes.io/component" }}
  selector:
    matchLabels: {{- toYaml .selector | nindent 6 }}
  namespaceSelector:
    matchNames:
      - {{ .namespace | default (include "kosmos-common.names.namespace" .context) }}
  endpoints: {{- toYaml .endpoints | nindent 4 }}
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

{{/*
API group and resource a kube-state-metrics collector lists and watches, as YAML {group, resource}.
Unknown names fail the render rather than produce a flag that RBAC does not back.
*/}}
{{- define "observability.ksmCollector" -}}
{{- $groups := dict
  "certificatesigningrequests" "certificates.k8s.io" "configmaps" "" "cronjobs" "batch" "daemonsets" "apps"
  "deployments" "apps" "endpointslices" "discovery.k8s.io" "horizontalpodautoscalers" "autoscaling"
  "ingresses" "networking.k8s.io" "ingressclasses" "networking.k8s.io" "jobs" "batch" "leases" "coordination.k8s.io"
  "limitranges" "" "mutatingwebhookconfigurations" "admissionregistration.k8s.io" "namespaces" ""
  "networkpolicies" "networking.k8s.io" "nodes" "" "persistentvolumeclaims" "" "persistentvolumes" ""
  "poddisruptionbudgets" "policy" "pods" "" "replicasets" "apps" "replicationcontrollers" "" "resourcequotas" ""
  "secrets" "" "services" "" "statefulsets" "apps" "storageclasses" "storage.k8s.io"
  "validatingwebhookconfigurations" "admissionregistration.k8s.io" "volumeattachments" "storage.k8s.io" -}}
{{- if not (hasKey $groups .) -}}
{{- fail (printf "kubeStateMetrics.collectors: unknown collector %q" .) -}}
{{- end -}}
group: {{ get $groups . | quote }}
resource: {{ . }}
{{- end -}}
