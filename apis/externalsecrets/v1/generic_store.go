package v1

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// GenericStore is what SecretStore and ClusterSecretStore have in common, so that the
// store controller, the client manager and every provider handle both kinds with one code
// path instead of near-copies for the cluster-scoped twin.
// +kubebuilder:object:generate=false
type GenericStore interface {
	client.Object

	// GetKind returns SecretStoreKind or ClusterSecretStoreKind (TypeMeta may be empty).
	GetKind() string
	// GetSpec returns the store's spec for reading; callers must not modify it.
	GetSpec() *SecretStoreSpec
	// GetStatus returns a pointer to the store's status so it can be updated in place.
	GetStatus() *SecretStoreStatus
	// SetStatus replaces the store's status.
	SetStatus(status SecretStoreStatus)
	// GetNamespacedName returns "namespace/name" for a SecretStore and "name" for a
	// ClusterSecretStore; handy as a cache or log key.
	GetNamespacedName() string
	// Copy returns a deep copy that is still a GenericStore.
	Copy() GenericStore
}

var (
	_ GenericStore = &SecretStore{}
	_ GenericStore = &ClusterSecretStore{}
)

// GetKind returns SecretStoreKind.
func (s *SecretStore) GetKind() string { return SecretStoreKind }

// GetSpec returns the store's spec.
func (s *SecretStore) GetSpec() *SecretStoreSpec { return &s.Spec }

// GetStatus returns the store's status.
func (s *SecretStore) GetStatus() *SecretStoreStatus { return &s.Status }

// SetStatus replaces the store's status.
func (s *SecretStore) SetStatus(status SecretStoreStatus) { s.Status = status }

// GetNamespacedName returns "namespace/name".
func (s *SecretStore) GetNamespacedName() string { return s.Namespace + "/" + s.Name }

// Copy returns a deep copy of the store.
func (s *SecretStore) Copy() GenericStore { return s.DeepCopy() }

// GetKind returns ClusterSecretStoreKind.
func (c *ClusterSecretStore) GetKind() string { return ClusterSecretStoreKind }

// GetSpec returns the store's spec.
func (c *ClusterSecretStore) GetSpec() *SecretStoreSpec { return &c.Spec }

// GetStatus returns the store's status.
func (c *ClusterSecretStore) GetStatus() *SecretStoreStatus { return &c.Status }

// SetStatus replaces the store's status.
func (c *ClusterSecretStore) SetStatus(status SecretStoreStatus) { c.Status = status }

// GetNamespacedName returns the store's name (a ClusterSecretStore has no namespace).
func (c *ClusterSecretStore) GetNamespacedName() string { return c.Name }

// Copy returns a deep copy of the store.
func (c *ClusterSecretStore) Copy() GenericStore { return c.DeepCopy() }

// RefreshDuration returns spec.refreshInterval as a duration: integer seconds (the legacy form)
// or a Go duration. Zero means "not set" (the controller default applies). The webhook and the
// store controller both use it, so they agree on what is valid.
func (s *SecretStoreSpec) RefreshDuration() (time.Duration, error) {
	v := s.RefreshInterval
	if v == nil {
		return 0, nil
	}
	var d time.Duration
	switch v.Type {
	case intstr.Int:
		d = time.Duration(v.IntVal) * time.Second
	case intstr.String:
		var err error
		if d, err = time.ParseDuration(v.StrVal); err != nil {
			return 0, fmt.Errorf("invalid refreshInterval: %w", err)
		}
	default:
		return 0, fmt.Errorf("invalid refreshInterval: unknown type %d", v.Type)
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid refreshInterval: %s is negative", d)
	}
	return d, nil
}
