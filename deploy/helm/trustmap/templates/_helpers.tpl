{{/* The name of every object the chart makes. */}}
{{- define "trustmap.fullname" -}}
{{- if contains "trustmap" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-trustmap" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The namespace Trustmap runs in. */}}
{{- define "trustmap.namespace" -}}
{{- if .Values.namespace.create -}}
{{- .Values.namespace.name -}}
{{- else -}}
{{- .Release.Namespace -}}
{{- end -}}
{{- end -}}

{{- define "trustmap.selectorLabels" -}}
app.kubernetes.io/name: trustmap
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{- define "trustmap.labels" -}}
{{ include "trustmap.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end -}}

{{/* The image, by digest when one is given. */}}
{{- define "trustmap.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/*
The API server's addresses and ports as pods reach them: the values when given, else the default
namespace's kubernetes EndpointSlice (read at install; `helm template` cannot read it, and says so).
*/}}
{{- define "trustmap.apiServer" -}}
{{- $cidrs := .Values.networkPolicy.apiServer.cidrs -}}
{{- $ports := .Values.networkPolicy.apiServer.ports -}}
{{- if not $cidrs -}}
{{- $slice := lookup "discovery.k8s.io/v1" "EndpointSlice" "default" "kubernetes" -}}
{{- if $slice -}}
{{- range $slice.endpoints -}}
{{- range .addresses -}}
{{- $cidrs = append $cidrs (ternary (printf "%s/128" .) (printf "%s/32" .) (contains ":" .)) -}}
{{- end -}}
{{- end -}}
{{- if not $ports -}}
{{- range $slice.ports -}}
{{- $ports = append $ports .port -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $cidrs -}}
{{- fail "networkPolicy.apiServer.cidrs: the API server's addresses are needed for Trustmap's egress policy; they are read from the default namespace's kubernetes EndpointSlice at install, and must be given (for example --set networkPolicy.apiServer.cidrs={10.0.0.1/32}) when rendering without a cluster" -}}
{{- end -}}
{{- if not $ports -}}
{{- $ports = list 443 6443 -}}
{{- end -}}
{{- dict "cidrs" $cidrs "ports" $ports | toJson -}}
{{- end -}}

{{/* Where users open Trustmap: the value, else the Ingress's host. */}}
{{- define "trustmap.publicUrl" -}}
{{- if .Values.auth.publicUrl -}}
{{- .Values.auth.publicUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s" (ternary "https" "http" (not (empty .Values.ingress.tlsSecretName))) .Values.ingress.host -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the session secret: the user's, or the chart's own. */}}
{{- define "trustmap.sessionSecretName" -}}
{{- .Values.auth.sessionSecretName | default (printf "%s-session" (include "trustmap.fullname" .)) -}}
{{- end -}}
