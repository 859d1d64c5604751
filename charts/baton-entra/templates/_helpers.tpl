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

{{/* The recommended app.kubernetes.io labels, on every object and on the pod template. */}}
{{- define "baton-entra.labels" -}}
helm.sh/chart: {{ include "baton-entra.chart" . }}
{{ include "baton-entra.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: sync-daemon
app.kubernetes.io/part-of: baton
{{- end }}

{{/*
Labels of the `helm test` pod: deliberately not the daemon's selector labels (name + instance), so
the Service, the PodDisruptionBudget and the NetworkPolicy (whose egress is DNS and 443 only) do
not select it.
*/}}
{{- define "baton-entra.testLabels" -}}
helm.sh/chart: {{ include "baton-entra.chart" . }}
app.kubernetes.io/name: {{ include "baton-entra.name" . }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: test
app.kubernetes.io/part-of: baton
{{- end }}

{{/* Whether the pod talks to the Kubernetes API (leader election), so gets a token and egress to it. */}}
{{- define "baton-entra.usesApiServer" -}}
{{- if or .Values.leaderElection.enabled .Values.serviceAccount.automountToken }}true{{ end }}
{{- end }}

{{/* A Go duration ("1m30s", "500ms") in milliseconds, as the daemon reads it. */}}
{{- define "baton-entra.durationMs" -}}
{{- $units := dict "ms" 1.0 "s" 1000.0 "m" 60000.0 "h" 3600000.0 }}
{{- $total := 0.0 }}
{{- range regexFindAll "[0-9]+(\\.[0-9]+)?(ms|s|m|h)" (toString .) -1 }}
{{- $unit := regexFind "(ms|s|m|h)$" . }}
{{- $total = addf $total (mulf (float64 (trimSuffix $unit .)) (get $units $unit)) }}
{{- end }}
{{- $total }}
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
{{- include "baton-entra.refuse" "set either existingSecret or secret.create=true, not both" }}
{{- else if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else if .Values.secret.create }}
{{- include "baton-entra.fullname" . }}
{{- else }}
{{- include "baton-entra.refuse" "no settings Secret: set existingSecret to the name of a Secret holding the BATON_* settings, or secret.create=true with secret.data" }}
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
{{- include "baton-entra.refuse" "replicaCount > 1 needs leaderElection.enabled=true: without a leader lease every replica would sync and take tasks" }}
{{- end }}
{{- if and .Values.workloadIdentity.enabled (not .Values.workloadIdentity.clientId) }}
{{- include "baton-entra.refuse" "workloadIdentity.enabled=true needs workloadIdentity.clientId (the Entra application's client id)" }}
{{- end }}
{{- if .Values.leaderElection.enabled }}
{{- $le := .Values.leaderElection }}
{{- $lease := float64 (include "baton-entra.durationMs" $le.leaseDuration) }}
{{- $renew := float64 (include "baton-entra.durationMs" $le.renewDeadline) }}
{{- $retry := float64 (include "baton-entra.durationMs" $le.retryPeriod) }}
{{- /* The daemon refuses these at start (as client-go does), so the pods would crash-loop. */}}
{{- if not (gt $lease $renew) }}
{{- include "baton-entra.refuse" (printf "leaderElection.leaseDuration (%s) must be longer than leaderElection.renewDeadline (%s): a leader must give up before its Lease expires for a standby" $le.leaseDuration $le.renewDeadline) }}
{{- end }}
{{- if not (gt $renew (mulf 1.2 $retry)) }}
{{- include "baton-entra.refuse" (printf "leaderElection.renewDeadline (%s) must be longer than 1.2 × leaderElection.retryPeriod (%s): the leader needs at least one jittered retry before it gives up" $le.renewDeadline $le.retryPeriod) }}
{{- end }}
{{- if not (gt $retry 0.0) }}
{{- include "baton-entra.refuse" (printf "leaderElection.retryPeriod (%s) must be longer than zero" $le.retryPeriod) }}
{{- end }}
{{- end }}
{{- if and .Values.secret.create (not .Values.secret.data) }}
{{- include "baton-entra.refuse" "secret.create=true needs secret.data (BATON_* keys and values)" }}
{{- end }}
{{- end }}

{{/*
Stops the render with a message. `helm lint` only logs `fail` as INFO and carries on, so the
refusal also includes a template that does not exist, named after the message: lint reports that
as an error, and `helm lint --strict` rejects the values as install would.
*/}}
{{- define "baton-entra.refuse" -}}
{{- fail . }}
{{- include (printf "refused: %s" .) dict }}
{{- end }}
