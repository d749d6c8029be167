{{/* The release's full name: "<release>-callboard", or the release name when it holds "callboard". */}}
{{- define "callboard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "callboard.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "callboard.labels" -}}
{{ include "callboard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "callboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "callboard.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "callboard.image" -}}
{{- $repo := required "image.repository is required" .Values.image.repository -}}
{{- if .Values.image.registry -}}
{{- $repo = printf "%s/%s" .Values.image.registry $repo -}}
{{- end -}}
{{- printf "%s:%s" $repo (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* "true" when more than one pod may run: then nothing may live in one pod's files. */}}
{{- define "callboard.multiPod" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) -}}true{{- end -}}
{{- end -}}

{{/* The Secret holding the PostgreSQL password. */}}
{{- define "callboard.postgresSecretName" -}}
{{- if .Values.postgresql.auth.password -}}
{{- printf "%s-postgresql" (include "callboard.fullname" .) -}}
{{- else -}}
{{- required "postgresql.auth.existingSecret (a Secret holding the password) or postgresql.auth.password is required" .Values.postgresql.auth.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* The local TechDocs publisher's directory, on its own volume. */}}
{{- define "callboard.techdocsDir" -}}/var/lib/callboard/techdocs{{- end -}}

{{/*
callboard.appConfig is appConfig as the pods read it, checked: the base URLs
default to the ingress host; the TechDocs publisher defaults to awsS3 with
more than one pod and to local (on the techdocs volume) with one; settings
that would make pods disagree fail the rendering with the key to change.
*/}}
{{- define "callboard.publisherType" -}}
{{- $type := dig "techdocs" "publisher" "type" "" (.Values.appConfig | default dict) -}}
{{- if not $type -}}
{{- $type = ternary "awsS3" "local" (eq (include "callboard.multiPod" .) "true") -}}
{{- end -}}
{{- $type -}}
{{- end -}}

{{- define "callboard.appConfig" -}}
{{- $cfg := deepCopy (.Values.appConfig | default dict) -}}
{{- $multi := eq (include "callboard.multiPod" .) "true" -}}
{{- $backend := dict -}}
{{- if hasKey $cfg "backend" -}}{{- $backend = index $cfg "backend" -}}{{- end -}}
{{- if and .Values.ingress.enabled .Values.ingress.host (not (hasKey $backend "baseUrl")) -}}
{{- $_ := set $backend "baseUrl" (printf "%s://%s" (ternary "https" "http" (gt (len .Values.ingress.tls) 0)) .Values.ingress.host) -}}
{{- end -}}
{{- $_ := set $cfg "backend" $backend -}}
{{- $client := dig "database" "client" "" $backend -}}
{{- if and $multi (ne $client "pg") -}}
{{- fail (printf "appConfig.backend.database.client is %q: with more than one pod (replicaCount > 1 or autoscaling) it must be pg, since a SQLite file belongs to one pod" $client) -}}
{{- end -}}
{{- $td := dict -}}
{{- if hasKey $cfg "techdocs" -}}{{- $td = index $cfg "techdocs" -}}{{- end -}}
{{- $pub := dict -}}
{{- if hasKey $td "publisher" -}}{{- $pub = index $td "publisher" -}}{{- end -}}
{{- $type := include "callboard.publisherType" . -}}
{{- $_ := set $pub "type" $type -}}
{{- if eq $type "local" -}}
{{- if and $multi (not .Values.techdocsLocal.sharedAcrossReplicas) -}}
{{- fail "appConfig.techdocs.publisher.type is local with more than one pod: each pod would publish into its own directory and serve only the sites it built. Use awsS3 (the default with more than one pod: leave type empty and set appConfig.techdocs.publisher.awsS3.bucketName), or set replicaCount: 1, or share a ReadWriteMany claim (techdocsLocal.existingClaim and techdocsLocal.sharedAcrossReplicas: true)" -}}
{{- end -}}
{{- if and .Values.techdocsLocal.sharedAcrossReplicas (not .Values.techdocsLocal.existingClaim) -}}
{{- fail "techdocsLocal.sharedAcrossReplicas needs techdocsLocal.existingClaim: a ReadWriteMany claim every pod mounts" -}}
{{- end -}}
{{- $local := dict -}}
{{- if hasKey $pub "local" -}}{{- $local = index $pub "local" -}}{{- end -}}
{{- $_ := set $local "publishDirectory" (include "callboard.techdocsDir" .) -}}
{{- $_ := set $pub "local" $local -}}
{{- $_ := unset $pub "awsS3" -}}
{{- else if eq $type "awsS3" -}}
{{- if not (dig "awsS3" "bucketName" "" $pub) -}}
{{- fail "appConfig.techdocs.publisher.awsS3.bucketName is required: TechDocs sites are published to that bucket" -}}
{{- end -}}
{{- end -}}
{{- $_ := set $td "publisher" $pub -}}
{{- $_ := set $cfg "techdocs" $td -}}
{{- toYaml $cfg -}}
{{- end -}}
