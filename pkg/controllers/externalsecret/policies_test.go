package externalsecret_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// TestCreationPolicies covers every creationPolicy with the target missing and present.
func TestCreationPolicies(t *testing.T) {
	tests := []struct {
		name     string
		policy   esv1.ExternalSecretCreationPolicy
		existing kv // nil: no Secret before the ExternalSecret
		reason   string
		want     kv // nil: no Secret afterwards
		owned    bool
	}{
		{"Owner creates and owns", esv1.CreatePolicyOwner, nil, "SecretSynced", kv{"k": "v"}, true},
		{"Owner takes over an existing Secret and replaces its data", esv1.CreatePolicyOwner, kv{"foreign": "x"}, "SecretSynced", kv{"k": "v"}, true},
		{"Orphan creates without owning", esv1.CreatePolicyOrphan, nil, "SecretSynced", kv{"k": "v"}, false},
		{"Merge without a Secret reports it missing", esv1.CreatePolicyMerge, nil, "SecretMissing", nil, false},
		{"Merge keeps foreign keys", esv1.CreatePolicyMerge, kv{"foreign": "x"}, "SecretSynced", kv{"k": "v", "foreign": "x"}, false},
		{"None writes nothing", esv1.CreatePolicyNone, nil, "SecretSynced", nil, false},
		{"None leaves an existing Secret alone", esv1.CreatePolicyNone, kv{"foreign": "x"}, "SecretSynced", kv{"foreign": "x"}, false},
		{"CreateOrMerge creates", esv1.CreatePolicyCreateOrMerge, nil, "SecretSynced", kv{"k": "v"}, false},
		{"CreateOrMerge keeps foreign keys", esv1.CreatePolicyCreateOrMerge, kv{"foreign": "x"}, "SecretSynced", kv{"k": "v", "foreign": "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := env.Namespace(t)
			newStore(t, ns, "store", kv{"/k": "v"})
			if tt.existing != nil {
				s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "es", Namespace: ns}, Data: map[string][]byte{}}
				for k, v := range tt.existing {
					s.Data[k] = []byte(v)
				}
				must(t, k.Create(context.Background(), s))
			}
			es := newES(t, ns, "es", "store", withData("k", "/k"), withPolicies(tt.policy, esv1.DeletionPolicyRetain))
			got := waitReady(t, es, ready, tt.reason, 10*time.Second)
			if tt.want == nil {
				if secretExists(ns, "es") {
					t.Fatal("no Secret expected")
				}
				return
			}
			s := waitData(t, ns, "es", tt.want, 2*time.Second)
			if owned := metav1.GetControllerOf(s) != nil && metav1.GetControllerOf(s).UID == got.UID; owned != tt.owned {
				t.Fatalf("owned = %v, want %v", owned, tt.owned)
			}
			if _, has := s.Labels[esv1.LabelOwner]; has != tt.owned {
				t.Fatalf("created-by label present = %v, want %v", has, tt.owned)
			}
		})
	}
}

// TestMergePolicies_removeOnlyOurOwnKeys: a key the ExternalSecret stops producing is removed,
// a key someone else wrote into the same Secret stays.
func TestMergePolicies_removeOnlyOurOwnKeys(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{"/a": "1", "/b": "2"})
	must(t, k.Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "es", Namespace: ns},
		Data: map[string][]byte{"foreign": []byte("x")}}))
	es := newES(t, ns, "es", "store", withData("a", "/a"), withData("b", "/b"), withPolicies(esv1.CreatePolicyMerge, esv1.DeletionPolicyRetain))
	waitData(t, ns, "es", kv{"a": "1", "b": "2", "foreign": "x"}, 10*time.Second)

	eventually(t, 5*time.Second, func() error {
		cur := getES(t, es)
		cur.Spec.Data = cur.Spec.Data[:1]
		return k.Update(context.Background(), cur)
	})
	waitData(t, ns, "es", kv{"a": "1", "foreign": "x"}, 5*time.Second)
}

// TestNotFound covers §7.3: a missing remote secret under each deletionPolicy.
func TestNotFound(t *testing.T) {
	tests := []struct {
		name     string
		creation esv1.ExternalSecretCreationPolicy
		deletion esv1.ExternalSecretDeletionPolicy
		present  bool // whether /present stays in the store
		status   metav1.ConditionStatus
		reason   string
		message  string
		want     kv // nil: the Secret is gone
	}{
		{"Retain: a missing source is an error and the Secret is kept", esv1.CreatePolicyOwner, esv1.DeletionPolicyRetain, true,
			failing, "SecretSyncedError", "could not get secret data from provider", kv{"present": "p", "gone": "g"}},
		{"Delete: a missing source is skipped", esv1.CreatePolicyOwner, esv1.DeletionPolicyDelete, true,
			ready, "SecretSynced", "secret synced", kv{"present": "p"}},
		{"Delete: all sources missing deletes the Secret", esv1.CreatePolicyOwner, esv1.DeletionPolicyDelete, false,
			ready, "SecretDeleted", "secret deleted due to DeletionPolicy=Delete", nil},
		{"Merge: a missing source is skipped", esv1.CreatePolicyOwner, esv1.DeletionPolicyMerge, true,
			ready, "SecretSynced", "secret synced", kv{"present": "p"}},
		{"Merge: all sources missing removes our keys and keeps the Secret", esv1.CreatePolicyOwner, esv1.DeletionPolicyMerge, false,
			ready, "SecretSynced", "secret synced", kv{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := env.Namespace(t)
			st := newStore(t, ns, "store", kv{"/present": "p", "/gone": "g"})
			es := newES(t, ns, "es", "store", withData("present", "/present"), withData("gone", "/gone"), withPolicies(tt.creation, tt.deletion))
			waitData(t, ns, "es", kv{"present": "p", "gone": "g"}, 10*time.Second)

			left := kv{"/unrelated": "u"}
			if tt.present {
				left["/present"] = "p"
			}
			setStoreData(t, st, left)
			annotate(t, es, "force-sync", "1")
			got := waitReady(t, es, tt.status, tt.reason, 5*time.Second)
			if c := got.Status.Conditions[0]; c.Message != tt.message {
				t.Fatalf("message %q, want %q", c.Message, tt.message)
			}
			if tt.want == nil {
				eventually(t, 2*time.Second, func() error {
					if secretExists(ns, "es") {
						return fmt.Errorf("secret still exists")
					}
					return nil
				})
				return
			}
			waitData(t, ns, "es", tt.want, 2*time.Second)
			if tt.deletion != esv1.DeletionPolicyRetain {
				waitEvent(t, ns, "es", "MissingProviderSecret", "spec.data[1] (key=gone)")
			}
		})
	}
}

// TestRetain_emptyRemoteMapRetainsSecret: an existing but empty remote map with Retain keeps
// the Secret and says so.
func TestRetain_emptyRemoteMapRetainsSecret(t *testing.T) {
	ns := env.Namespace(t)
	st := newStore(t, ns, "store", kv{"/json": `{"a":"1"}`})
	es := newES(t, ns, "es", "store", withExtract("/json"))
	waitData(t, ns, "es", kv{"a": "1"}, 10*time.Second)
	setStoreData(t, st, kv{"/json": `{}`})
	annotate(t, es, "force-sync", "1")
	got := waitReady(t, es, ready, "SecretSynced", 5*time.Second)
	if c := got.Status.Conditions[0]; c.Message != "secret retained due to DeletionPolicy=Retain" {
		t.Fatalf("message %q", c.Message)
	}
	waitData(t, ns, "es", kv{"a": "1"}, time.Second)
}

// TestWriteFailures covers the Ready rows of write errors the API server produces.
func TestWriteFailures(t *testing.T) {
	t.Run("a Secret controlled by something else cannot be owned", func(t *testing.T) {
		ns := env.Namespace(t)
		newStore(t, ns, "store", kv{"/k": "v"})
		owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner", Namespace: ns}}
		must(t, k.Create(context.Background(), owner))
		must(t, k.Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "es", Namespace: ns,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: owner.UID, Controller: ptr.To(true)}}}}))
		es := newES(t, ns, "es", "store", withData("k", "/k"))
		waitMessage(t, es, "failed to take ownership of target secret")
	})
	t.Run("a write the API server refuses", func(t *testing.T) {
		ns := env.Namespace(t)
		newStore(t, ns, "store", kv{"/k": "v"})
		es := newES(t, ns, "es", "store", withData("k", "/k"), func(es *esv1.ExternalSecret) {
			es.Spec.Target.Template = &esv1.ExternalSecretTemplate{Metadata: esv1.ExternalSecretTemplateMetadata{
				Labels: map[string]string{"team": "not a valid label value!"}}}
		})
		waitMessage(t, es, "could not update secret")
		waitEvent(t, ns, "es", "UpdateFailed", "metadata.labels")
	})
	t.Run("a typed Secret without the keys its type requires", func(t *testing.T) {
		ns := env.Namespace(t)
		newStore(t, ns, "store", kv{"/k": "v"})
		es := newES(t, ns, "es", "store", withData("k", "/k"), func(es *esv1.ExternalSecret) {
			es.Spec.Target.Template = &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeTLS}
		})
		waitMessage(t, es, "a Secret of type kubernetes.io/tls needs the key tls.crt: add it to spec.target.template.data")
		waitEvent(t, ns, "es", "UpdateFailed", "the target would have the keys [k]")
		if secretExists(ns, "es") {
			t.Fatal("the invalid Secret was written")
		}
	})
}

// waitMessage waits for Ready=False with the given message (earlier failures, such as the
// store not being validated yet, may come first).
func waitMessage(t *testing.T, es *esv1.ExternalSecret, message string) {
	t.Helper()
	eventually(t, 10*time.Second, func() error {
		cur := getES(t, es)
		if len(cur.Status.Conditions) == 0 || cur.Status.Conditions[0].Message != message || cur.Status.Conditions[0].Status != failing {
			return fmt.Errorf("conditions %+v, want message %q", cur.Status.Conditions, message)
		}
		return nil
	})
}
