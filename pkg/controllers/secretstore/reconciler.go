// Package secretstore validates SecretStores and ClusterSecretStores through their provider
// and reports the result on the Ready condition, which the ExternalSecret controller's flood
// gate and store watch rely on. One reconciler serves both kinds.
package secretstore

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/metrics"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// +kubebuilder:rbac:groups=external-secrets.io,resources=secretstores;clustersecretstores,verbs=get;list;watch
// +kubebuilder:rbac:groups=external-secrets.io,resources=secretstores/status;clustersecretstores/status,verbs=get;update;patch

// Reconciler validates one kind of store; NewStore decides which.
type Reconciler struct {
	// Client reads stores from the cache and credentials from the API.
	Client client.Client
	// Registry maps the store's provider to its implementation.
	Registry *providers.Registry
	// NewStore returns an empty SecretStore or ClusterSecretStore.
	NewStore func() esv1.GenericStore
	// ControllerClass is --controller-class.
	ControllerClass string
	// RequeueInterval is --store-requeue-interval, used when a store sets no refreshInterval.
	RequeueInterval time.Duration
	// Events records events on stores.
	Events events.EventRecorder
	// Metrics records the outcome of every reconcile; nil records nothing.
	Metrics *metrics.Recorder
}

// Reconcile validates the store, patches its status once and records its metrics.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	start := time.Now()
	st := r.NewStore()
	if err := r.Client.Get(ctx, req.NamespacedName, st); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.Reconciled(metricsKind(st), metrics.Object{Key: req.NamespacedName, Gone: true})
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	res, err := r.reconcile(ctx, req, st)
	o := metrics.Object{Key: req.NamespacedName, Duration: time.Since(start), Failed: err != nil}
	o.Labels, o.Conditions = st.GetLabels(), st.GetStatus().Conditions
	r.Metrics.Reconciled(metricsKind(st), o)
	return res, err
}

func metricsKind(st esv1.GenericStore) string {
	if st.GetKind() == esv1.ClusterSecretStoreKind {
		return metrics.ClusterSecretStore
	}
	return metrics.SecretStore
}

// reconcile validates st, which was just read.
func (r *Reconciler) reconcile(ctx context.Context, req ctrl.Request, st esv1.GenericStore) (ctrl.Result, error) {
	if c := st.GetSpec().Controller; c != "" && c != r.ControllerClass {
		return ctrl.Result{}, nil
	}
	every, err := requeueInterval(st.GetSpec(), r.RequeueInterval)
	if err != nil {
		return ctrl.Result{}, nil //nolint:nilerr // a bad interval is reported by admission; there is nothing to retry
	}
	before := st.GetStatus().DeepCopy()
	cond, entry, verr := r.validate(ctx, st, req.Namespace)
	r.setStatus(st, cond, entry)
	if err := r.patchStatus(ctx, st, before); err != nil {
		return ctrl.Result{}, errors.Join(verr, err)
	}
	if verr != nil && cond.Status == metav1.ConditionFalse {
		return ctrl.Result{}, verr // backoff until the credentials work
	}
	return ctrl.Result{RequeueAfter: every}, nil
}

// validate builds a client and asks it to check its credentials. The condition follows §5.2:
// a client that cannot be built or a failed validation is InvalidProviderConfig; an
// undecidable one (e.g. a ClusterSecretStore with referent credentials) is still Ready.
func (r *Reconciler) validate(ctx context.Context, st esv1.GenericStore, namespace string) (metav1.Condition, *providers.Entry, error) {
	cond := metav1.Condition{Type: esv1.SecretStoreReady, ObservedGeneration: st.GetGeneration()}
	entry, err := r.Registry.ForStore(st)
	if err != nil {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, esv1.ReasonInvalidProviderConfig, "unable to create client"
		return cond, nil, err
	}
	c, err := entry.Provider.NewClient(ctx, st, r.Client, namespace)
	if err != nil {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, esv1.ReasonInvalidProviderConfig, "unable to create client"
		return cond, &entry, err
	}
	defer func() {
		if err := c.Close(ctx); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "closing the validation client")
		}
	}()
	res, err := c.Validate(ctx)
	switch {
	case res == esv1.ValidationResultError || (err != nil && res != esv1.ValidationResultUnknown):
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, esv1.ReasonInvalidProviderConfig, "unable to validate store"
		if err == nil {
			err = errors.New("the provider reported the store as invalid")
		}
		return cond, &entry, err
	case res == esv1.ValidationResultUnknown && err != nil:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, esv1.ReasonValidationUnknown, "could not determine validation status"
		return cond, &entry, err
	default:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, esv1.ReasonStoreValid, "store validated"
		return cond, &entry, nil
	}
}

// setStatus records the condition and capabilities and emits an event when the condition
// changed (§17.13: not on every reconcile). Maintenance warnings are emitted with it.
func (r *Reconciler) setStatus(st esv1.GenericStore, cond metav1.Condition, entry *providers.Entry) {
	status := st.GetStatus()
	old := meta.FindStatusCondition(status.Conditions, cond.Type)
	changed := old == nil || old.Status != cond.Status || old.Reason != cond.Reason || old.Message != cond.Message
	meta.SetStatusCondition(&status.Conditions, cond)
	if entry != nil && cond.Status == metav1.ConditionTrue {
		status.Capabilities = entry.Provider.Capabilities()
	}
	if !changed {
		return
	}
	kind := corev1.EventTypeNormal
	if cond.Status == metav1.ConditionFalse || cond.Reason == esv1.ReasonValidationUnknown {
		kind = corev1.EventTypeWarning
	}
	r.Events.Eventf(st, nil, kind, cond.Reason, "Validate", cond.Message)
	if entry == nil || st.GetAnnotations()[esv1.AnnotationIgnoreMaintenanceChecks] == "true" {
		return
	}
	switch entry.Maintenance {
	case providers.NotMaintained:
		r.Events.Eventf(st, nil, corev1.EventTypeWarning, esv1.ReasonStoreUnmaintained, "Validate", "%s", entry.MaintenanceWarning())
	case providers.Deprecated:
		r.Events.Eventf(st, nil, corev1.EventTypeWarning, esv1.ReasonStoreDeprecated, "Validate", "%s", entry.MaintenanceWarning())
	case providers.Maintained:
	}
}

func (r *Reconciler) patchStatus(ctx context.Context, st esv1.GenericStore, before *esv1.SecretStoreStatus) error {
	if equality.Semantic.DeepEqual(before, st.GetStatus()) {
		return nil
	}
	base := st.Copy()
	base.SetStatus(*before)
	return client.IgnoreNotFound(r.Client.Status().Patch(ctx, st, client.MergeFrom(base)))
}

// requeueInterval is the store's refreshInterval, or the controller default when unset.
func requeueInterval(spec *esv1.SecretStoreSpec, fallback time.Duration) (time.Duration, error) {
	d, err := spec.RefreshDuration()
	if err != nil || d > 0 {
		return d, err
	}
	return fallback, nil
}

// SetupWithManager registers the controller for the kind NewStore returns.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, concurrent int) error {
	obj := r.NewStore()
	return ctrl.NewControllerManagedBy(mgr).
		Named(obj.GetKind()).
		For(obj, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrent, RateLimiter: result.RateLimiterUpTo(result.StoreRetryMax)}).
		Complete(r)
}
