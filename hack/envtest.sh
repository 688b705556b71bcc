#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, etcd, kubectl) from source and caches the
# binaries per version in a user-level directory, so a fresh clone on the same machine reuses
# them and a fresh machine builds them once (~5 minutes cold on 2 cores).
# Prints the directory to use as KUBEBUILDER_ASSETS on its last line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kube_version=v1.37.2
etcd_version=v3.6.16
cache=${ESO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/external-secrets}
dir="$cache/k8s/kube-$kube_version-etcd-$etcd_version"
# The stamp names the tool modules' contents too, so a changed pin rebuilds.
stamp=$(cat "$here/tools/kube/go.mod" "$here/tools/kube/go.sum" "$here/tools/etcd/go.mod" "$here/tools/etcd/go.sum" | sha256sum | cut -c1-16)

if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$dir"
start=$(date +%s)
echo "building the test control plane into $dir (one time, about 5 minutes on 2 cores)" >&2
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37"
(cd "$here/tools/etcd" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/etcd" .)
echo "  etcd built after $(($(date +%s) - start)) s" >&2
(cd "$here/tools/kube" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dir/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver)
echo "  kube-apiserver built after $(($(date +%s) - start)) s" >&2
(cd "$here/tools/kube" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dir/kubectl" k8s.io/kubernetes/cmd/kubectl)
echo "  kubectl built after $(($(date +%s) - start)) s" >&2
echo "$stamp" >"$dir/.stamp"
echo "$dir"
