package webhook

import (
	"errors"
	"fmt"
	"regexp"

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
	errs := []error{validateConditions(spec.Conditions), refreshIntervalError(spec)}
	entry, err := v.Registry.ForStore(store)
	if err != nil {
		return nil, errors.Join(append(errs, err)...)
	}
	warnings, err := entry.Provider.ValidateStore(store)
	errs = append(errs, err)
	if w := maintenanceWarningOf(entry); w != "" && store.GetAnnotations()[esv1.AnnotationIgnoreMaintenanceChecks] != "true" {
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

// refreshIntervalError accepts what the store controller can use: integer seconds or a Go
// duration, not negative (the CRD's pattern refuses most mistakes; this also catches
// durations too large to represent).
func refreshIntervalError(spec *esv1.SecretStoreSpec) error {
	_, err := spec.RefreshDuration()
	return err
}

func maintenanceWarningOf(e providers.Entry) string { return e.MaintenanceWarning() }
