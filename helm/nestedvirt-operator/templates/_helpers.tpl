{{/*
Names are fixed, not derived from the release: the operator's Lease is always
"nestedvirt-operator" (the Role names it), and the CRD, ClusterRoles and PriorityClass are
cluster-wide, so one release per cluster is the only sensible install.
*/}}
{{- define "nestedvirt.operatorName" -}}nestedvirt-operator{{- end -}}
{{- define "nestedvirt.agentName" -}}nestedvirt-agent{{- end -}}

{{/* The agent's own namespace (agent.namespace), apart from the operator's. */}}
{{- define "nestedvirt.agentNamespace" -}}{{ .Values.agent.namespace }}{{- end -}}

{{/* The user name the API server gives the agent's ServiceAccount tokens. */}}
{{- define "nestedvirt.agentUser" -}}
system:serviceaccount:{{ include "nestedvirt.agentNamespace" . }}:{{ include "nestedvirt.agentName" . }}
{{- end -}}

{{- define "nestedvirt.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default "nestedvirt-operator" -}}
{{- end -}}

{{- define "nestedvirt.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: nestedvirt-operator
{{- end -}}

{{- define "nestedvirt.operatorSelector" -}}
app.kubernetes.io/name: nestedvirt-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "nestedvirt.agentSelector" -}}
app.kubernetes.io/name: nestedvirt-agent
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "nestedvirt.operatorLabels" -}}
{{ include "nestedvirt.commonLabels" . }}
{{ include "nestedvirt.operatorSelector" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "nestedvirt.agentLabels" -}}
{{ include "nestedvirt.commonLabels" . }}
{{ include "nestedvirt.agentSelector" . }}
app.kubernetes.io/component: node-agent
{{- end -}}

{{/* repository@digest when image.digest is set (a tag can be re-pushed, a digest cannot). */}}
{{- define "nestedvirt.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* The operator's image (digest included) unless agent.image names its own. */}}
{{- define "nestedvirt.agentImage" -}}
{{- if or .Values.agent.image.repository .Values.agent.image.tag -}}
{{- $repo := .Values.agent.image.repository | default .Values.image.repository -}}
{{- $tag := .Values.agent.image.tag | default .Values.image.tag | default .Chart.AppVersion -}}
{{- printf "%s:%s" $repo $tag -}}
{{- else -}}
{{- include "nestedvirt.image" . -}}
{{- end -}}
{{- end -}}
