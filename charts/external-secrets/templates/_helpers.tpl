{{/* Names ---------------------------------------------------------------------------------- */}}

{{- define "external-secrets.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release name when it already contains the chart name, else <release>-<chart>. */}}
{{- define "external-secrets.fullname" -}}
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

{{- define "external-secrets.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride -}}
{{- end -}}

{{- define "external-secrets.webhookName" -}}
{{- printf "%s-webhook" (include "external-secrets.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "external-secrets.certControllerName" -}}
{{- printf "%s-cert-controller" (include "external-secrets.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The webhook Service and its certificate Secret share the webhook's name. */}}
{{- define "external-secrets.webhookDNSName" -}}
{{- printf "%s.%s.svc" (include "external-secrets.webhookName" .) (include "external-secrets.namespace" .) -}}
{{- end -}}

{{- define "external-secrets.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "external-secrets.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "external-secrets.webhookServiceAccountName" -}}
{{- if .Values.webhook.serviceAccount.create -}}
{{- default (include "external-secrets.webhookName" .) .Values.webhook.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.webhook.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "external-secrets.certControllerServiceAccountName" -}}
{{- if .Values.certController.serviceAccount.create -}}
{{- default (include "external-secrets.certControllerName" .) .Values.certController.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.certController.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels ---------------------------------------------------------------------------------
Every component's pods are selected by app.kubernetes.io/name (external-secrets,
external-secrets-webhook, external-secrets-cert-controller) and app.kubernetes.io/instance. */}}

{{- define "external-secrets.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: external-secrets
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "external-secrets.selectorLabels" -}}
app.kubernetes.io/name: {{ include "external-secrets.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "external-secrets.webhookSelectorLabels" -}}
app.kubernetes.io/name: {{ include "external-secrets.name" . }}-webhook
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "external-secrets.certControllerSelectorLabels" -}}
app.kubernetes.io/name: {{ include "external-secrets.name" . }}-cert-controller
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "external-secrets.controllerLabels" -}}
{{ include "external-secrets.labels" . }}
{{ include "external-secrets.selectorLabels" . }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "external-secrets.webhookLabels" -}}
{{ include "external-secrets.labels" . }}
{{ include "external-secrets.webhookSelectorLabels" . }}
app.kubernetes.io/component: webhook
{{- end -}}

{{- define "external-secrets.certControllerLabels" -}}
{{ include "external-secrets.labels" . }}
{{ include "external-secrets.certControllerSelectorLabels" . }}
app.kubernetes.io/component: cert-controller
{{- end -}}

{{/* Switches ------------------------------------------------------------------------------- */}}

{{- define "external-secrets.installCRDs" -}}
{{- if and .Values.installCRDs .Values.crds.install }}true{{ end -}}
{{- end -}}

{{/* The cert controller runs unless turned off or replaced by cert-manager. */}}
{{- define "external-secrets.certControllerEnabled" -}}
{{- if and .Values.webhook.create .Values.certController.create (not .Values.webhook.certManager.enabled) }}true{{ end -}}
{{- end -}}

{{/* The namespace the controller is restricted to, if any: scopedNamespace, or the release
namespace under scopedRBAC. */}}
{{- define "external-secrets.watchNamespace" -}}
{{- if .Values.scopedNamespace -}}
{{- .Values.scopedNamespace -}}
{{- else if .Values.scopedRBAC -}}
{{- include "external-secrets.namespace" . -}}
{{- end -}}
{{- end -}}

{{/* renderMode of serviceMonitor / prometheusRule: "true" when the object is to be rendered.
Call with (list $ .Values.serviceMonitor "monitoring.coreos.com/v1/ServiceMonitor"). */}}
{{- define "external-secrets.renderMonitoring" -}}
{{- $root := index . 0 -}}
{{- $v := index . 1 -}}
{{- $api := index . 2 -}}
{{- if $v.enabled -}}
{{- if eq $v.renderMode "alwaysRender" -}}
true
{{- else if $root.Capabilities.APIVersions.Has $api -}}
true
{{- else if eq $v.renderMode "failIfMissing" -}}
{{- fail (printf "%s is not served by this cluster (renderMode failIfMissing): install the Prometheus Operator CRDs or use renderMode skipIfMissing" $api) -}}
{{- else if ne $v.renderMode "skipIfMissing" -}}
{{- fail (printf "renderMode %q: want skipIfMissing, failIfMissing or alwaysRender" $v.renderMode) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Pods ----------------------------------------------------------------------------------- */}}

{{/* image: call with (list $ .Values.webhook.image); empty fields fall back to .Values.image. */}}
{{- define "external-secrets.image" -}}
{{- $root := index . 0 -}}
{{- $own := index . 1 | default dict -}}
{{- $repo := default $root.Values.image.repository $own.repository -}}
{{- $tag := default (default $root.Chart.AppVersion $root.Values.image.tag) $own.tag -}}
{{- if hasPrefix "sha256:" $tag -}}
{{- printf "%s@%s" $repo $tag -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{- define "external-secrets.pullPolicy" -}}
{{- $root := index . 0 -}}
{{- $own := index . 1 | default dict -}}
{{- default $root.Values.image.pullPolicy $own.pullPolicy -}}
{{- end -}}

{{/* extraArgs: a map of flag to value; an empty value is a bare --flag. */}}
{{- define "external-secrets.extraArgs" -}}
{{- range $key, $value := . }}
{{- if eq (toString $value) "" }}
- --{{ $key }}
{{- else }}
- --{{ $key }}={{ $value }}
{{- end }}
{{- end }}
{{- end -}}

{{/* podSecurityContext without the chart's own "enabled" switch. */}}
{{- define "external-secrets.podSecurityContext" -}}
{{- if .enabled }}
securityContext:
  {{- toYaml (omit . "enabled") | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Scheduling fields shared by the three pods; call with the component's values. */}}
{{- define "external-secrets.scheduling" -}}
{{- with .priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* A probe: the component's spec when given, else an HTTP GET of path on the named port.
Call with (list .Values.readinessProbe "/readyz" "live"). */}}
{{- define "external-secrets.probe" -}}
{{- $p := index . 0 -}}
{{- if $p.spec -}}
{{- toYaml $p.spec -}}
{{- else -}}
httpGet:
  path: {{ index . 1 }}
  port: {{ index . 2 }}
periodSeconds: 10
timeoutSeconds: 5
failureThreshold: 3
{{- end -}}
{{- end -}}

{{/* A PodDisruptionBudget; call with (list $ .Values.podDisruptionBudget name labels selectorLabels). */}}
{{- define "external-secrets.pdb" -}}
{{- $root := index . 0 -}}
{{- $pdb := index . 1 -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ index . 2 }}
  namespace: {{ include "external-secrets.namespace" $root }}
  labels:
    {{- index . 3 | nindent 4 }}
spec:
  {{- if hasKey $pdb "maxUnavailable" }}
  maxUnavailable: {{ $pdb.maxUnavailable }}
  {{- else }}
  minAvailable: {{ $pdb.minAvailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- index . 4 | nindent 6 }}
{{- end -}}

{{/* A metrics Service; call with (list $ metricsValues name labels selectorLabels). */}}
{{- define "external-secrets.metricsService" -}}
{{- $root := index . 0 -}}
{{- $m := index . 1 -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ index . 2 }}-metrics
  namespace: {{ include "external-secrets.namespace" $root }}
  labels:
    {{- index . 3 | nindent 4 }}
    external-secrets.io/metrics: "true"
  {{- with $m.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: ClusterIP
  selector:
    {{- index . 4 | nindent 4 }}
  ports:
    - name: metrics
      port: {{ $m.service.port }}
      targetPort: metrics
      protocol: TCP
{{- end -}}

{{/* Webhook configurations ----------------------------------------------------------------
The ValidatingWebhookConfigurations of config/webhook, copied into files/webhook by
`make manifests`, as a JSON list of objects pointed at this release's webhook Service. */}}
{{- define "external-secrets.webhookConfigurations" -}}
{{- $out := list -}}
{{- $raw := .Files.Get "files/webhook/validatingwebhookconfiguration.yaml" -}}
{{- range $doc := regexSplit "(?m)^---[ \t]*$" $raw -1 -}}
{{- $obj := fromYaml $doc -}}
{{- if eq (get $obj "kind") "ValidatingWebhookConfiguration" -}}
{{- range $obj.webhooks -}}
{{- $svc := .clientConfig.service -}}
{{- $_ := set $svc "name" (include "external-secrets.webhookName" $) -}}
{{- $_ := set $svc "namespace" (include "external-secrets.namespace" $) -}}
{{- $_ := set . "failurePolicy" $.Values.webhook.failurePolicy -}}
{{- end -}}
{{- $out = append $out $obj -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- define "external-secrets.webhookConfigurationNames" -}}
{{- $names := list -}}
{{- range (include "external-secrets.webhookConfigurations" . | fromJsonArray) -}}
{{- $names = append $names .metadata.name -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}
