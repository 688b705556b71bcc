package fieldmanager

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestName(t *testing.T) {
	if got := Name("db"); got != "externalsecrets.external-secrets.io/db" {
		t.Fatalf("short name: %s", got)
	}
	long := Name(strings.Repeat("x", 40))
	if !strings.HasPrefix(long, "externalsecrets.external-secrets.io/sha3/") || len(long) != len("externalsecrets.external-secrets.io/sha3/")+56 {
		t.Fatalf("long name must be hashed: %s", long)
	}
	if Name(strings.Repeat("x", 40)) != long || Name(strings.Repeat("y", 40)) == long {
		t.Fatal("hashed names must be stable and distinct")
	}
}

func TestOwnedBy(t *testing.T) {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{
		{Manager: "me", FieldsV1: metav1.NewFieldsV1(`{"f:data":{"f:a":{},".":{}},"f:metadata":{"f:labels":{"f:l":{}},"f:annotations":{"f:x/y":{}}}}`)},
		{Manager: "me", FieldsV1: metav1.NewFieldsV1(`{"f:data":{"f:b":{}}}`)},
		{Manager: "someone-else", FieldsV1: metav1.NewFieldsV1(`{"f:data":{"f:c":{}}}`)},
		{Manager: "me", FieldsV1: metav1.NewFieldsV1(`not json`)},
		{Manager: "me"},
	}}}
	got := OwnedBy(secret, "me")
	for _, want := range []struct {
		set  map[string]struct{}
		keys []string
	}{{got.Data, []string{"a", "b"}}, {got.Labels, []string{"l"}}, {got.Annotations, []string{"x/y"}}} {
		if len(want.set) != len(want.keys) {
			t.Fatalf("got %v want %v", want.set, want.keys)
		}
		for _, k := range want.keys {
			if _, ok := want.set[k]; !ok {
				t.Fatalf("missing %q in %v", k, want.set)
			}
		}
	}
}
