// Package state keeps the books of stateful generators: every value a generator hands out
// together with something it created outside the cluster (a Vault lease, a token) is
// recorded in a GeneratorState before anything uses it, so that it is cleaned up once it is
// superseded, when the owning object goes away, or when the sync that asked for it fails.
//
// The order is what makes this safe. A state is written before the generated value reaches
// a Secret, so a crash can leave an unused state behind (collected at the owner's next
// successful sync) but never a credential nobody knows about. Superseded states are not
// cleaned up at once: they get a garbage-collection deadline (--generator-gc-grace-period)
// so that workloads have time to pick up the new value.
package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/objecthash"
)

// IndexOwner is the field index of GeneratorStates by the UID of their owners, so that the
// states of one object are found in the cache without listing a namespace.
const IndexOwner = "generatorstate.owner"

// OwnerUIDs is the IndexOwner index function.
func OwnerUIDs(o client.Object) []string {
	refs := o.GetOwnerReferences()
	out := make([]string, 0, len(refs))
	for _, ref := range refs {
		out = append(out, string(ref.UID))
	}
	return out
}

// Books records the GeneratorStates of the objects that run generators. A nil *Books keeps
// no books (--enable-generator-state=false): generated state is then dropped, as upstream
// does when the feature is off.
type Books struct {
	// Client writes GeneratorStates. Its reads must be served by a cache indexed with
	// IndexOwner: Commit runs after every successful sync and must not cost an API call.
	Client client.Client
	// GracePeriod is how long a superseded state, and what it describes, is kept.
	GracePeriod time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Batch is what one sync of one owner recorded. Commit it when the sync succeeded, roll it
// back when it failed.
type Batch struct {
	books   *Books
	owner   client.Object
	gvk     schema.GroupVersionKind
	created []*genv1alpha1.GeneratorState
}

// Begin starts the batch of one sync of owner. owner must carry its kind (TypeMeta) or be
// known to the client's scheme.
func (b *Books) Begin(owner client.Object) (*Batch, error) {
	if b == nil {
		return nil, nil //nolint:nilnil // a nil batch is the valid "keep no books" batch
	}
	gvk, err := apiutil.GVKForObject(owner, b.Client.Scheme())
	if err != nil {
		return nil, fmt.Errorf("generator state owner: %w", err)
	}
	return &Batch{books: b, owner: owner, gvk: gvk}, nil
}

// Record persists the state a generator returned for the entry key ("0", "1", ... the index
// of the dataFrom entry) before the generated value is used. resource is the generator
// manifest Cleanup will need. On a nil batch or a nil state it does nothing.
func (bt *Batch) Record(ctx context.Context, key string, resource, st *apiextensionsv1.JSON) error {
	if bt == nil || st == nil {
		return nil
	}
	gvk, ns, name := bt.gvk, bt.owner.GetNamespace(), bt.owner.GetName()
	gs := &genv1alpha1.GeneratorState{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: fmt.Sprintf("gen-%s-%s-", strings.ToLower(gvk.Kind), name),
			Namespace:    ns,
			Labels:       map[string]string{genv1alpha1.GeneratorStateOwnerKeyLabel: OwnerKey(gvk.Kind, ns, name, key)},
			// The finalizer is there from the start: if the owner is deleted before the
			// state controller sees the object, cleanup still runs.
			Finalizers: []string{genv1alpha1.GeneratorStateFinalizer},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind,
				Name: name, UID: bt.owner.GetUID(),
			}},
		},
		Spec: genv1alpha1.GeneratorStateSpec{Resource: resource, State: st},
	}
	if err := bt.books.Client.Create(ctx, gs); err != nil {
		return fmt.Errorf("recording the generator state of entry %s: %w", key, err)
	}
	bt.created = append(bt.created, gs)
	return nil
}

// Commit marks every earlier state of the owner for garbage collection: after a successful
// sync, the states recorded by this batch are the only ones in use. (This also collects the
// states of a dataFrom entry that now extracts or finds instead of generating, or that was
// removed.)
func (bt *Batch) Commit(ctx context.Context) error {
	if bt == nil {
		return nil
	}
	var list genv1alpha1.GeneratorStateList
	if err := bt.books.Client.List(ctx, &list, client.InNamespace(bt.owner.GetNamespace()),
		client.MatchingFields{IndexOwner: string(bt.owner.GetUID())}); err != nil {
		return fmt.Errorf("listing generator states: %w", err)
	}
	current := map[string]bool{}
	for _, gs := range bt.created {
		current[gs.Name] = true
	}
	// A deadline is stored with second precision: round up, so the grace is never shortened.
	deadline := metav1.NewTime(ceilSecond(bt.books.now().Add(bt.books.GracePeriod)))
	var errs []error
	for i := range list.Items {
		gs := &list.Items[i]
		if current[gs.Name] || gs.Spec.GarbageCollectionDeadline != nil || !gs.DeletionTimestamp.IsZero() {
			continue
		}
		errs = append(errs, bt.books.schedule(ctx, gs, deadline))
	}
	return errors.Join(errs...)
}

// Rollback marks the states this batch recorded for immediate garbage collection: the sync
// failed, so nothing uses what they describe. The state controller cleans them up (and keeps
// retrying if the generator's cleanup fails).
func (bt *Batch) Rollback(ctx context.Context) error {
	if bt == nil {
		return nil
	}
	now := metav1.NewTime(bt.books.now())
	var errs []error
	for _, gs := range bt.created {
		errs = append(errs, bt.books.schedule(ctx, gs, now))
	}
	bt.created = nil
	return errors.Join(errs...)
}

// schedule sets the garbage-collection deadline of gs with a merge patch.
func (b *Books) schedule(ctx context.Context, gs *genv1alpha1.GeneratorState, at metav1.Time) error {
	base := gs.DeepCopy()
	gs.Spec.GarbageCollectionDeadline = &at
	if err := b.Client.Patch(ctx, gs, client.MergeFrom(base)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("scheduling generator state %s for garbage collection: %w", gs.Name, err)
	}
	return nil
}

func ceilSecond(t time.Time) time.Time {
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second)
	}
	return t
}

func (b *Books) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// OwnerKey is the value of the owner-key label: the hash upstream uses, so that states
// created by either controller are found by the same query.
func OwnerKey(ownerKind, namespace, name, key string) string {
	return objecthash.Sum(fmt.Sprintf("%s-%s-%s-%s", ownerKind, namespace, name, key))
}
