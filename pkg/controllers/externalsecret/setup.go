package externalsecret

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/state"
	"github.com/seedb5e69c69/external-secrets/pkg/objecthash"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/pkg/store"
)

// Field indexes on ExternalSecrets, so that an event on a Secret or a store finds the
// ExternalSecrets it concerns without listing them all.
const (
	// IndexTarget holds the target Secret name.
	IndexTarget = "externalsecret.target"
	// IndexStores holds "<Kind>/<name>" of every store the object reads from.
	IndexStores = "externalsecret.stores"
	// IndexTemplateConfigMaps holds the names of the ConfigMaps its templateFrom reads.
	IndexTemplateConfigMaps = "externalsecret.templateconfigmaps"
	// IndexGenerators holds "<Kind>/<name>" of the generators its dataFrom runs.
	IndexGenerators = "externalsecret.generators"
)

// SetupWithManager registers the indexes, the watches and the controller.
//
// Watches: ExternalSecrets (spec, labels, annotations, deletion; never status), managed
// Secrets through the label-selected cache (deleted, or data edited behind our back), and
// both store kinds (spec changed or Ready changed, §17.2).
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, concurrent int) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &esv1.ExternalSecret{}, IndexTarget, func(o client.Object) []string {
		return []string{targetName(o.(*esv1.ExternalSecret))}
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &esv1.ExternalSecret{}, IndexStores, func(o client.Object) []string {
		var keys []string
		for _, ref := range storeRefs(o.(*esv1.ExternalSecret)) {
			keys = append(keys, store.Kind(ref)+"/"+ref.Name)
		}
		return keys
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &esv1.ExternalSecret{}, IndexTemplateConfigMaps, func(o client.Object) []string {
		return templateConfigMaps(o.(*esv1.ExternalSecret))
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &esv1.ExternalSecret{}, IndexGenerators, func(o client.Object) []string {
		return generatorRefs(o.(*esv1.ExternalSecret))
	}); err != nil {
		return err
	}
	if r.States != nil {
		// Commit finds an owner's states in this index, so settling costs no API read.
		if err := idx.IndexField(ctx, &genv1alpha1.GeneratorState{}, state.IndexOwner, state.OwnerUIDs); err != nil {
			return err
		}
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named("externalsecret").
		For(&esv1.ExternalSecret{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{},
			predicate.AnnotationChangedPredicate{}, deletionChanged()))).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.forSecret), builder.WithPredicates(targetDrifted())).
		Watches(&esv1.SecretStore{}, r.storeHandler(), builder.WithPredicates(storeChanged())).
		WatchesMetadata(&corev1.ConfigMap{}, r.refreshHandler(r.forConfigMap), builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrent, RateLimiter: result.RateLimiter()})
	if r.ClusterStores {
		b = b.Watches(&esv1.ClusterSecretStore{}, r.storeHandler(), builder.WithPredicates(storeChanged()))
	}
	for _, kind := range r.generatorKinds() {
		// Editing a generator re-runs the ExternalSecrets that use it; only metadata is cached.
		meta := &metav1.PartialObjectMetadata{}
		meta.SetGroupVersionKind(genv1alpha1.GroupVersion.WithKind(kind))
		b = b.WatchesMetadata(meta, r.refreshHandler(r.forGenerator(kind)), builder.WithPredicates(predicate.GenerationChangedPredicate{}))
	}
	return b.Complete(r)
}

// forGenerator maps a generator of kind to the ExternalSecrets that use it: in its namespace,
// or anywhere for a ClusterGenerator.
func (r *Reconciler) forGenerator(kind string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		var opts []client.ListOption
		if o.GetNamespace() != "" {
			opts = append(opts, client.InNamespace(o.GetNamespace()))
		}
		return r.requestsFor(ctx, IndexGenerators, kind+"/"+o.GetName(), opts...)
	}
}

// deletionChanged lets through updates that start a deletion. (Finalizer changes are our own
// and need no reconcile.)
func deletionChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return !equality.Semantic.DeepEqual(e.ObjectOld.GetDeletionTimestamp(), e.ObjectNew.GetDeletionTimestamp())
	}}
}

// targetDrifted passes Secret events that mean the target no longer holds what we wrote:
// deletion, a data edit (the data hash no longer matches), or removal of the managed label.
// Our own writes keep the hash consistent and are filtered out, so a sync does not trigger a
// second reconcile.
func targetDrifted() predicate.Predicate {
	drifted := func(o client.Object) bool {
		s, ok := o.(*corev1.Secret)
		if !ok {
			return false
		}
		return s.Labels[esv1.LabelManaged] != esv1.LabelManagedValue ||
			s.Annotations[esv1.AnnotationDataHash] != objecthash.Data(s.Data)
	}
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		UpdateFunc:  func(e event.UpdateEvent) bool { return drifted(e.ObjectNew) },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// storeChanged passes store events that can change what an ExternalSecret gets: creation
// (a store that was missing), a spec change, or a change of the Ready condition.
func storeChanged() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return true },
		DeleteFunc: func(event.DeleteEvent) bool { return true },
		UpdateFunc: func(e event.UpdateEvent) bool {
			if e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() {
				return true
			}
			oldS, ok1 := e.ObjectOld.(esv1.GenericStore)
			newS, ok2 := e.ObjectNew.(esv1.GenericStore)
			if !ok1 || !ok2 {
				return false
			}
			a := meta.FindStatusCondition(oldS.GetStatus().Conditions, esv1.SecretStoreReady)
			b := meta.FindStatusCondition(newS.GetStatus().Conditions, esv1.SecretStoreReady)
			return (a == nil) != (b == nil) || (a != nil && a.Status != b.Status)
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// storeHandler enqueues the ExternalSecrets of a store that appeared, went away, turned
// Ready or not, or changed its spec. A spec change (new credentials, another path, other
// values) also makes them refresh even if they are not due: what they hold may be stale.
func (r *Reconciler) storeHandler() handler.EventHandler {
	return r.dependencyHandler(r.forStore, func(e event.UpdateEvent) bool {
		return e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration()
	}, false)
}

// refreshHandler enqueues the ExternalSecrets that mapFn finds. An update or deletion of the
// source (a templateFrom ConfigMap, a generator) makes them refresh even if they are not due.
func (r *Reconciler) refreshHandler(mapFn handler.MapFunc) handler.EventHandler {
	return r.dependencyHandler(mapFn, func(event.UpdateEvent) bool { return true }, true)
}

// dependencyHandler enqueues the ExternalSecrets mapFn finds for an event on something they
// depend on, and marks them to refresh (see mustSync) when refreshOnUpdate or
// refreshOnDelete say so. A creation never refreshes: informers report every existing object
// as created when the controller starts, and a restart must not refresh everything; an
// object that was waiting for the dependency to appear has a failed sync and refreshes anyway.
func (r *Reconciler) dependencyHandler(mapFn handler.MapFunc, refreshOnUpdate func(event.UpdateEvent) bool, refreshOnDelete bool) handler.EventHandler {
	enqueue := func(ctx context.Context, o client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request], refresh bool) {
		for _, req := range mapFn(ctx, o) {
			if refresh {
				r.forceSync.Store(req.NamespacedName, struct{}{})
			}
			q.Add(req)
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, e.Object, q, false)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, e.ObjectNew, q, refreshOnUpdate(e))
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, e.Object, q, refreshOnDelete)
		},
	}
}

// forConfigMap maps a ConfigMap to the ExternalSecrets whose templateFrom reads it. Only
// ConfigMap metadata is watched, so the informer costs little memory.
func (r *Reconciler) forConfigMap(ctx context.Context, o client.Object) []reconcile.Request {
	return r.requestsFor(ctx, IndexTemplateConfigMaps, o.GetName(), client.InNamespace(o.GetNamespace()))
}

// templateConfigMaps lists the ConfigMaps an ExternalSecret's templateFrom reads.
func templateConfigMaps(es *esv1.ExternalSecret) []string {
	t := es.Spec.Target.Template
	if t == nil {
		return nil
	}
	var names []string
	for _, tf := range t.TemplateFrom {
		if tf.ConfigMap != nil {
			names = append(names, tf.ConfigMap.Name)
		}
	}
	return names
}

// forSecret maps a target Secret to the ExternalSecrets writing it.
func (r *Reconciler) forSecret(ctx context.Context, o client.Object) []reconcile.Request {
	return r.requestsFor(ctx, IndexTarget, o.GetName(), client.InNamespace(o.GetNamespace()))
}

// forStore maps a store to the ExternalSecrets reading from it: same namespace for a
// SecretStore, every namespace for a ClusterSecretStore.
func (r *Reconciler) forStore(ctx context.Context, o client.Object) []reconcile.Request {
	st, ok := o.(esv1.GenericStore)
	if !ok {
		return nil
	}
	var opts []client.ListOption
	if st.GetKind() == esv1.SecretStoreKind {
		opts = append(opts, client.InNamespace(o.GetNamespace()))
	}
	return r.requestsFor(ctx, IndexStores, st.GetKind()+"/"+o.GetName(), opts...)
}

func (r *Reconciler) requestsFor(ctx context.Context, index, value string, opts ...client.ListOption) []reconcile.Request {
	var list esv1.ExternalSecretList
	if err := r.Client.List(ctx, &list, append(opts, client.MatchingFields{index: value})...); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing ExternalSecrets for a watch event", "index", index)
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}
