#!/usr/bin/env bash
# Builds the HashiCorp Vault server used by the Vault provider's tests from source and caches the
# binary per version in a user-level directory (like hack/envtest.sh does for the control plane),
# so a fresh clone on the same machine reuses it and a fresh machine builds it once
# (~6 minutes cold on 2 cores). Prints the path of the vault binary on its last line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vault_version=v1.13.0
cache=${ESO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/external-secrets}
dir="$cache/vault/vault-$vault_version"
# The stamp names the tool module's contents too, so a changed pin rebuilds.
stamp=$(cat "$here/tools/vault/go.mod" "$here/tools/vault/go.sum" | sha256sum | cut -c1-16)

cached() { [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ] && [ -x "$dir/vault" ]; }

if cached; then
	echo "$dir/vault"
	exit 0
fi

# Test packages run in parallel and may all ask for the binary at once: build it once.
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if cached; then
	echo "$dir/vault"
	exit 0
fi
start=$(date +%s)
echo "building the Vault $vault_version test server into $dir (one time, about 6 minutes on 2 cores)" >&2
(cd "$here/tools/vault" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/vault.tmp.$$" github.com/hashicorp/vault)
mv "$dir/vault.tmp.$$" "$dir/vault"
echo "  vault built after $(($(date +%s) - start)) s" >&2
echo "$stamp" >"$dir/.stamp"
echo "$dir/vault"
