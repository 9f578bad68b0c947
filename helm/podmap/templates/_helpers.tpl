{{/* Chart name, overridable. */}}
{{- define "podmap.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object name: <release>-podmap, or the release name when it already contains the chart name. */}}
{{- define "podmap.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "podmap.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "podmap.labels" -}}
helm.sh/chart: {{ include "podmap.chart" . }}
app.kubernetes.io/name: {{ include "podmap.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: podmap
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: include "podmap.selectorLabels" (dict "ctx" $ "component" "mapper") */}}
{{- define "podmap.selectorLabels" -}}
app.kubernetes.io/name: {{ include "podmap.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "podmap.componentLabels" -}}
{{ include "podmap.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "podmap.mapper.fullname" -}}{{ include "podmap.fullname" . }}-mapper{{- end -}}
{{- define "podmap.sniffer.fullname" -}}{{ include "podmap.fullname" . }}-sniffer{{- end -}}

{{- define "podmap.mapper.serviceAccountName" -}}
{{- if .Values.mapper.serviceAccount.create -}}
{{- default (include "podmap.mapper.fullname" .) .Values.mapper.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.mapper.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "podmap.sniffer.serviceAccountName" -}}
{{- if .Values.sniffer.serviceAccount.create -}}
{{- default (include "podmap.sniffer.fullname" .) .Values.sniffer.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.sniffer.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Name of the Secret holding the sniffer-to-mapper token. */}}
{{- define "podmap.tokenSecretName" -}}
{{- default (printf "%s-token" (include "podmap.fullname" .)) .Values.auth.existingSecret -}}
{{- end -}}

{{- define "podmap.tokenMountPath" -}}/var/run/secrets/podmap{{- end -}}
{{- define "podmap.snifferTokenMountPath" -}}/var/run/secrets/podmap-sniffer{{- end -}}
{{- define "podmap.snifferTokenFile" -}}{{ include "podmap.snifferTokenMountPath" . }}/token{{- end -}}
{{- define "podmap.tokenFile" -}}{{ include "podmap.tokenMountPath" . }}/{{ .Values.auth.secretKey }}{{- end -}}

{{/* Image reference: include "podmap.image" (dict "image" .Values.mapper.image "ctx" $) */}}
{{- define "podmap.image" -}}
{{- $registry := default .image.registry .ctx.Values.global.imageRegistry -}}
{{- if not $registry -}}
{{- fail (printf "no registry for the image %s: set global.imageRegistry to the registry (host[:port]) that scripts/build-images.sh --push put the images in (README, Install in a cluster); the chart names no registry of its own" .image.repository) -}}
{{- end -}}
{{- $ref := printf "%s/%s" $registry .image.repository -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $ref .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (default .ctx.Chart.AppVersion .image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "podmap.mapperUrl" -}}
http://{{ include "podmap.mapper.fullname" . }}.{{ .Release.Namespace }}.svc:{{ .Values.mapper.service.port }}
{{- end -}}

{{- define "podmap.sniffer.priorityClassName" -}}
{{- if .Values.sniffer.priorityClass.create -}}
{{- include "podmap.sniffer.fullname" . -}}
{{- else -}}
{{- .Values.sniffer.priorityClassName -}}
{{- end -}}
{{- end -}}
