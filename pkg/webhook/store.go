package webhook

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// StoreValidator checks SecretStores and ClusterSecretStores (contract §5.5): the generic
// rules here, then the rules of the store's provider, which only the registry knows.
type StoreValidator struct {
	// Registry is the same explicit provider list the controller serves, so a store is
	// accepted exactly when the controller can handle its provider.
	Registry *providers.Registry
}

// Validate returns the warnings to show and, when the store must be rejected, every
// reason joined. The provider's own ValidateStore runs only once the store names exactly
// one registered provider.
func (v StoreValidator) Validate(store esv1.GenericStore) (admission.Warnings, error) {
	spec := store.GetSpec()
	errs := []error{validateConditions(spec.Conditions), validateRefreshInterval(spec.RefreshInterval)}
	entry, err := v.Registry.ForStore(store)
	if err != nil {
		return nil, errors.Join(append(errs, err)...)
	}
	warnings, err := entry.Provider.ValidateStore(store)
	errs = append(errs, err)
	if w := maintenanceWarning(entry); w != "" && store.GetAnnotations()[esv1.AnnotationIgnoreMaintenanceChecks] != "true" {
		warnings = append(warnings, w)
	}
	return warnings, errors.Join(errs...)
}

// validateConditions compiles every namespace regex so that a typo is reported now, not
// each time an ExternalSecret is refused by the store. Indexes count from 0, as upstream.
func validateConditions(conditions []esv1.ClusterSecretStoreCondition) error {
	var errs []error
	for ci, c := range conditions {
		for ri, re := range c.NamespaceRegexes {
			if _, err := regexp.Compile(re); err != nil {
				errs = append(errs, fmt.Errorf("failed to compile %dth namespace regex in %dth condition: %w", ri, ci, err))
			}
		}
	}
	return errors.Join(errs...)
}

// validateRefreshInterval accepts what the store controller can use: integer seconds or a
// Go duration, not negative. The CRD's pattern already refuses most mistakes; this also
// catches durations too large to represent.
func validateRefreshInterval(v *intstr.IntOrString) error {
	if v == nil {
		return nil
	}
	var d time.Duration
	switch v.Type {
	case intstr.Int:
		d = time.Duration(v.IntVal) * time.Second
	case intstr.String:
		var err error
		if d, err = time.ParseDuration(v.StrVal); err != nil {
			return fmt.Errorf("invalid refreshInterval: %w", err)
		}
	default:
		return fmt.Errorf("invalid refreshInterval: unknown type %d", v.Type)
	}
	if d < 0 {
		return fmt.Errorf("invalid refreshInterval: %s is negative", d)
	}
	return nil
}

// maintenanceWarning is the admission warning for a provider that is not fully maintained,
// with the words of upstream (and of the store controller's events).
func maintenanceWarning(e providers.Entry) string {
	switch e.Maintenance {
	case providers.NotMaintained:
		return fmt.Sprintf("store %s isn't currently maintained. Please plan and prepare accordingly.", e.Name)
	case providers.Deprecated:
		return fmt.Sprintf("store %s is deprecated and will stop working on the next major version. Please plan and prepare accordingly.", e.Name)
	default:
		return ""
	}
}
