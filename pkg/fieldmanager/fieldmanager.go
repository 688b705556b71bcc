// Package fieldmanager names the field manager an ExternalSecret writes its target with, and
// reads back from managedFields which data keys, labels and annotations it wrote before.
//
// This is how the controller removes a key it no longer produces without touching keys that
// someone else put into the same Secret (creationPolicy Merge, CreateOrMerge). Every
// controller uses this one package, so the name and the parsing cannot drift apart.
package fieldmanager

import (
	"crypto/sha3"
	"encoding/hex"
	"encoding/json"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// Name returns the field manager of the ExternalSecret called esName. Managers are limited in
// length, so long names are replaced by their hash (the same rule as upstream, so ownership
// carries over from an upstream installation).
func Name(esName string) string {
	name := esv1.FieldManagerPrefix + esName
	if len(name) <= esv1.FieldManagerMaxLength {
		return name
	}
	h := sha3.Sum224([]byte(esName))
	return esv1.FieldManagerHashedPrefix + hex.EncodeToString(h[:])
}

// Owned lists what one field manager owns in an object.
type Owned struct {
	// Data holds the keys of .data (and .stringData is never recorded, it is write-only).
	Data map[string]struct{}
	// Labels holds the label keys.
	Labels map[string]struct{}
	// Annotations holds the annotation keys.
	Annotations map[string]struct{}
}

// OwnedBy returns what manager owns in obj according to its managedFields. Entries that
// cannot be parsed are skipped: at worst a stale key survives one more sync.
func OwnedBy(obj metav1.Object, manager string) Owned {
	owned := Owned{Data: map[string]struct{}{}, Labels: map[string]struct{}{}, Annotations: map[string]struct{}{}}
	for _, entry := range obj.GetManagedFields() {
		if entry.Manager != manager || entry.FieldsV1 == nil {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(entry.FieldsV1.GetRawBytes(), &fields); err != nil {
			continue
		}
		collect(fields["f:data"], owned.Data)
		var meta map[string]json.RawMessage
		if err := json.Unmarshal(fields["f:metadata"], &meta); err == nil {
			collect(meta["f:labels"], owned.Labels)
			collect(meta["f:annotations"], owned.Annotations)
		}
	}
	return owned
}

// collect adds the map keys of a FieldsV1 object ({"f:key": {}}) to into.
func collect(raw json.RawMessage, into map[string]struct{}) {
	if len(raw) == 0 {
		return
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return
	}
	for k := range m {
		if key, ok := strings.CutPrefix(k, "f:"); ok {
			into[key] = struct{}{}
		}
	}
}
