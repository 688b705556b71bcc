// Package store finds the SecretStore or ClusterSecretStore an ExternalSecret (or PushSecret)
// refers to, decides whether it may be used from the caller's namespace, and hands out
// provider clients for the duration of one reconcile, coalescing identical reads.
package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Sentinels for the ways a store cannot be used. They are wrapped in a *result.Error that
// tells the controller whether to wait or to give up until something changes.
var (
	// ErrNotFound: the referenced store does not exist (yet).
	ErrNotFound = errors.New("store not found")
	// ErrNotReady: the flood gate is on and the store's Ready condition is not True.
	ErrNotReady = errors.New("store is not ready")
	// ErrUnmanaged: the store belongs to another controller class.
	ErrUnmanaged = errors.New("can not reference unmanaged store")
	// ErrNamespaceDenied: a ClusterSecretStore's conditions exclude the caller's namespace.
	ErrNamespaceDenied = errors.New("denied by spec.condition")
)

// WaitDelay is how long an object waits for a missing or unready store before it is looked
// at again if no store event arrives first (the store watch normally wins).
const WaitDelay = time.Minute

// Reasons a store problem reports on the caller's Ready condition.
const (
	reasonSyncError = esv1.ConditionReasonSecretSyncedError
	messageFetch    = "could not get secret data from provider"
)

// Resolver looks up stores and checks that they may be used. It is shared by all reconciles.
type Resolver struct {
	// Client reads stores and Namespaces (normally from the informer cache).
	Client client.Client
	// Registry maps a store's provider to its implementation.
	Registry *providers.Registry
	// ControllerClass is --controller-class: stores with another non-empty spec.controller are
	// left to another instance.
	ControllerClass string
	// FloodGate is --enable-flood-gate: refuse to call a provider while its store is not Ready.
	FloodGate bool
	// Reads coalesces identical remote reads across reconciles; nil disables it.
	Reads *ReadCache
	// NoClusterStores is set when ClusterSecretStores are not reconciled (and, in a
	// namespace-scoped installation, not even readable): references to them fail at once
	// instead of waiting on an informer the RBAC does not allow.
	NoClusterStores bool
}

// Kind returns the store kind a reference means: empty is SecretStore.
func Kind(ref esv1.SecretStoreRef) string {
	if ref.Kind == "" {
		return esv1.SecretStoreKind
	}
	return ref.Kind
}

// Get reads the store ref names, as seen from namespace.
func (r *Resolver) Get(ctx context.Context, ref esv1.SecretStoreRef, namespace string) (esv1.GenericStore, error) {
	var st esv1.GenericStore
	key := types.NamespacedName{Name: ref.Name}
	switch Kind(ref) {
	case esv1.SecretStoreKind:
		st, key.Namespace = &esv1.SecretStore{}, namespace
	case esv1.ClusterSecretStoreKind:
		if r.NoClusterStores {
			return nil, result.NewTerminal(reasonSyncError, messageFetch,
				fmt.Errorf("ClusterSecretStore %q: ClusterSecretStores are disabled in this controller (--enable-cluster-store-reconciler=false)", ref.Name))
		}
		st = &esv1.ClusterSecretStore{}
	default:
		return nil, result.NewTerminal(reasonSyncError, messageFetch, fmt.Errorf("unknown store kind %q", ref.Kind))
	}
	if err := r.Client.Get(ctx, key, st); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, result.NewWaiting(reasonSyncError, messageFetch, WaitDelay,
				fmt.Errorf("could not get %s %q: %w", Kind(ref), ref.Name, ErrNotFound))
		}
		return nil, fmt.Errorf("could not get %s %q: %w", Kind(ref), ref.Name, err)
	}
	return st, nil
}

// Manages reports whether this controller instance processes the store.
func (r *Resolver) Manages(st esv1.GenericStore) bool {
	c := st.GetSpec().Controller
	return c == "" || c == r.ControllerClass
}

// CheckUsable returns nil when an object in namespace may read through st: the store is
// ours, a ClusterSecretStore's conditions admit the namespace, and (with the flood gate) the
// store is Ready.
func (r *Resolver) CheckUsable(ctx context.Context, st esv1.GenericStore, namespace string) error {
	if !r.Manages(st) {
		return result.NewTerminal(reasonSyncError, messageFetch, fmt.Errorf("%s %q: %w", st.GetKind(), st.GetName(), ErrUnmanaged))
	}
	if st.GetKind() == esv1.ClusterSecretStoreKind {
		ok, err := r.namespaceAllowed(ctx, st.GetSpec().Conditions, namespace)
		if err != nil {
			return err
		}
		if !ok {
			return result.NewTerminal(reasonSyncError, messageFetch,
				fmt.Errorf("using cluster store %q is not allowed from namespace %q: %w", st.GetName(), namespace, ErrNamespaceDenied))
		}
	}
	if r.FloodGate && !IsReady(st) {
		return result.NewWaiting(reasonSyncError, messageFetch, WaitDelay, fmt.Errorf("%s %q: %w", st.GetKind(), st.GetName(), ErrNotReady))
	}
	return nil
}

// IsReady reports whether the store's Ready condition is True.
func IsReady(st esv1.GenericStore) bool {
	return meta.IsStatusConditionTrue(st.GetStatus().Conditions, esv1.SecretStoreReady)
}

// namespaceAllowed applies ClusterSecretStore conditions: no conditions admit everyone;
// otherwise any condition admitting the namespace by label selector, name or (unanchored)
// regular expression is enough.
func (r *Resolver) namespaceAllowed(ctx context.Context, conds []esv1.ClusterSecretStoreCondition, namespace string) (bool, error) {
	if len(conds) == 0 {
		return true, nil
	}
	var ns corev1.Namespace
	if err := r.Client.Get(ctx, types.NamespacedName{Name: namespace}, &ns); err != nil {
		return false, fmt.Errorf("failed to get a namespace %q: %w", namespace, err)
	}
	for i, c := range conds {
		ok, err := conditionAdmits(c, &ns)
		if err != nil {
			return false, result.NewTerminal(reasonSyncError, messageFetch, fmt.Errorf("spec.conditions[%d]: %w", i, err))
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// conditionAdmits evaluates one ClusterSecretStore condition against a namespace.
func conditionAdmits(c esv1.ClusterSecretStoreCondition, ns *corev1.Namespace) (bool, error) {
	if c.NamespaceSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(c.NamespaceSelector)
		if err != nil {
			return false, fmt.Errorf("invalid namespaceSelector: %w", err)
		}
		if sel.Matches(labels.Set(ns.Labels)) {
			return true, nil
		}
	}
	for _, name := range c.Namespaces {
		if name == ns.Name {
			return true, nil
		}
	}
	for i, expr := range c.NamespaceRegexes {
		re, err := regexp.Compile(expr)
		if err != nil {
			return false, fmt.Errorf("failed to compile namespaceRegexes[%d]: %w", i, err)
		}
		if re.MatchString(ns.Name) {
			return true, nil
		}
	}
	return false, nil
}
