// Package externalsecret reconciles ExternalSecrets into Kubernetes Secrets: it fetches the
// data from the stores, runs it through the key pipeline and the template, writes the target
// Secret under the creation and deletion policies, and reports the outcome on the Ready
// condition.
package externalsecret

import (
	"context"
	"errors"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/state"
	"github.com/seedb5e69c69/external-secrets/pkg/metrics"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/pkg/store"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
)

// +kubebuilder:rbac:groups=external-secrets.io,resources=externalsecrets,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=external-secrets.io,resources=externalsecrets/status;externalsecrets/finalizers,verbs=get;update;patch
// +kubebuilder:rbac:groups=external-secrets.io,resources=secretstores;clustersecretstores,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=configmaps;namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=serviceaccounts/token,verbs=create
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get
// +kubebuilder:rbac:groups=generators.external-secrets.io,resources=generatorstates,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=generators.external-secrets.io,resources=passwords;uuids;fakes;ecrauthorizationtokens;gcraccesstokens;vaultdynamicsecrets;webhooks;clustergenerators,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Reconciler syncs ExternalSecrets whose target is a Secret.
type Reconciler struct {
	// Client reads ExternalSecrets and stores from the cache and writes everything. It must
	// read Secrets from the API (the manager disables the Secret cache for it), because
	// providers read credentials through it.
	Client client.Client
	// Secrets reads target Secrets. Normally the cache of managed Secrets (only Secrets with
	// the managed label are in it); a target missing there is read from APIReader.
	Secrets client.Reader
	// APIReader reads from the API server, bypassing every cache.
	APIReader client.Reader
	// Stores resolves stores and hands out provider clients.
	Stores *store.Resolver
	// Generators runs the generators dataFrom entries reference; nil supports none.
	Generators *generators.Registry
	// States keeps the books of stateful generators; nil (--enable-generator-state=false)
	// drops their state.
	States *state.Books
	// Templates renders target templates and rewrite transforms.
	Templates *template.Engine
	// Events records events on ExternalSecrets.
	Events events.EventRecorder
	// RequeueInterval is the refresh interval of objects that do not set one (--requeue-interval).
	RequeueInterval time.Duration
	// ClusterStores is --enable-cluster-store-reconciler: when false, ExternalSecrets whose
	// secretStoreRef is a ClusterSecretStore are skipped and ClusterSecretStores are not watched.
	ClusterStores bool
	// ClusterGenerators says whether ClusterGenerators may be used and are watched; false in a
	// namespace-scoped installation, whose RBAC cannot list cluster-scoped kinds.
	ClusterGenerators bool
	// Metrics records the outcome of every reconcile; nil records nothing.
	Metrics *metrics.Recorder
	// Now is the clock; tests may replace it.
	Now func() time.Time

	failures failureMemory
	// forceSync holds the objects whose store spec or templateFrom ConfigMap changed since
	// their last sync; they refresh at their next reconcile even if not due.
	forceSync sync.Map
}

// Reconcile brings one ExternalSecret's target in line with its stores and records the
// outcome's metrics from the final status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	start := time.Now()
	es, res, failed, err := r.reconcile(ctx, req)
	o := metrics.Object{Key: req.NamespacedName, Gone: es == nil, Failed: failed || err != nil, Duration: time.Since(start)}
	if es != nil {
		o.Labels, o.Conditions = es.Labels, es.Status.Conditions
	}
	r.Metrics.Reconciled(metrics.ExternalSecret, o)
	return res, err
}

// reconcile has the shape every reconcile here has: get → deletion → finalizer → skip checks
// → observe the target → (if needed) sync → status once. It returns the object as it ended
// (nil when it is gone) and whether the sync failed.
func (r *Reconciler) reconcile(ctx context.Context, req ctrl.Request) (*esv1.ExternalSecret, ctrl.Result, bool, error) {
	es := &esv1.ExternalSecret{}
	if err := r.Client.Get(ctx, req.NamespacedName, es); err != nil {
		if apierrors.IsNotFound(err) {
			r.failures.forget(req.String())
			return nil, ctrl.Result{}, false, nil
		}
		return es, ctrl.Result{}, true, err
	}
	if !es.DeletionTimestamp.IsZero() {
		return nil, ctrl.Result{}, false, r.finalize(ctx, es)
	}
	if err := r.ensureFinalizer(ctx, es); err != nil {
		return es, ctrl.Result{}, true, err
	}
	if skip, err := r.skip(ctx, es); skip || err != nil {
		return es, ctrl.Result{}, err != nil, err
	}

	s := newScope(es, r.now())
	if err := r.observeTarget(ctx, s); err != nil {
		return es, ctrl.Result{}, true, err
	}
	_, dependencyChanged := r.forceSync.LoadAndDelete(req.NamespacedName)
	if !mustSync(es, s.start, r.RequeueInterval, dependencyChanged, s.target) {
		return es, ctrl.Result{RequeueAfter: requeueAfter(es, s.start, r.RequeueInterval)}, false, nil
	}

	before := es.Status.DeepCopy()
	err := r.sync(ctx, s)
	if isWriteRace(err) {
		// The cache was behind our own write; look again shortly without touching status.
		return es, ctrl.Result{RequeueAfter: raceRetry}, false, nil
	}
	r.setStatus(ctx, s, err)
	if perr := r.patchStatus(ctx, es, before); perr != nil {
		return es, ctrl.Result{}, true, errors.Join(err, perr)
	}
	res, rerr := result.Map(err, ctrl.Result{RequeueAfter: requeueAfter(es, s.start, r.RequeueInterval)}, r.recheck(es))
	return es, res, err != nil, rerr
}

// sync runs the steps that fetch the data and write the target, then settles the generator
// states they recorded. Each step records what it observed or did in s; the first error stops
// the chain.
func (r *Reconciler) sync(ctx context.Context, s *scope) error {
	states, err := r.States.Begin(s.es)
	if err != nil {
		return err
	}
	s.states = states
	err = r.syncSteps(ctx, s)
	r.settleStates(ctx, s, err)
	return err
}

func (r *Reconciler) syncSteps(ctx context.Context, s *scope) error {
	if err := r.fetch(ctx, s); err != nil {
		return err
	}
	if done, err := r.applyEmptyPolicy(ctx, s); done || err != nil {
		return err
	}
	return r.writeTarget(ctx, s)
}

// settleStates commits the generator states of a successful sync (earlier states are
// scheduled for collection) or rolls back those of a failed one (nothing uses them). A
// failure here does not fail the sync, whose outcome is already decided: the states stay
// where they are, and the next successful sync collects them.
func (r *Reconciler) settleStates(ctx context.Context, s *scope, syncErr error) {
	var err error
	if syncErr == nil {
		err = s.states.Commit(ctx)
	} else {
		err = s.states.Rollback(ctx)
	}
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "settling generator states")
		r.Events.Eventf(s.es, nil, corev1.EventTypeWarning, esv1.ConditionReasonSecretSyncedError, "Sync", "%s", err.Error())
	}
}

// recheck is how long an object stuck on a terminal error waits before it is evaluated again
// even if nothing changes (§17.3): its refresh interval, or the controller default.
func (r *Reconciler) recheck(es *esv1.ExternalSecret) time.Duration {
	if d := interval(es, r.RequeueInterval); d > 0 {
		return d
	}
	return r.RequeueInterval
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// skip reports whether another controller instance is responsible: the object uses a
// ClusterSecretStore while those are disabled, or a store of another controller class.
// Skipped objects get no status, exactly as if this instance did not exist.
func (r *Reconciler) skip(ctx context.Context, es *esv1.ExternalSecret) (bool, error) {
	if !r.ClusterStores && store.Kind(es.Spec.SecretStoreRef) == esv1.ClusterSecretStoreKind && es.Spec.SecretStoreRef.Name != "" {
		return true, nil
	}
	for _, ref := range storeRefs(es) {
		st, err := r.Stores.Get(ctx, ref, es.Namespace)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				continue // reported by the fetch step, which needs the store
			}
			var re *result.Error
			if errors.As(err, &re) {
				continue // an unknown kind is a user error reported by the fetch step
			}
			return false, err
		}
		if !r.Stores.Manages(st) {
			return true, nil
		}
	}
	return r.skipForGenerators(ctx, es), nil
}

// ensureFinalizer adds the cleanup finalizer with a merge patch (never an update, which
// would claim spec fields for our field manager under server-side apply).
//
// Only deletionPolicy Delete needs it: that is the one case where deleting the ExternalSecret
// must delete something (an owned target is also removed by the garbage collector through its
// owner reference). Upstream puts it on every object, which costs one write per object and
// blocks namespace deletion when the controller is down; a finalizer already present (e.g.
// from upstream) is honoured and released at deletion.
func (r *Reconciler) ensureFinalizer(ctx context.Context, es *esv1.ExternalSecret) error {
	if es.Spec.Target.DeletionPolicy != esv1.DeletionPolicyDelete || controllerutil.ContainsFinalizer(es, esv1.ExternalSecretFinalizer) {
		return nil
	}
	base := es.DeepCopy()
	controllerutil.AddFinalizer(es, esv1.ExternalSecretFinalizer)
	return r.Client.Patch(ctx, es, client.MergeFrom(base))
}

// finalize runs when the ExternalSecret is being deleted: with deletionPolicy Delete it
// deletes the target if this ExternalSecret controls it, then releases the finalizer.
func (r *Reconciler) finalize(ctx context.Context, es *esv1.ExternalSecret) error {
	r.failures.forget(client.ObjectKeyFromObject(es).String())
	if !controllerutil.ContainsFinalizer(es, esv1.ExternalSecretFinalizer) {
		return nil
	}
	if es.Spec.Target.DeletionPolicy == esv1.DeletionPolicyDelete {
		if err := r.deleteControlledTarget(ctx, es); err != nil {
			return err
		}
	}
	base := es.DeepCopy()
	controllerutil.RemoveFinalizer(es, esv1.ExternalSecretFinalizer)
	return client.IgnoreNotFound(r.Client.Patch(ctx, es, client.MergeFrom(base)))
}

// deleteControlledTarget deletes the target Secret only if this ExternalSecret is its
// controller; a Secret someone else owns is never deleted.
func (r *Reconciler) deleteControlledTarget(ctx context.Context, es *esv1.ExternalSecret) error {
	var secret corev1.Secret
	key := client.ObjectKey{Namespace: es.Namespace, Name: targetName(es)}
	if err := r.APIReader.Get(ctx, key, &secret); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !isControlledBy(&secret, es) {
		return nil
	}
	return client.IgnoreNotFound(r.Client.Delete(ctx, &secret, client.Preconditions{UID: &secret.UID}))
}
