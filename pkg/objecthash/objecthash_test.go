package objecthash

import (
	"crypto/sha3"
	"encoding/hex"
	"testing"
)

func sha3hex(s string) string {
	h := sha3.Sum224([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestSum_matchesTheFormatUpstreamHashes(t *testing.T) {
	tests := []struct {
		name     string
		got      string
		rendered string
	}{
		{"data prints as a sorted map of byte slices", Data(map[string][]byte{"b": []byte("hi"), "a": {1}}), "map[a:[1] b:[104 105]]"},
		{"empty data", Data(map[string][]byte{}), "map[]"},
		{"nil data", Data(nil), "map[]"},
		{"owner label hashes namespace/name", Owner("ns", "es"), "ns/es"},
		{"meta prints annotations before labels", Meta(map[string]string{"l": "1"}, map[string]string{"a": "2"}), "{annotations:map[a:2] labels:map[l:1]}"},
		{"meta without labels or annotations", Meta(nil, nil), "{annotations:map[] labels:map[]}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := sha3hex(tt.rendered); tt.got != want {
				t.Fatalf("hash of %q: got %s want %s", tt.rendered, tt.got, want)
			}
		})
	}
}

func TestResourceVersion_changesWithGenerationLabelsAndAnnotations(t *testing.T) {
	base := ResourceVersion(1, map[string]string{"a": "b"}, nil)
	for name, other := range map[string]string{
		"generation":       ResourceVersion(2, map[string]string{"a": "b"}, nil),
		"label value":      ResourceVersion(1, map[string]string{"a": "c"}, nil),
		"added annotation": ResourceVersion(1, map[string]string{"a": "b"}, map[string]string{"force-sync": "1"}),
	} {
		if other == base {
			t.Errorf("changing the %s did not change the resource version", name)
		}
	}
	if again := ResourceVersion(1, map[string]string{"a": "b"}, map[string]string{}); again != base {
		t.Errorf("an empty annotation map must hash like a nil one: %s vs %s", again, base)
	}
}
