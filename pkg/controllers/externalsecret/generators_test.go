package externalsecret_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
)

func withGenerator(kind, name string) esOption {
	return func(es *esv1.ExternalSecret) {
		es.Spec.DataFrom = append(es.Spec.DataFrom, esv1.ExternalSecretDataFromRemoteRef{
			SourceRef: &esv1.StoreGeneratorSourceRef{GeneratorRef: &esv1.GeneratorRef{
				APIVersion: genv1alpha1.GroupVersion.String(), Kind: kind, Name: name}},
		})
	}
}

func passwordOf(t *testing.T, ns, name string) string {
	t.Helper()
	return string(getSecret(t, ns, name).Data["password"])
}

// TestPasswordGenerator_rotationSemantics: with Periodic a password changes on every refresh;
// with CreatedOnce it is generated once and kept across force-syncs.
func TestPasswordGenerator_rotationSemantics(t *testing.T) {
	ns := env.Namespace(t)
	must(t, k.Create(context.Background(), &genv1alpha1.Password{ObjectMeta: metav1.ObjectMeta{Name: "pw", Namespace: ns},
		Spec: genv1alpha1.PasswordSpec{Length: 20}}))
	periodic := newES(t, ns, "periodic", "", withGenerator("Password", "pw"))
	once := newES(t, ns, "once", "", withGenerator("Password", "pw"), func(es *esv1.ExternalSecret) {
		es.Spec.RefreshPolicy = esv1.RefreshPolicyCreatedOnce
	})
	waitReady(t, periodic, ready, "SecretSynced", 10*time.Second)
	waitReady(t, once, ready, "SecretSynced", 10*time.Second)
	p1, o1 := passwordOf(t, ns, "periodic"), passwordOf(t, ns, "once")
	if len(p1) != 20 || len(o1) != 20 {
		t.Fatalf("lengths %d %d", len(p1), len(o1))
	}

	annotate(t, periodic, "force-sync", "1")
	annotate(t, once, "force-sync", "1")
	eventually(t, 3*time.Second, func() error {
		if passwordOf(t, ns, "periodic") == p1 {
			return fmt.Errorf("the Periodic password did not rotate")
		}
		return nil
	})
	time.Sleep(time.Second)
	if passwordOf(t, ns, "once") != o1 {
		t.Fatal("the CreatedOnce password changed")
	}
}

// TestClusterGenerator_andGeneratorEdits: a ClusterGenerator wrapping Fake is usable from any
// namespace, rewrite applies to generated keys, and editing the generator re-runs it.
func TestClusterGenerator_andGeneratorEdits(t *testing.T) {
	ns := env.Namespace(t)
	cg := &genv1alpha1.ClusterGenerator{ObjectMeta: metav1.ObjectMeta{GenerateName: "cg-"}, Spec: genv1alpha1.ClusterGeneratorSpec{
		Kind: genv1alpha1.FakeKind, Generator: genv1alpha1.GeneratorSpec{FakeSpec: &genv1alpha1.FakeSpec{Data: map[string]string{"user": "a"}}}}}
	must(t, k.Create(context.Background(), cg))
	t.Cleanup(func() { _ = k.Delete(context.Background(), cg) })
	newES(t, ns, "es", "", withGenerator("ClusterGenerator", cg.Name), func(es *esv1.ExternalSecret) {
		es.Spec.DataFrom[0].Rewrite = []esv1.ExternalSecretRewrite{{Regexp: &esv1.ExternalSecretRewriteRegexp{Source: "^", Target: "db_"}}}
	})
	waitData(t, ns, "es", kv{"db_user": "a"}, 10*time.Second)

	eventually(t, 5*time.Second, func() error {
		var cur genv1alpha1.ClusterGenerator
		if err := k.Get(context.Background(), client.ObjectKeyFromObject(cg), &cur); err != nil {
			return err
		}
		cur.Spec.Generator.FakeSpec.Data["user"] = "b"
		return k.Update(context.Background(), &cur)
	})
	waitData(t, ns, "es", kv{"db_user": "b"}, 2*time.Second)
}

// TestGeneratorRef_errors: a reference outside the generators group is refused for good; a
// missing generator is waited for and picked up when it is created.
func TestGeneratorRef_errors(t *testing.T) {
	ns := env.Namespace(t)
	bad := newES(t, ns, "bad-group", "", func(es *esv1.ExternalSecret) {
		es.Spec.DataFrom = []esv1.ExternalSecretDataFromRemoteRef{{SourceRef: &esv1.StoreGeneratorSourceRef{
			GeneratorRef: &esv1.GeneratorRef{APIVersion: "example.com/v1", Kind: "Password", Name: "x"}}}}
	})
	waitReady(t, bad, failing, "SecretSyncedError", 10*time.Second)
	waitEvent(t, ns, "bad-group", "UpdateFailed", "generatorRef may only reference the generators group")

	later := newES(t, ns, "later", "", withGenerator("UUID", "id"))
	waitEvent(t, ns, "later", "UpdateFailed", "not found")
	must(t, k.Create(context.Background(), &genv1alpha1.UUID{ObjectMeta: metav1.ObjectMeta{Name: "id", Namespace: ns}}))
	waitReady(t, later, ready, "SecretSynced", 3*time.Second)
	if id := getSecret(t, ns, "later").Data["uuid"]; len(id) != 36 {
		t.Fatalf("uuid %q", id)
	}
}
