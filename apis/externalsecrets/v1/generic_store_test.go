package v1

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestSecretStoreSpec_RefreshDuration(t *testing.T) {
	tests := []struct {
		name    string
		v       *intstr.IntOrString
		want    time.Duration
		wantErr bool
	}{
		{"unset", nil, 0, false},
		{"integer seconds", ptrTo(intstr.FromInt32(90)), 90 * time.Second, false},
		{"duration", ptrTo(intstr.FromString("5m")), 5 * time.Minute, false},
		{"unparsable", ptrTo(intstr.FromString("soon")), 0, true},
		{"negative", ptrTo(intstr.FromString("-1m")), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := (&SecretStoreSpec{RefreshInterval: tt.v}).RefreshDuration()
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
