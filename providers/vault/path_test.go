package vault

import (
	"testing"

	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func TestKV_paths(t *testing.T) {
	tests := []struct {
		name     string
		spec     esv1.VaultProvider
		key      string
		data     string
		metadata string
	}{
		{name: "v2 with a mount inserts data after it", spec: esv1.VaultProvider{Path: ptr.To("secret")}, key: "foo/bar", data: "secret/data/foo/bar", metadata: "secret/metadata/foo/bar"},
		{name: "v2 is the default version", spec: esv1.VaultProvider{Path: ptr.To("secret"), Version: ""}, key: "foo", data: "secret/data/foo", metadata: "secret/metadata/foo"},
		{name: "v2 key repeating the mount is not doubled", spec: esv1.VaultProvider{Path: ptr.To("secret")}, key: "secret/foo", data: "secret/data/foo", metadata: "secret/metadata/foo"},
		{name: "v2 key with the data segment keeps one", spec: esv1.VaultProvider{Path: ptr.To("secret")}, key: "secret/data/foo", data: "secret/data/foo", metadata: "secret/metadata/foo"},
		{name: "v2 key with data but without the mount", spec: esv1.VaultProvider{Path: ptr.To("secret")}, key: "data/foo", data: "secret/data/foo", metadata: "secret/metadata/foo"},
		{name: "v2 mount with slashes is trimmed", spec: esv1.VaultProvider{Path: ptr.To("/team/kv/")}, key: "/app", data: "team/kv/data/app", metadata: "team/kv/metadata/app"},
		{name: "v2 nested mount repeated in the key", spec: esv1.VaultProvider{Path: ptr.To("team/kv")}, key: "team/kv/app", data: "team/kv/data/app", metadata: "team/kv/metadata/app"},
		{name: "v2 key that only starts like the mount", spec: esv1.VaultProvider{Path: ptr.To("secret")}, key: "secrets/app", data: "secret/data/secrets/app", metadata: "secret/metadata/secrets/app"},
		{name: "v2 without a mount takes the first segment", spec: esv1.VaultProvider{}, key: "secret/foo/bar", data: "secret/data/foo/bar", metadata: "secret/metadata/foo/bar"},
		{name: "v2 without a mount keeps a data segment", spec: esv1.VaultProvider{}, key: "secret/data/foo", data: "secret/data/foo", metadata: "secret/metadata/foo"},
		{name: "v1 with a mount prepends it", spec: esv1.VaultProvider{Path: ptr.To("kv"), Version: esv1.VaultKVStoreV1}, key: "foo/bar", data: "kv/foo/bar", metadata: "kv/foo/bar"},
		{name: "v1 key repeating the mount is not doubled", spec: esv1.VaultProvider{Path: ptr.To("kv"), Version: esv1.VaultKVStoreV1}, key: "kv/foo", data: "kv/foo", metadata: "kv/foo"},
		{name: "v1 key keeps a literal data segment", spec: esv1.VaultProvider{Path: ptr.To("kv"), Version: esv1.VaultKVStoreV1}, key: "data/foo", data: "kv/data/foo", metadata: "kv/data/foo"},
		{name: "v1 without a mount is the key as is", spec: esv1.VaultProvider{Version: esv1.VaultKVStoreV1}, key: "kv/foo", data: "kv/foo", metadata: "kv/foo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKV(&tt.spec)
			if got := k.dataPath(tt.key); got != tt.data {
				t.Errorf("dataPath(%q) = %q, want %q", tt.key, got, tt.data)
			}
			if got := k.metadataPath(tt.key); got != tt.metadata {
				t.Errorf("metadataPath(%q) = %q, want %q", tt.key, got, tt.metadata)
			}
		})
	}
}

func TestKV_split(t *testing.T) {
	tests := []struct {
		name, mount, key, wantMount, wantRest string
	}{
		{name: "store mount and a relative key", mount: "secret", key: "a/b", wantMount: "secret", wantRest: "a/b"},
		{name: "store mount repeated", mount: "secret", key: "secret/a", wantMount: "secret", wantRest: "a"},
		{name: "store mount alone", mount: "secret", key: "secret", wantMount: "secret", wantRest: ""},
		{name: "empty key lists the whole mount", mount: "secret", key: "", wantMount: "secret", wantRest: ""},
		{name: "no store mount", key: "kv/a/b", wantMount: "kv", wantRest: "a/b"},
		{name: "no store mount, no key", key: "", wantMount: "", wantRest: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := kv{mount: tt.mount}
			m, r := k.split(tt.key)
			if m != tt.wantMount || r != tt.wantRest {
				t.Errorf("split(%q) = %q, %q; want %q, %q", tt.key, m, r, tt.wantMount, tt.wantRest)
			}
		})
	}
}
