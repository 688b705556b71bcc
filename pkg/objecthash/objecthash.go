// Package objecthash computes the hashes that the controllers store on the objects they write
// (the data-hash annotation, the created-by label, the metadata part of syncedResourceVersion).
//
// The values must equal upstream's byte for byte: a cluster moving from upstream External
// Secrets to this controller must not see every Secret rewritten just because a hash format
// changed. Upstream hashes the fmt "%+v" rendering of a value with SHA3-224; fmt prints maps
// with sorted keys, so the result is deterministic.
package objecthash

import (
	"crypto/sha3"
	"encoding/hex"
	"fmt"
)

// Sum returns the lowercase hex SHA3-224 of v's "%+v" rendering.
func Sum(v any) string {
	h := sha3.Sum224(fmt.Appendf(nil, "%+v", v))
	return hex.EncodeToString(h[:])
}

// Data returns the hash of a Secret's data as stored in the data-hash annotation.
func Data(data map[string][]byte) string {
	return Sum(data)
}

// metaHashInput mirrors the unexported struct upstream hashes; its field names and order are
// part of the "%+v" rendering and therefore of the hash.
type metaHashInput struct {
	annotations map[string]string
	labels      map[string]string
}

// Meta returns the hash of an object's labels and annotations. Any change to either changes
// the hash, which is what makes "kubectl annotate es x force-sync=..." force a refresh.
func Meta(labels, annotations map[string]string) string {
	return Sum(metaHashInput{annotations: annotations, labels: labels})
}

// ResourceVersion is the change marker an ExternalSecret records in
// status.syncedResourceVersion: "<generation>-<hash of labels and annotations>".
func ResourceVersion(generation int64, labels, annotations map[string]string) string {
	return fmt.Sprintf("%d-%s", generation, Meta(labels, annotations))
}

// Owner is the value of the created-by label: the hash of "<namespace>/<name>" of the
// ExternalSecret that owns the target.
func Owner(namespace, name string) string {
	return Sum(namespace + "/" + name)
}
