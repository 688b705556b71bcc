package charttest

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The Pod Security check of applyDryRun only means something if the API server does warn: a
// Deployment that runs as root with no securityContext must draw a warning in the namespace.
func TestDryRun_warnsAboutPodsOutsideRestricted(t *testing.T) {
	if helm == "" {
		t.Skip("HELM is not set")
	}
	d := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "unhardened", "namespace": namespace},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": "x"}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": "x"}},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "x", "image": "x"}}},
			},
		},
	}}
	warnings.reset()
	if err := dryRun.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(d), client.DryRunAll, client.FieldOwner(fieldOwner)); err != nil {
		t.Fatal(err)
	}
	w := strings.Join(warnings.take(), "\n")
	if !strings.Contains(w, "violate PodSecurity") {
		t.Fatalf("no Pod Security warning for a root pod; got %q", w)
	}
}
