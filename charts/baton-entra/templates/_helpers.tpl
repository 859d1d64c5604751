{{/* Chart name, overridable. */}}
{{- define "baton-entra.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name (63 chars max: DNS label). */}}
{{- define "baton-entra.fullname" -}}
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

{{- define "baton-entra.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "baton-entra.selectorLabels" -}}
app.kubernetes.io/name: {{ include "baton-entra.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "baton-entra.labels" -}}
helm.sh/chart: {{ include "baton-entra.chart" . }}
{{ include "baton-entra.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: sync-daemon
{{- end }}

{{- define "baton-entra.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "baton-entra.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "baton-entra.leaseName" -}}
{{- default (printf "%s-leader" (include "baton-entra.fullname" .)) .Values.leaderElection.leaseName | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret holding the settings; fails the render when none is configured. */}}
{{- define "baton-entra.secretName" -}}
{{- if and .Values.existingSecret .Values.secret.create }}
{{- fail "set either existingSecret or secret.create=true, not both" }}
{{- else if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else if .Values.secret.create }}
{{- include "baton-entra.fullname" . }}
{{- else }}
{{- fail "no settings Secret: set existingSecret to the name of a Secret holding the BATON_* settings, or secret.create=true with secret.data" }}
{{- end }}
{{- end }}

{{- define "baton-entra.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Refuses configurations that would run two schedulers at once. */}}
{{- define "baton-entra.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled=true: without a leader lease every replica would sync and take tasks" }}
{{- end }}
{{- if and .Values.workloadIdentity.enabled (not .Values.workloadIdentity.clientId) }}
{{- fail "workloadIdentity.enabled=true needs workloadIdentity.clientId (the Entra application's client id)" }}
{{- end }}
{{- if and .Values.secret.create (not .Values.secret.data) }}
{{- fail "secret.create=true needs secret.data (BATON_* keys and values)" }}
{{- end }}
{{- end }}
