package gcp

import (
	"errors"
	"fmt"
	"regexp"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// locationName is what a location must be to become part of the regional endpoint's host
// name (us-central1, europe-west4, ...).
var locationName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// ValidateStore checks the store's gcpsm spec without any I/O, for admission: a project,
// a location usable in a host name, the version selection policy, and an auth block whose
// references are complete and stay in the store's namespace for a SecretStore. Workload
// Identity Federation sources this controller does not run are refused. More than one auth
// method is a warning: only the first in the order secretRef, workloadIdentity,
// workloadIdentityFederation is used.
func (p *Provider) ValidateStore(store esv1.GenericStore) (admission.Warnings, error) {
	spec, err := gcpSpec(store)
	if err != nil {
		return nil, err
	}
	if spec.ProjectID == "" {
		return nil, errors.New("projectID is required")
	}
	if spec.Location != "" && !locationName.MatchString(spec.Location) {
		return nil, fmt.Errorf("location %q is not a Google Cloud location name (e.g. us-central1)", spec.Location)
	}
	switch spec.SecretVersionSelectionPolicy {
	case "", esv1.SecretVersionSelectionPolicyLatestOrFail, esv1.SecretVersionSelectionPolicyLatestOrFetch:
	default:
		return nil, fmt.Errorf("secretVersionSelectionPolicy %q must be %s or %s", spec.SecretVersionSelectionPolicy,
			esv1.SecretVersionSelectionPolicyLatestOrFail, esv1.SecretVersionSelectionPolicyLatestOrFetch)
	}
	return validateAuth(store, spec.Auth)
}

func validateAuth(store esv1.GenericStore, auth esv1.GCPSMAuth) (admission.Warnings, error) {
	var warnings admission.Warnings
	set := 0
	for _, on := range []bool{auth.SecretRef != nil, auth.WorkloadIdentity != nil, auth.WorkloadIdentityFederation != nil} {
		if on {
			set++
		}
	}
	if set > 1 {
		warnings = append(warnings, "auth sets more than one method; only the first of secretRef, workloadIdentity, workloadIdentityFederation is used")
	}
	if ref := auth.SecretRef; ref != nil {
		if err := credentials.ValidateSecretKeySelector(store, "auth.secretRef.secretAccessKeySecretRef", ref.SecretAccessKey); err != nil {
			return nil, err
		}
	}
	if wi := auth.WorkloadIdentity; wi != nil {
		if err := credentials.ValidateServiceAccountSelector(store, "auth.workloadIdentity.serviceAccountRef", wi.ServiceAccountRef); err != nil {
			return nil, err
		}
	}
	if wif := auth.WorkloadIdentityFederation; wif != nil {
		if err := validateFederation(store, wif); err != nil {
			return nil, err
		}
	}
	return warnings, nil
}

func validateFederation(store esv1.GenericStore, wif *esv1.GCPWorkloadIdentityFederation) error {
	switch {
	case wif.CredConfig != nil:
		return fmt.Errorf("auth.workloadIdentityFederation.credConfig: %w: use serviceAccountRef and audience", providers.ErrNotSupported)
	case wif.AwsSecurityCredentials != nil:
		return fmt.Errorf("auth.workloadIdentityFederation.awsSecurityCredentials: %w: use serviceAccountRef and audience", providers.ErrNotSupported)
	case wif.ServiceAccountRef == nil:
		return errors.New("auth.workloadIdentityFederation needs serviceAccountRef")
	case wif.Audience == "":
		return errors.New("auth.workloadIdentityFederation.audience is required with serviceAccountRef")
	}
	return credentials.ValidateServiceAccountSelector(store, "auth.workloadIdentityFederation.serviceAccountRef", *wif.ServiceAccountRef)
}
