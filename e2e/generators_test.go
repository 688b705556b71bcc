//go:build e2e

package e2e

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
)

func passwordES(ns, name string, policy esv1.ExternalSecretRefreshPolicy) *esv1.ExternalSecret {
	return &esv1.ExternalSecret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: esv1.ExternalSecretSpec{
			RefreshPolicy: policy,
			DataFrom: []esv1.ExternalSecretDataFromRemoteRef{{SourceRef: &esv1.StoreGeneratorSourceRef{
				GeneratorRef: &esv1.GeneratorRef{APIVersion: genv1alpha1.GroupVersion.String(), Kind: genv1alpha1.PasswordKind, Name: "pw"},
			}}},
		},
	}
}

func password(t *testing.T, key client.ObjectKey) string {
	t.Helper()
	return string(waitSecret(t, key, nil, 10*time.Second).Data["password"])
}

// TestPasswordRotationAcrossRestart: a CreatedOnce password survives force-syncs and a
// controller crash; a Periodic one rotates on each refresh, also after the restart.
func TestPasswordRotationAcrossRestart(t *testing.T) {
	ns := env.Namespace(t)
	create(t, &genv1alpha1.Password{ObjectMeta: metav1.ObjectMeta{Name: "pw", Namespace: ns}, Spec: genv1alpha1.PasswordSpec{Length: 32}},
		passwordES(ns, "once", esv1.RefreshPolicyCreatedOnce), passwordES(ns, "periodic", esv1.RefreshPolicyPeriodic))
	once, periodic := client.ObjectKey{Namespace: ns, Name: "once"}, client.ObjectKey{Namespace: ns, Name: "periodic"}
	waitReady(t, once, 20*time.Second)
	waitReady(t, periodic, 20*time.Second)
	kept, rotating := password(t, once), password(t, periodic)
	if len(kept) != 32 || len(rotating) != 32 {
		t.Fatalf("password lengths %d and %d, want 32", len(kept), len(rotating))
	}

	ctrl.restart(t, nil)
	forceSync(t, once)
	forceSync(t, periodic)
	for deadline := time.Now().Add(10 * time.Second); password(t, periodic) == rotating; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the Periodic password did not rotate on a force-sync after the restart")
		}
	}
	// The periodic one has been handled after the restart; the CreatedOnce one was enqueued at
	// the same time and needs no provider call, so a moment more is plenty.
	time.Sleep(time.Second)
	waitReady(t, once, 10*time.Second)
	if got := password(t, once); got != kept {
		t.Fatal("the CreatedOnce password changed across a restart and a force-sync")
	}
}
