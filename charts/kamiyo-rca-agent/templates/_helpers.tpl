{{- define "rca-agent.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "rca-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "rca-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "rca-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The platform's endpoint, without a trailing slash; required. */}}
{{- define "rca-agent.endpoint" -}}
{{- required "endpoint: the platform's API URL (kamiyo rca onboard writes it into values.yaml)" .Values.endpoint | trimSuffix "/" }}
{{- end }}

{{/* The TCP port of a URL: its explicit port, else 443 for https, 80 for http, 4222 for nats. */}}
{{- define "rca-agent.port" -}}
{{- $u := urlParse . }}
{{- if contains ":" $u.host }}{{ last (splitList ":" $u.host) }}
{{- else if eq $u.scheme "https" }}443
{{- else if eq $u.scheme "http" }}80
{{- else }}4222
{{- end }}
{{- end }}
