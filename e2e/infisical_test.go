//go:build e2e

package e2e

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seedb5e69c69/external-secrets/providers/infisical/infisicaltest"
)

// TestSeed003Infisical applies seed 003 (a homelab on Infisical) as written, except for the
// store's hostAPI, which points at the in-repo Infisical emulator: the ClusterSecretStore
// logs in with the machine identity from the external-secrets namespace, and the
// ExternalSecret in my-app syncs MY_APP_API_KEY.
func TestSeed003Infisical(t *testing.T) {
	srv := infisicaltest.New(t)
	srv.AddUniversalAuth("homelab-client", "homelab-secret")
	srv.Put("homelab", "prod", "/", "MY_APP_API_KEY", "k-123")

	ensureNamespace(t, "external-secrets")
	ensureNamespace(t, "my-app")
	identity := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "infisical-machine-identity", Namespace: "external-secrets"},
		StringData: map[string]string{"clientId": "homelab-client", "clientSecret": "homelab-secret"}}
	create(t, identity)
	deleteAfter(t, identity)
	objs := seed(t, "003-infisical.yaml")
	st := byKind(t, objs, "ClusterSecretStore")
	must(t, unstructured.SetNestedField(st.Object, srv.URL, "spec", "provider", "infisical", "hostAPI"))
	for _, o := range objs {
		create(t, o)
		deleteAfter(t, o)
	}
	key := client.ObjectKey{Namespace: "my-app", Name: "my-app-secret"}
	waitReady(t, key, 30*time.Second)
	waitSecret(t, key, map[string]string{"MY_API_KEY": "k-123"}, 5*time.Second)
}
