{{- define "kamiyo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kamiyo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kamiyo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "kamiyo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "kamiyo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kamiyo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The roles rendered: "all" (one process), or api, ingest, detect and deliver. */}}
{{- define "kamiyo.roles" -}}
{{- if .Values.roles.split }}["api","ingest","detect","deliver"]{{ else }}["all"]{{ end }}
{{- end }}

{{/* A role's object name: the fullname for the all-in-one process, else fullname-role. */}}
{{- define "kamiyo.roleName" -}}
{{- if eq .role "all" }}{{ include "kamiyo.fullname" .root }}{{ else }}{{ printf "%s-%s" (include "kamiyo.fullname" .root) .role | trunc 63 | trimSuffix "-" }}{{ end }}
{{- end }}

{{- define "kamiyo.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* Environment of every kamiyo container: the chart's, config, and the referenced Secrets. */}}
{{- define "kamiyo.env" -}}
- name: API_HOST
  value: "0.0.0.0"
- name: API_PORT
  value: "8080"
- name: KAMIYO_CACHE_DIR
  value: /tmp/kamiyo-cache
{{- range $k, $v := .Values.config }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- $s := .Values.secrets }}
{{- if not $s.databaseUrl.name }}
{{- fail "secrets.databaseUrl.name: name the Secret holding DATABASE_URL (the chart runs Kamiyo on PostgreSQL)" }}
{{- end }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef: {name: {{ $s.databaseUrl.name | quote }}, key: {{ $s.databaseUrl.key | quote }}}
{{- if $s.databaseAppUrl.name }}
- name: DATABASE_APP_URL
  valueFrom:
    secretKeyRef: {name: {{ $s.databaseAppUrl.name | quote }}, key: {{ $s.databaseAppUrl.key | quote }}}
{{- end }}
{{- if $s.redisUrl.name }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef: {name: {{ $s.redisUrl.name | quote }}, key: {{ $s.redisUrl.key | quote }}}
{{- end }}
{{- if $s.secretKeys.name }}
- name: KAMIYO_SECRET_KEYS
  valueFrom:
    secretKeyRef: {name: {{ $s.secretKeys.name | quote }}, key: {{ $s.secretKeys.key | quote }}}
{{- end }}
{{- if .Values.roles.split }}
{{- if not .Values.nats.url }}
{{- fail "nats.url: split roles need NATS with JetStream between ingest and detect (NATS_URL)" }}
{{- end }}
- name: NATS_URL
  value: {{ .Values.nats.url | quote }}
- name: NATS_STREAM
  value: {{ .Values.nats.stream | quote }}
{{- if .Values.nats.credsSecret.name }}
- name: NATS_CREDS_FILE
  value: /etc/kamiyo/nats/creds
{{- end }}
{{- end }}
{{- end }}

{{- define "kamiyo.envFrom" -}}
{{- range .Values.secrets.envFrom }}
- secretRef: {name: {{ . | quote }}}
{{- end }}
{{- end }}

{{- define "kamiyo.podAnnotations" -}}
{{- $a := dict }}
{{- if .Values.mesh.enabled }}{{ $a = merge $a .Values.mesh.podAnnotations }}{{ end }}
{{- $a = merge $a .Values.podAnnotations }}
{{- if $a }}
annotations:
  {{- toYaml $a | nindent 2 }}
{{- end }}
{{- end }}
