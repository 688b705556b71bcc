package externalsecret_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/objecthash"
)

const (
	ready   = metav1.ConditionTrue
	failing = metav1.ConditionFalse
)

func TestExternalSecret_syncsDataAndDataFromWithPrecedence(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{"/db": `{"user":"admin","password":"from-json"}`, "/password": "from-data"})
	es := newES(t, ns, "db", "store", withExtract("/db"), withData("password", "/password"))

	got := waitReady(t, es, ready, "SecretSynced", 10*time.Second)
	secret := waitData(t, ns, "db", kv{"user": "admin", "password": "from-data"}, 5*time.Second)

	if secret.Labels[esv1.LabelManaged] != "true" || secret.Annotations[esv1.AnnotationDataHash] != objecthash.Data(secret.Data) {
		t.Fatalf("bookkeeping missing: %v %v", secret.Labels, secret.Annotations)
	}
	if secret.Labels[esv1.LabelOwner] != objecthash.Owner(ns, "db") || metav1.GetControllerOf(secret).UID != got.UID {
		t.Fatalf("Owner policy must set the controller reference and created-by label: %+v", secret.ObjectMeta)
	}
	if got.Status.Binding.Name != "db" || got.Status.RefreshTime.IsZero() || got.Status.SyncedResourceVersion == "" {
		t.Fatalf("status: %+v", got.Status)
	}
	c := got.Status.Conditions[0]
	if c.Message != "secret synced" {
		t.Fatalf("message %q", c.Message)
	}
	waitEvent(t, ns, "db", "Created", "secret created")
}

func TestExternalSecret_unchangedRefreshMakesNoWrite(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{"/k": "v"})
	es := newES(t, ns, "es", "store", withData("k", "/k"), withInterval(time.Second))
	waitReady(t, es, ready, "SecretSynced", 10*time.Second)
	before := getSecret(t, ns, "es")
	first := getES(t, es).Status.RefreshTime

	// Several refreshes happen (interval 1s); none may rewrite the Secret.
	eventually(t, 10*time.Second, func() error {
		if cur := getES(t, es).Status.RefreshTime; !cur.After(first.Add(time.Second)) {
			return fmt.Errorf("no refresh yet (%v)", cur)
		}
		return nil
	})
	if after := getSecret(t, ns, "es"); after.ResourceVersion != before.ResourceVersion {
		t.Fatalf("an unchanged refresh rewrote the Secret: %s -> %s", before.ResourceVersion, after.ResourceVersion)
	}
}

func TestExternalSecret_forceSyncByAnnotation(t *testing.T) {
	for _, interval := range []time.Duration{time.Hour, 0} {
		t.Run("refreshInterval "+interval.String(), func(t *testing.T) {
			ns := env.Namespace(t)
			st := newStore(t, ns, "store", kv{"/k": "v1"})
			es := newES(t, ns, "es", "store", withData("k", "/k"), withInterval(interval))
			waitReady(t, es, ready, "SecretSynced", 10*time.Second)
			waitData(t, ns, "es", kv{"k": "v1"}, 5*time.Second)

			setStoreData(t, st, kv{"/k": "v2"}) // a store change refreshes by itself (§17.2) ...
			waitData(t, ns, "es", kv{"k": "v2"}, 2*time.Second)

			// ... and so does an annotation: the status records a sync of the new metadata.
			annotate(t, es, "force-sync", strconv.FormatInt(time.Now().UnixNano(), 10))
			waitReady(t, es, ready, "SecretSynced", 2*time.Second)
		})
	}
}

func annotate(t *testing.T, es *esv1.ExternalSecret, key, value string) {
	t.Helper()
	eventually(t, 5*time.Second, func() error {
		cur := getES(t, es)
		if cur.Annotations == nil {
			cur.Annotations = map[string]string{}
		}
		cur.Annotations[key] = value
		return k.Update(context.Background(), cur)
	})
}

func TestExternalSecret_repairsDriftWithinTwoSeconds(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{"/k": "v"})
	es := newES(t, ns, "es", "store", withData("k", "/k"))
	waitReady(t, es, ready, "SecretSynced", 10*time.Second)

	t.Run("edited data is restored", func(t *testing.T) {
		s := getSecret(t, ns, "es")
		s.Data["k"] = []byte("tampered")
		must(t, k.Update(context.Background(), s))
		waitData(t, ns, "es", kv{"k": "v"}, 2*time.Second)
	})
	t.Run("a deleted Secret is recreated", func(t *testing.T) {
		must(t, k.Delete(context.Background(), getSecret(t, ns, "es")))
		waitData(t, ns, "es", kv{"k": "v"}, 2*time.Second)
	})
	t.Run("a removed managed label is put back", func(t *testing.T) {
		s := getSecret(t, ns, "es")
		delete(s.Labels, esv1.LabelManaged)
		must(t, k.Update(context.Background(), s))
		eventually(t, 2*time.Second, func() error {
			if getSecret(t, ns, "es").Labels[esv1.LabelManaged] != "true" {
				return fmt.Errorf("label not restored")
			}
			return nil
		})
	})
	t.Run("foreign labels and annotations survive a refresh", func(t *testing.T) {
		s := getSecret(t, ns, "es")
		s.Labels["team"] = "a"
		s.Annotations["note"] = "keep"
		must(t, k.Update(context.Background(), s))
		annotate(t, es, "force-sync", "1")
		waitReady(t, es, ready, "SecretSynced", 5*time.Second)
		s = getSecret(t, ns, "es")
		if s.Labels["team"] != "a" || s.Annotations["note"] != "keep" {
			t.Fatalf("foreign metadata lost: %v %v", s.Labels, s.Annotations)
		}
	})
}

func TestExternalSecret_providerFailureLeavesSecretUntouched(t *testing.T) {
	ns := env.Namespace(t)
	st := newStore(t, ns, "store", kv{"/k": "v"})
	es := newES(t, ns, "es", "store", withData("k", "/k"))
	waitReady(t, es, ready, "SecretSynced", 10*time.Second)
	before := getSecret(t, ns, "es")

	setStoreData(t, st, kv{"/other": "x"}) // the key disappears: with Retain this is an error
	got := waitReady(t, es, failing, "SecretSyncedError", 5*time.Second)
	if c := got.Status.Conditions[0]; c.Message != "could not get secret data from provider" {
		t.Fatalf("message %q", c.Message)
	}
	waitEvent(t, ns, "es", "UpdateFailed", "spec.data[0]")
	after := getSecret(t, ns, "es")
	if after.ResourceVersion != before.ResourceVersion || !bytes.Equal(after.Data["k"], before.Data["k"]) {
		t.Fatalf("a failing provider modified the Secret")
	}
	if got.Status.RefreshTime != getES(t, es).Status.RefreshTime {
		t.Fatal("a failure must keep the last successful refresh time")
	}
}

func TestExternalSecret_storeFixedMakesItReadyWithinTwoSeconds(t *testing.T) {
	ns := env.Namespace(t)
	st := newStore(t, ns, "store", kv{"/other": "x"})
	es := newES(t, ns, "es", "store", withData("k", "/k"))
	waitReady(t, es, failing, "SecretSyncedError", 10*time.Second)
	time.Sleep(3 * time.Second) // let the backoff grow past what the test allows

	setStoreData(t, st, kv{"/k": "v"})
	waitReady(t, es, ready, "SecretSynced", 2*time.Second)
}

func TestExternalSecret_missingStoreRecoversWhenCreated(t *testing.T) {
	ns := env.Namespace(t)
	es := newES(t, ns, "es", "later", withData("k", "/k"))
	waitReady(t, es, failing, "SecretSyncedError", 10*time.Second)
	waitEvent(t, ns, "es", "UpdateFailed", "store not found")
	newStore(t, ns, "later", kv{"/k": "v"})
	waitReady(t, es, ready, "SecretSynced", 3*time.Second)
}

func TestExternalSecret_targetRenameDeletesOldSecret(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{"/k": "v"})
	es := newES(t, ns, "es", "store", withData("k", "/k"), withTarget("first"))
	waitData(t, ns, "first", kv{"k": "v"}, 10*time.Second)

	eventually(t, 5*time.Second, func() error {
		cur := getES(t, es)
		cur.Spec.Target.Name = "second"
		return k.Update(context.Background(), cur)
	})
	waitData(t, ns, "second", kv{"k": "v"}, 5*time.Second)
	eventually(t, 5*time.Second, func() error {
		if secretExists(ns, "first") {
			return fmt.Errorf("old target still exists")
		}
		return nil
	})
	waitEvent(t, ns, "es", "Deleted", "orphaned")
}

func TestExternalSecret_clusterStoreConditionsDenyNamespace(t *testing.T) {
	ns := env.Namespace(t)
	css := &esv1.ClusterSecretStore{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "css-"},
		Spec: esv1.SecretStoreSpec{Provider: fakeProvider(kv{"/k": "v"}), Conditions: []esv1.ClusterSecretStoreCondition{
			{Namespaces: []string{"somewhere-else"}},
		}},
	}
	must(t, k.Create(context.Background(), css))
	t.Cleanup(func() { _ = k.Delete(context.Background(), css) })
	es := newES(t, ns, "es", css.Name, withData("k", "/k"), func(es *esv1.ExternalSecret) {
		es.Spec.SecretStoreRef.Kind = esv1.ClusterSecretStoreKind
	})
	waitReady(t, es, failing, "SecretSyncedError", 10*time.Second)
	waitEvent(t, ns, "es", "UpdateFailed", fmt.Sprintf("is not allowed from namespace %q", ns))
	if secretExists(ns, "es") {
		t.Fatal("a denied namespace got a Secret")
	}

	// Admitting the namespace by a regular expression (unanchored) lets it sync.
	eventually(t, 5*time.Second, func() error {
		var cur esv1.ClusterSecretStore
		if err := k.Get(context.Background(), client.ObjectKeyFromObject(css), &cur); err != nil {
			return err
		}
		cur.Spec.Conditions = append(cur.Spec.Conditions, esv1.ClusterSecretStoreCondition{NamespaceRegexes: []string{ns[2:]}})
		return k.Update(context.Background(), &cur)
	})
	waitReady(t, es, ready, "SecretSynced", 3*time.Second)
}

func TestExternalSecret_otherExternalSecretOwnsTarget(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{"/k": "v"})
	first := newES(t, ns, "first", "store", withData("k", "/k"), withTarget("shared"))
	waitReady(t, first, ready, "SecretSynced", 10*time.Second)
	second := newES(t, ns, "second", "store", withData("k", "/k"), withTarget("shared"))
	waitMessage(t, second, "target is owned by another ExternalSecret")
}

func TestExternalSecret_immutableTarget(t *testing.T) {
	ns := env.Namespace(t)
	st := newStore(t, ns, "store", kv{"/k": "v1"})
	es := newES(t, ns, "es", "store", withData("k", "/k"), func(es *esv1.ExternalSecret) { es.Spec.Target.Immutable = true })
	waitReady(t, es, ready, "SecretSynced", 10*time.Second)
	s := waitData(t, ns, "es", kv{"k": "v1"}, 5*time.Second)
	if !ptr.Deref(s.Immutable, false) {
		t.Fatal("target must be created immutable")
	}
	// The data is never re-rendered once the Secret exists: a changed remote value is ignored.
	setStoreData(t, st, kv{"/k": "v2"})
	annotate(t, es, "force-sync", "1")
	waitReady(t, es, ready, "SecretSynced", 5*time.Second)
	waitData(t, ns, "es", kv{"k": "v1"}, time.Second)
}

func TestExternalSecret_immutableSecretWouldChange(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{"/k": "new"})
	pre := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "es", Namespace: ns}, Immutable: ptr.To(true), Data: map[string][]byte{"k": []byte("old")}}
	must(t, k.Create(context.Background(), pre))
	es := newES(t, ns, "es", "store", withData("k", "/k"), withPolicies(esv1.CreatePolicyOrphan, esv1.DeletionPolicyRetain))
	waitMessage(t, es, "could not update secret, target is immutable")
	waitData(t, ns, "es", kv{"k": "old"}, time.Second)
}

func TestExternalSecret_deletionFinalizer(t *testing.T) {
	tests := []struct {
		name       string
		creation   esv1.ExternalSecretCreationPolicy
		deletion   esv1.ExternalSecretDeletionPolicy
		secretGone bool
	}{
		{"Owner+Delete deletes the Secret", esv1.CreatePolicyOwner, esv1.DeletionPolicyDelete, true},
		{"Orphan+Retain keeps the Secret", esv1.CreatePolicyOrphan, esv1.DeletionPolicyRetain, false},
		{"CreateOrMerge+Merge keeps the Secret", esv1.CreatePolicyCreateOrMerge, esv1.DeletionPolicyMerge, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := env.Namespace(t)
			newStore(t, ns, "store", kv{"/k": "v"})
			es := newES(t, ns, "es", "store", withData("k", "/k"), withPolicies(tt.creation, tt.deletion))
			waitReady(t, es, ready, "SecretSynced", 10*time.Second)
			wantFinalizer := tt.deletion == esv1.DeletionPolicyDelete
			if cur := getES(t, es); (len(cur.Finalizers) == 1 && cur.Finalizers[0] == esv1.ExternalSecretFinalizer) != wantFinalizer {
				t.Fatalf("finalizers %v: the cleanup finalizer is needed only with deletionPolicy=Delete", cur.Finalizers)
			}
			must(t, k.Delete(context.Background(), es))
			eventually(t, 5*time.Second, func() error {
				err := k.Get(context.Background(), client.ObjectKeyFromObject(es), &esv1.ExternalSecret{})
				if !apierrors.IsNotFound(err) {
					return fmt.Errorf("ExternalSecret not gone: %w", err)
				}
				return nil
			})
			if tt.secretGone {
				eventually(t, 5*time.Second, func() error {
					if secretExists(ns, "es") {
						return fmt.Errorf("secret still exists")
					}
					return nil
				})
			} else if !secretExists(ns, "es") {
				t.Fatal("the Secret must be kept")
			}
		})
	}
}
