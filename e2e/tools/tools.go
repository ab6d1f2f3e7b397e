//go:build tools

// Package tools pins the Kubernetes command packages that e2e/install.sh builds, so that
// go.mod and go.sum keep them (a main package cannot be imported, its app package can).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubectl/pkg/cmd"
)
