//go:build tools

// Package tools pins Helm's command as a dependency of this wrapper module, so
// `go build helm.sh/helm/v3/cmd/helm` builds it at the version go.mod requires.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
