package webhook

import (
	"errors"
	"fmt"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
)

// Messages of the ExternalSecret rules (contract §2.5). They are upstream's, word for word:
// users search for them, and scripts may match them.
const (
	msgDeleteNotOwner = "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner"
	msgMergeWithNone  = "deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with"
	msgNoData         = "either data or dataFrom should be specified"
	msgSourcesAtOnce  = "extract, find, or generatorRef cannot be set at the same time"
	msgNoSource       = "either extract, find, or sourceRef must be set to dataFrom"
	msgEmptySourceRef = "generatorRef or storeRef must be set when using sourceRef in dataFrom"
	// msgDataGenerator is ours (§17.16): upstream accepts the field and silently ignores it.
	msgDataGenerator = "sourceRef.generatorRef is not supported in data[]: move the generator to a dataFrom entry (dataFrom[].sourceRef.generatorRef), or use sourceRef.storeRef here"
)

// ValidateExternalSecret returns every rule of contract §2.5 that es breaks, joined with
// errors.Join so that one rejection lists all of them; nil when es is valid. It is pure:
// no client, no provider.
func ValidateExternalSecret(es *esv1.ExternalSecret) error {
	spec := &es.Spec
	errs := []error{validatePolicies(spec.Target)}
	if len(spec.Data) == 0 && len(spec.DataFrom) == 0 {
		errs = append(errs, errors.New(msgNoData))
	}
	// The template rules protect Secrets; a generic target (target.manifest) has its own
	// kinds of targets and is refused by the controller anyway.
	if spec.Target.Manifest == nil {
		errs = append(errs, template.ValidateTemplate(spec.Target.Template))
	}
	for _, ref := range spec.DataFrom {
		errs = append(errs, validateDataFrom(ref))
	}
	for _, d := range spec.Data {
		if d.SourceRef != nil && d.SourceRef.GeneratorRef != nil {
			errs = append(errs, errors.New(msgDataGenerator))
			break
		}
	}
	errs = append(errs, validateDuplicateKeys(spec))
	return errors.Join(errs...)
}

// validatePolicies rejects deletion policies that cannot work with the creation policy:
// deleting a Secret the controller does not own, or merging into a Secret that is never
// written. Empty policies are the CRD defaults (Owner, Retain).
func validatePolicies(t esv1.ExternalSecretTarget) error {
	switch {
	case t.DeletionPolicy == esv1.DeletionPolicyDelete &&
		(t.CreationPolicy == esv1.CreatePolicyMerge || t.CreationPolicy == esv1.CreatePolicyNone || t.CreationPolicy == esv1.CreatePolicyCreateOrMerge):
		return errors.New(msgDeleteNotOwner)
	case t.DeletionPolicy == esv1.DeletionPolicyMerge && t.CreationPolicy == esv1.CreatePolicyNone:
		return errors.New(msgMergeWithNone)
	default:
		return nil
	}
}

// validateDataFrom checks that a dataFrom entry has exactly one source.
func validateDataFrom(ref esv1.ExternalSecretDataFromRemoteRef) error {
	generator := ref.SourceRef != nil && ref.SourceRef.GeneratorRef != nil
	sources := 0
	for _, set := range []bool{ref.Extract != nil, ref.Find != nil, generator} {
		if set {
			sources++
		}
	}
	switch {
	case sources > 1:
		return errors.New(msgSourcesAtOnce)
	case ref.Extract == nil && ref.Find == nil && ref.SourceRef == nil:
		return errors.New(msgNoSource)
	case ref.SourceRef != nil && ref.SourceRef.GeneratorRef == nil && ref.SourceRef.SecretStoreRef == nil:
		return errors.New(msgEmptySourceRef)
	default:
		return nil
	}
}

// validateDuplicateKeys reports every secretKey used by more than one data entry. Like
// upstream it only checks under deletionPolicy Retain (empty is the Retain default).
func validateDuplicateKeys(spec *esv1.ExternalSecretSpec) error {
	if p := spec.Target.DeletionPolicy; p != esv1.DeletionPolicyRetain && p != "" {
		return nil
	}
	seen := make(map[string]int, len(spec.Data))
	var errs []error
	for _, d := range spec.Data {
		seen[d.SecretKey]++
		if seen[d.SecretKey] == 2 {
			errs = append(errs, fmt.Errorf("duplicate secretKey found: %s", d.SecretKey))
		}
	}
	return errors.Join(errs...)
}
