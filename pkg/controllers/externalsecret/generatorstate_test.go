package externalsecret_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/state"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// testGracePeriod is the --generator-gc-grace-period of the test manager.
const testGracePeriod = 2 * time.Second

// leases is a stateful generator for these tests, registered for the VaultDynamicSecret kind:
// each Generate hands out "lease-<n>" with state {"n": n}, and Cleanup records which leases
// it revoked, per namespace. The real VaultDynamicSecret is tested against Vault in its own
// package; here the subject is the bookkeeping around any stateful generator.
type leases struct {
	mu       sync.Mutex
	next     int
	revoked  map[string][]int
	failures map[string]error
}

var testLeases = &leases{revoked: map[string][]int{}, failures: map[string]error{}}

type leaseState struct {
	N int `json:"n"`
}

func namespaceOf(obj *apiextensionsv1.JSON) string {
	var head metav1.PartialObjectMetadata
	_ = json.Unmarshal(obj.Raw, &head)
	return head.Namespace
}

func (l *leases) Generate(_ context.Context, _ *apiextensionsv1.JSON, _ client.Client, _ string) (map[string][]byte, *apiextensionsv1.JSON, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	raw, _ := json.Marshal(leaseState{N: l.next})
	return map[string][]byte{"lease": fmt.Appendf(nil, "lease-%d", l.next)}, &apiextensionsv1.JSON{Raw: raw}, nil
}

func (l *leases) Cleanup(_ context.Context, obj, st *apiextensionsv1.JSON, _ client.Client, namespace string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if namespaceOf(obj) != namespace {
		return fmt.Errorf("cleanup in namespace %q of a generator from %q", namespace, namespaceOf(obj))
	}
	if err := l.failures[namespace]; err != nil {
		return err
	}
	var s leaseState
	if err := json.Unmarshal(st.Raw, &s); err != nil {
		return err
	}
	if !slices.Contains(l.revoked[namespace], s.N) {
		l.revoked[namespace] = append(l.revoked[namespace], s.N)
	}
	return nil
}

func (l *leases) revokedIn(ns string) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.revoked[ns])
}

// failIn makes Cleanup in ns fail with err (nil: succeed).
func (l *leases) failIn(ns string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures[ns] = err
}

func newLeaseGenerator(t *testing.T, ns, name string) {
	t.Helper()
	must(t, k.Create(context.Background(), &genv1alpha1.VaultDynamicSecret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: genv1alpha1.VaultDynamicSecretSpec{
			Provider: &esv1.VaultProvider{Server: "https://vault.invalid:8200"}, Path: "database/creds/app"},
	}))
}

func statesIn(t *testing.T, ns string) []genv1alpha1.GeneratorState {
	t.Helper()
	var list genv1alpha1.GeneratorStateList
	must(t, k.List(context.Background(), &list, client.InNamespace(ns)))
	return list.Items
}

func leaseOf(t *testing.T, gs genv1alpha1.GeneratorState) int {
	t.Helper()
	var s leaseState
	must(t, json.Unmarshal(gs.Spec.State.Raw, &s))
	return s.N
}

func leaseInSecret(t *testing.T, ns, name string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(string(getSecret(t, ns, name).Data["lease"]), "lease-%d", &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGeneratorState_commitAndCollect: each sync records the generated lease in a
// GeneratorState owned by the ExternalSecret before it is used; a newer sync schedules the
// older state for collection after the grace period, and collecting it revokes its lease.
func TestGeneratorState_commitAndCollect(t *testing.T) {
	ns := env.Namespace(t)
	newLeaseGenerator(t, ns, "db")
	es := newES(t, ns, "app", "", withGenerator(genv1alpha1.VaultDynamicSecretKind, "db"))
	waitReady(t, es, ready, "SecretSynced", 10*time.Second)
	first := leaseInSecret(t, ns, "app")

	var gs genv1alpha1.GeneratorState
	eventually(t, 5*time.Second, func() error {
		list := statesIn(t, ns)
		if len(list) != 1 {
			return fmt.Errorf("%d states, want 1", len(list))
		}
		gs = list[0]
		if c := meta.FindStatusCondition(gs.Status.Conditions, genv1alpha1.GeneratorStateReady); c == nil || c.Reason != genv1alpha1.GeneratorStateReasonCreated {
			return fmt.Errorf("Ready = %+v", c)
		}
		return nil
	})
	cur := getES(t, es)
	if leaseOf(t, gs) != first || gs.Spec.GarbageCollectionDeadline != nil ||
		!controllerutil.ContainsFinalizer(&gs, genv1alpha1.GeneratorStateFinalizer) ||
		len(gs.OwnerReferences) != 1 || gs.OwnerReferences[0].UID != cur.UID || gs.OwnerReferences[0].Kind != "ExternalSecret" ||
		gs.Labels[genv1alpha1.GeneratorStateOwnerKeyLabel] != state.OwnerKey("ExternalSecret", ns, "app", "0") {
		t.Fatalf("state %+v", gs)
	}
	if gs.Spec.Resource == nil || namespaceOf(gs.Spec.Resource) != ns {
		t.Fatalf("spec.resource %s", gs.Spec.Resource)
	}

	annotate(t, es, "force-sync", "1")
	eventually(t, 5*time.Second, func() error {
		if n := leaseInSecret(t, ns, "app"); n == first {
			return errors.New("the lease did not rotate")
		}
		return nil
	})
	second := leaseInSecret(t, ns, "app")
	// The superseded lease stays valid for the grace period, then it is revoked and its
	// state deleted; the current one is untouched.
	eventually(t, testGracePeriod+5*time.Second, func() error {
		list := statesIn(t, ns)
		if len(list) != 1 || leaseOf(t, list[0]) != second {
			return fmt.Errorf("%d states, want only lease %d", len(list), second)
		}
		return nil
	})
	if got := testLeases.revokedIn(ns); !slices.Equal(got, []int{first}) {
		t.Fatalf("revoked %v, want [%d]", got, first)
	}
}

// TestGeneratorState_rollbackOnFailedSync: a lease generated for a sync that then fails (the
// target cannot be written) is revoked at once, and no Secret is written.
func TestGeneratorState_rollbackOnFailedSync(t *testing.T) {
	ns := env.Namespace(t)
	newLeaseGenerator(t, ns, "db")
	es := newES(t, ns, "app", "", withGenerator(genv1alpha1.VaultDynamicSecretKind, "db"), func(es *esv1.ExternalSecret) {
		// A dockerconfigjson Secret needs a .dockerconfigjson key the generator does not give.
		es.Spec.Target.Template = &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeDockerConfigJson}
	})
	waitReady(t, es, failing, "SecretSyncedError", 10*time.Second)
	waitMessage(t, es, "a Secret of type kubernetes.io/dockerconfigjson needs the key .dockerconfigjson: add it to spec.target.template.data")
	eventually(t, 10*time.Second, func() error {
		if len(testLeases.revokedIn(ns)) == 0 {
			return errors.New("no lease revoked")
		}
		if list := statesIn(t, ns); len(list) != 0 {
			return fmt.Errorf("%d states left", len(list))
		}
		return nil
	})
	if secretExists(ns, "app") {
		t.Fatal("a Secret was written")
	}
}

// TestGeneratorState_cleanupFailureHoldsTheState: while the generator cannot clean up, the
// state keeps its finalizer and says why; once cleanup works it goes away.
func TestGeneratorState_cleanupFailureHoldsTheState(t *testing.T) {
	ns := env.Namespace(t)
	newLeaseGenerator(t, ns, "db")
	es := newES(t, ns, "app", "", withGenerator(genv1alpha1.VaultDynamicSecretKind, "db"))
	waitReady(t, es, ready, "SecretSynced", 10*time.Second)
	var list []genv1alpha1.GeneratorState
	eventually(t, 5*time.Second, func() error {
		if list = statesIn(t, ns); len(list) != 1 {
			return fmt.Errorf("%d states", len(list))
		}
		return nil
	})
	testLeases.failIn(ns, errors.New("the lease server is unavailable"))
	must(t, k.Delete(context.Background(), &list[0]))
	eventually(t, 5*time.Second, func() error {
		var gs genv1alpha1.GeneratorState
		must(t, k.Get(context.Background(), client.ObjectKeyFromObject(&list[0]), &gs))
		c := meta.FindStatusCondition(gs.Status.Conditions, genv1alpha1.GeneratorStateReady)
		if c == nil || c.Status != metav1.ConditionFalse || c.Reason != genv1alpha1.GeneratorStateReasonError {
			return fmt.Errorf("Ready = %+v", c)
		}
		return nil
	})
	waitEvent(t, ns, list[0].Name, genv1alpha1.GeneratorStateReasonError, "the lease server is unavailable")
	testLeases.failIn(ns, nil)
	eventually(t, 10*time.Second, func() error {
		if n := len(statesIn(t, ns)); n != 0 {
			return fmt.Errorf("%d states left", n)
		}
		return nil
	})
	if got := testLeases.revokedIn(ns); len(got) != 1 || got[0] != leaseOf(t, list[0]) {
		t.Fatalf("revoked %v", got)
	}
}

// TestGeneratorState_unknownKindKeepsItsFinalizer: a state of a kind this controller cannot
// run (e.g. left by another controller) is never released without its cleanup.
func TestGeneratorState_unknownKindKeepsItsFinalizer(t *testing.T) {
	ns := env.Namespace(t)
	gs := &genv1alpha1.GeneratorState{
		ObjectMeta: metav1.ObjectMeta{Name: "grafana", Namespace: ns},
		Spec: genv1alpha1.GeneratorStateSpec{
			Resource: &apiextensionsv1.JSON{Raw: []byte(`{"apiVersion":"generators.external-secrets.io/v1alpha1","kind":"Grafana","metadata":{"name":"g"}}`)},
			State:    &apiextensionsv1.JSON{Raw: []byte(`{"serviceAccount":"1"}`)},
		},
	}
	must(t, k.Create(context.Background(), gs))
	eventually(t, 5*time.Second, func() error {
		must(t, k.Get(context.Background(), client.ObjectKeyFromObject(gs), gs))
		if !controllerutil.ContainsFinalizer(gs, genv1alpha1.GeneratorStateFinalizer) {
			return errors.New("no finalizer added")
		}
		return nil
	})
	must(t, k.Delete(context.Background(), gs))
	eventually(t, 5*time.Second, func() error {
		must(t, k.Get(context.Background(), client.ObjectKeyFromObject(gs), gs))
		c := meta.FindStatusCondition(gs.Status.Conditions, genv1alpha1.GeneratorStateReady)
		if c == nil || c.Reason != genv1alpha1.GeneratorStateReasonError {
			return fmt.Errorf("Ready = %+v", c)
		}
		if !controllerutil.ContainsFinalizer(gs, genv1alpha1.GeneratorStateFinalizer) {
			return errors.New("the finalizer was released without cleanup")
		}
		return nil
	})
	base := gs.DeepCopy()
	controllerutil.RemoveFinalizer(gs, genv1alpha1.GeneratorStateFinalizer)
	must(t, k.Patch(context.Background(), gs, client.MergeFrom(base)))
}

// TestGeneratorState_replacedGeneratorIsCollected: when a dataFrom entry stops generating
// (here: it now extracts from a store), the states of the old generator are collected at the
// next successful sync.
func TestGeneratorState_replacedGeneratorIsCollected(t *testing.T) {
	ns := env.Namespace(t)
	newLeaseGenerator(t, ns, "db")
	newStore(t, ns, "store", kv{"cfg": `{"lease":"static"}`})
	es := newES(t, ns, "app", "", withGenerator(genv1alpha1.VaultDynamicSecretKind, "db"))
	waitReady(t, es, ready, "SecretSynced", 10*time.Second)
	first := leaseInSecret(t, ns, "app")
	eventually(t, 5*time.Second, func() error {
		cur := getES(t, es)
		cur.Spec.SecretStoreRef.Name = "store"
		cur.Spec.DataFrom = []esv1.ExternalSecretDataFromRemoteRef{{Extract: &esv1.ExternalSecretDataRemoteRef{Key: "cfg"}}}
		return k.Update(context.Background(), cur)
	})
	waitData(t, ns, "app", kv{"lease": "static"}, 5*time.Second)
	eventually(t, testGracePeriod+5*time.Second, func() error {
		if n := len(statesIn(t, ns)); n != 0 {
			return fmt.Errorf("%d states left", n)
		}
		return nil
	})
	if got := testLeases.revokedIn(ns); !slices.Equal(got, []int{first}) {
		t.Fatalf("revoked %v, want [%d]", got, first)
	}
}

// TestGeneratorState_abandonedCleanup: a revocation the store refuses, or any failure while the
// namespace is being deleted, releases the state with a Warning instead of holding it (and
// the namespace) forever.
func TestGeneratorState_abandonedCleanup(t *testing.T) {
	for _, tt := range []struct {
		name, why       string
		err             error
		deleteNamespace bool
	}{
		{"refused", "the store refused the revocation", fmt.Errorf("revoking: %w", providers.ErrUnauthorized), false},
		{"namespace deleted", "its namespace is being deleted", errors.New("reading the credentials: secret not found"), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns := env.Namespace(t)
			newLeaseGenerator(t, ns, "db")
			es := newES(t, ns, "app", "", withGenerator(genv1alpha1.VaultDynamicSecretKind, "db"))
			waitReady(t, es, ready, "SecretSynced", 10*time.Second)
			var list []genv1alpha1.GeneratorState
			eventually(t, 5*time.Second, func() error {
				if list = statesIn(t, ns); len(list) != 1 {
					return fmt.Errorf("%d states", len(list))
				}
				return nil
			})
			testLeases.failIn(ns, tt.err)
			if tt.deleteNamespace {
				// envtest runs no namespace controller: the namespace stays Terminating.
				must(t, k.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
			}
			must(t, k.Delete(context.Background(), &list[0]))
			eventually(t, 10*time.Second, func() error {
				if n := len(statesIn(t, ns)); n != 0 {
					return fmt.Errorf("%d states left", n)
				}
				return nil
			})
			if !tt.deleteNamespace { // no new object, an event included, may be created in a terminating namespace
				waitEvent(t, ns, list[0].Name, genv1alpha1.GeneratorStateReasonError, tt.why)
			}
			if got := testLeases.revokedIn(ns); len(got) != 0 {
				t.Fatalf("revoked %v", got)
			}
		})
	}
}
