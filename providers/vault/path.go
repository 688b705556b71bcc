package vault

import (
	"strings"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// kv describes the KV engine a store reads: its mount (empty when every key names its own
// mount as the first segment) and its version. It turns remote keys into API paths.
type kv struct {
	mount string
	v1    bool
}

func newKV(spec *esv1.VaultProvider) kv {
	k := kv{v1: spec.Version == esv1.VaultKVStoreV1}
	if spec.Path != nil {
		k.mount = strings.Trim(*spec.Path, "/")
	}
	return k
}

// dataPath is where a key's value is read and written: <mount>/data/<key> for KV v2,
// <mount>/<key> for KV v1. A key may repeat the mount ("secret/foo" with mount "secret") and,
// for KV v2, may already contain the data segment ("secret/data/foo"); neither is doubled, so
// keys copied from the Vault CLI or UI work as they are.
func (k kv) dataPath(key string) string {
	return k.apiPath(key, "data")
}

// metadataPath is where KV v2 keeps a key's versions and custom_metadata, and what LIST
// walks: <mount>/metadata/<key>. For KV v1 it is the data path, which is also what LIST walks.
func (k kv) metadataPath(key string) string {
	return k.apiPath(key, "metadata")
}

func (k kv) apiPath(key, segment string) string {
	mount, rest := k.split(key)
	if !k.v1 {
		rest = strings.TrimPrefix(rest, "data/")
		if segment == "metadata" {
			rest = strings.TrimPrefix(rest, "metadata/")
		}
	}
	return k.pathIn(mount, segment, rest)
}

// pathIn is the API path of a path within a mount, taken literally (as LIST returns it).
func (k kv) pathIn(mount, segment, within string) string {
	if k.v1 {
		return join(mount, within)
	}
	return join(mount, segment, within)
}

// split separates the mount from the key within the mount.
func (k kv) split(key string) (mount, rest string) {
	key = strings.TrimLeft(key, "/")
	if k.mount != "" {
		rest = key
		if key == k.mount || strings.HasPrefix(key, k.mount+"/") {
			rest = strings.TrimPrefix(strings.TrimPrefix(key, k.mount), "/")
		}
		return k.mount, rest
	}
	mount, rest, _ = strings.Cut(key, "/")
	return mount, rest
}

func join(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.Trim(p, "/")
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(p)
	}
	return b.String()
}
