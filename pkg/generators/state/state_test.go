package state

import (
	"context"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 500_000_000, time.UTC)

func books(t *testing.T, objs ...client.Object) *Books {
	t.Helper()
	c := fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(objs...).
		WithIndex(&genv1alpha1.GeneratorState{}, IndexOwner, OwnerUIDs).Build()
	return &Books{Client: c, GracePeriod: 2 * time.Minute, Now: func() time.Time { return now }}
}

func owner() *esv1.ExternalSecret {
	return &esv1.ExternalSecret{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "team-a", UID: "uid-app"}}
}

func raw(s string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(s)} }

func list(t *testing.T, b *Books) map[string]genv1alpha1.GeneratorState {
	t.Helper()
	var l genv1alpha1.GeneratorStateList
	if err := b.Client.List(context.Background(), &l); err != nil {
		t.Fatal(err)
	}
	out := map[string]genv1alpha1.GeneratorState{}
	for _, gs := range l.Items {
		out[string(gs.Spec.State.Raw)] = gs
	}
	return out
}

func TestBatch_commitSchedulesEverythingElseOfTheOwner(t *testing.T) {
	ctx := context.Background()
	b := books(t)
	es := owner()
	first, err := b.Begin(es)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Record(ctx, "0", raw(`{"kind":"VaultDynamicSecret"}`), raw(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := first.Record(ctx, "1", raw(`{"kind":"VaultDynamicSecret"}`), nil); err != nil { // stateless: nothing recorded
		t.Fatal(err)
	}
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := list(t, b)
	if len(got) != 1 || got[`{"n":1}`].Spec.GarbageCollectionDeadline != nil {
		t.Fatalf("after the first sync: %+v", got)
	}
	gs := got[`{"n":1}`]
	if gs.Labels[genv1alpha1.GeneratorStateOwnerKeyLabel] != OwnerKey("ExternalSecret", "team-a", "app", "0") ||
		gs.GenerateName != "gen-externalsecret-app-" || len(gs.Finalizers) != 1 || gs.OwnerReferences[0].UID != "uid-app" {
		t.Fatalf("state %+v", gs)
	}

	second, _ := b.Begin(es)
	if err := second.Record(ctx, "0", raw(`{"kind":"VaultDynamicSecret"}`), raw(`{"n":2}`)); err != nil {
		t.Fatal(err)
	}
	if err := second.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got = list(t, b)
	old, cur := got[`{"n":1}`], got[`{"n":2}`]
	// The deadline is stored with second precision and rounded up: the grace is never shorter.
	want := time.Date(2026, 11, 23, 10, 2, 1, 0, time.UTC)
	if old.Spec.GarbageCollectionDeadline == nil || !old.Spec.GarbageCollectionDeadline.Time.Equal(want) {
		t.Fatalf("superseded deadline %v, want %v", old.Spec.GarbageCollectionDeadline, want)
	}
	if cur.Spec.GarbageCollectionDeadline != nil {
		t.Fatal("the current state was scheduled")
	}
}

func TestBatch_rollbackSchedulesItsOwnStatesNow(t *testing.T) {
	ctx := context.Background()
	other := &genv1alpha1.GeneratorState{ObjectMeta: metav1.ObjectMeta{Name: "earlier", Namespace: "team-a",
		OwnerReferences: []metav1.OwnerReference{{UID: "uid-app", Kind: "ExternalSecret", Name: "app", APIVersion: "external-secrets.io/v1"}}},
		Spec: genv1alpha1.GeneratorStateSpec{Resource: raw(`{}`), State: raw(`{"n":0}`)}}
	b := books(t, other)
	bt, _ := b.Begin(owner())
	if err := bt.Record(ctx, "0", raw(`{}`), raw(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := bt.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	got := list(t, b)
	if d := got[`{"n":1}`].Spec.GarbageCollectionDeadline; d == nil || d.After(now) {
		t.Fatalf("rolled back state deadline %v, want now", d)
	}
	if got[`{"n":0}`].Spec.GarbageCollectionDeadline != nil {
		t.Fatal("a rollback touched a state it did not record")
	}
}

func TestBooks_nilKeepsNoBooks(t *testing.T) {
	var b *Books
	bt, err := b.Begin(owner())
	if err != nil || bt != nil {
		t.Fatalf("Begin = %v, %v", bt, err)
	}
	ctx := context.Background()
	if bt.Record(ctx, "0", raw(`{}`), raw(`{"n":1}`)) != nil || bt.Commit(ctx) != nil || bt.Rollback(ctx) != nil {
		t.Fatal("a nil batch must do nothing")
	}
}
