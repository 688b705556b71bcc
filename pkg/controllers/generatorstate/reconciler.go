// Package generatorstate garbage-collects GeneratorStates: once a state's deadline has
// passed it is deleted, and its finalizer is released only after the generator's Cleanup
// has released what the state describes (a Vault lease, a token). States are written by the
// ExternalSecret controller (pkg/generators/state); this controller never creates them.
package generatorstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// +kubebuilder:rbac:groups=generators.external-secrets.io,resources=generatorstates,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=generators.external-secrets.io,resources=generatorstates/status;generatorstates/finalizers,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get

// Reconciler collects GeneratorStates.
type Reconciler struct {
	// Client reads GeneratorStates from the cache and writes them; generators read their
	// credentials through it.
	Client client.Client
	// APIReader reads the namespace of a state whose cleanup failed, bypassing the cache
	// (rarely needed, so no namespace informer for it).
	APIReader client.Reader
	// Generators runs the cleanup of each kind.
	Generators *generators.Registry
	// Events records cleanup failures on the states.
	Events events.EventRecorder
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Condition messages of the Ready condition (§9.3).
const (
	messageCreated  = "GeneratorState created"
	messageDeadline = "Reached gc deadline"
)

// Reconcile runs the generator's cleanup of a state being deleted, deletes a state whose
// deadline has passed, and otherwise comes back at its deadline.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	gs := &genv1alpha1.GeneratorState{}
	if err := r.Client.Get(ctx, req.NamespacedName, gs); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := gs.Status.DeepCopy()
	res, err := r.reconcile(ctx, gs)
	if perr := r.patchStatus(ctx, gs, before); perr != nil {
		return ctrl.Result{}, errors.Join(err, perr)
	}
	return result.Map(err, res, 0)
}

// reconcile is deletion → finalizer → deadline.
func (r *Reconciler) reconcile(ctx context.Context, gs *genv1alpha1.GeneratorState) (ctrl.Result, error) {
	if !gs.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, gs)
	}
	if err := r.ensureFinalizer(ctx, gs); err != nil {
		return ctrl.Result{}, err
	}
	deadline := gs.Spec.GarbageCollectionDeadline
	if deadline == nil {
		setReady(gs, metav1.ConditionTrue, genv1alpha1.GeneratorStateReasonCreated, messageCreated)
		return ctrl.Result{}, nil
	}
	if wait := deadline.Sub(r.now()); wait > 0 {
		setReady(gs, metav1.ConditionTrue, genv1alpha1.GeneratorStateReasonCreated, messageCreated)
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	setReady(gs, metav1.ConditionTrue, genv1alpha1.GeneratorStateReasonCreated, messageDeadline)
	// Deleting sets the deletion timestamp; the update event brings us back to finalize.
	return ctrl.Result{}, client.IgnoreNotFound(r.Client.Delete(ctx, gs))
}

// finalize runs the generator's Cleanup and releases the finalizer once it succeeded. A
// state whose kind this controller cannot run keeps its finalizer: releasing it would
// forget a credential nobody revoked. The condition says how to let go by hand.
func (r *Reconciler) finalize(ctx context.Context, gs *genv1alpha1.GeneratorState) error {
	if !controllerutil.ContainsFinalizer(gs, genv1alpha1.GeneratorStateFinalizer) {
		return nil
	}
	if err := r.cleanup(ctx, gs); err != nil {
		if why := r.abandon(ctx, gs, err); why != "" {
			r.Events.Eventf(gs, nil, corev1.EventTypeWarning, genv1alpha1.GeneratorStateReasonError, "Cleanup",
				"%s; %s: releasing the state, what it describes stays valid until it expires", err.Error(), why)
		} else {
			setReady(gs, metav1.ConditionFalse, genv1alpha1.GeneratorStateReasonError, err.Error())
			r.Events.Eventf(gs, nil, corev1.EventTypeWarning, genv1alpha1.GeneratorStateReasonError, "Cleanup", "%s", err.Error())
			return err
		}
	}
	base := gs.DeepCopy()
	controllerutil.RemoveFinalizer(gs, genv1alpha1.GeneratorStateFinalizer)
	return client.IgnoreNotFound(r.Client.Patch(ctx, gs, client.MergeFrom(base)))
}

// abandon decides whether a failed cleanup is given up, and says why; "" keeps retrying.
// Two failures cannot be fixed by retrying: the store refusing the revocation (a policy
// without the capability, as upstream never needed it), and a namespace being deleted, whose
// credential Secrets may already be gone, and which must not hang on our finalizer. What the
// state describes then lives until its TTL, which is what upstream always does. A kind this
// controller cannot run is never abandoned: nobody would know what to revoke.
func (r *Reconciler) abandon(ctx context.Context, gs *genv1alpha1.GeneratorState, err error) string {
	var re *result.Error
	if errors.As(err, &re) && re.Kind == result.Terminal {
		return ""
	}
	if errors.Is(err, providers.ErrUnauthorized) {
		return "the store refused the revocation"
	}
	var ns corev1.Namespace
	if r.APIReader != nil && r.APIReader.Get(ctx, client.ObjectKey{Name: gs.Namespace}, &ns) == nil && !ns.DeletionTimestamp.IsZero() {
		return "its namespace is being deleted"
	}
	return ""
}

// cleanup calls Cleanup of the generator kind recorded in spec.resource.
func (r *Reconciler) cleanup(ctx context.Context, gs *genv1alpha1.GeneratorState) error {
	kind, err := resourceKind(gs.Spec.Resource)
	if err != nil {
		return result.NewTerminal(genv1alpha1.GeneratorStateReasonError, "cannot clean up", err)
	}
	gen, ok := r.Generators.For(kind)
	if !ok {
		return result.NewTerminal(genv1alpha1.GeneratorStateReasonError, "cannot clean up", fmt.Errorf(
			"generator kind %s is not supported by this controller, so its state cannot be cleaned up; "+
				"release what spec.state describes by hand, then remove the finalizer %s", kind, genv1alpha1.GeneratorStateFinalizer))
	}
	if err := gen.Cleanup(ctx, gs.Spec.Resource, gs.Spec.State, r.Client, gs.Namespace); err != nil {
		return fmt.Errorf("cleaning up the state of %s: %w", kind, err)
	}
	return nil
}

// resourceKind reads the kind of the generator manifest recorded in a state.
func resourceKind(resource *apiextensionsv1.JSON) (string, error) {
	if resource == nil || len(resource.Raw) == 0 {
		return "", errors.New("spec.resource is empty: the generator that produced this state is unknown")
	}
	var head metav1.TypeMeta
	if err := json.Unmarshal(resource.Raw, &head); err != nil {
		return "", fmt.Errorf("spec.resource is not a generator manifest: %w", err)
	}
	if head.Kind == "" {
		return "", errors.New("spec.resource has no kind: the generator that produced this state is unknown")
	}
	return head.Kind, nil
}

// ensureFinalizer adds the finalizer to states created by hand (the ExternalSecret controller
// creates them with it).
func (r *Reconciler) ensureFinalizer(ctx context.Context, gs *genv1alpha1.GeneratorState) error {
	if controllerutil.ContainsFinalizer(gs, genv1alpha1.GeneratorStateFinalizer) {
		return nil
	}
	base := gs.DeepCopy()
	controllerutil.AddFinalizer(gs, genv1alpha1.GeneratorStateFinalizer)
	return r.Client.Patch(ctx, gs, client.MergeFrom(base))
}

func setReady(gs *genv1alpha1.GeneratorState, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&gs.Status.Conditions, metav1.Condition{
		Type: genv1alpha1.GeneratorStateReady, Status: status, Reason: reason, Message: message, ObservedGeneration: gs.Generation,
	})
}

func (r *Reconciler) patchStatus(ctx context.Context, gs *genv1alpha1.GeneratorState, before *genv1alpha1.GeneratorStateStatus) error {
	if equality.Semantic.DeepEqual(before, &gs.Status) {
		return nil
	}
	base := gs.DeepCopy()
	base.Status = *before
	err := r.Client.Status().Patch(ctx, gs, client.MergeFrom(base))
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // gone, or changed: the next event brings us back
	}
	return err
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// SetupWithManager registers the controller. Every change of a state is of interest (its
// deadline, its deletion), so there is no predicate; there are few states.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, concurrent int) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("generatorstate").
		For(&genv1alpha1.GeneratorState{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrent, RateLimiter: result.RateLimiter()}).
		Complete(r)
}
