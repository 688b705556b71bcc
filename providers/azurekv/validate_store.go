package azurekv

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// ValidateStore checks the store's Key Vault spec without any I/O, for admission: an https
// vaultUrl, a known cloud (with its custom endpoints for AzureStackCloud), the references
// the authType needs, complete and in the right namespace, and no reference of another
// namespace in a namespaced store. Settings that have no effect are returned as warnings.
func (p *Provider) ValidateStore(store esv1.GenericStore) (admission.Warnings, error) {
	spec, err := kvSpec(store)
	if err != nil {
		return nil, err
	}
	cl, err := cloudFor(spec)
	if err != nil {
		return nil, err
	}
	warnings, err := validateVaultURL(*spec.VaultURL, cl)
	if err != nil {
		return nil, err
	}
	if spec.CustomCloudConfig != nil && spec.EnvironmentType != esv1.AzureEnvironmentAzureStackCloud {
		warnings = append(warnings, "customCloudConfig only applies to environmentType AzureStackCloud (except its audience)")
	}
	more, err := validateAuth(store, spec)
	return append(warnings, more...), err
}

func validateVaultURL(raw string, cl cloudConfig) (admission.Warnings, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("vaultUrl must be an https URL such as https://my-vault.vault.azure.net, not %q", raw)
	}
	host := strings.ToLower(u.Hostname())
	if cl.kvSuffix != "" && !strings.HasSuffix(host, "."+cl.kvSuffix) && !strings.Contains(host, ".managedhsm.") {
		return admission.Warnings{fmt.Sprintf("vaultUrl host %q is not under %s, the Key Vault domain of the store's environmentType", host, cl.kvSuffix)}, nil
	}
	return nil, nil
}

// validateAuth checks the references of each authType.
func validateAuth(store esv1.GenericStore, spec *esv1.AzureKVProvider) (admission.Warnings, error) {
	switch authType(spec) {
	case esv1.AzureServicePrincipal:
		return nil, validateServicePrincipal(store, spec)
	case esv1.AzureManagedIdentity:
		if spec.AuthSecretRef != nil || spec.ServiceAccountRef != nil {
			return nil, errors.New("authType ManagedIdentity uses the controller's identity: authSecretRef and serviceAccountRef must not be set")
		}
		if spec.TenantID != nil {
			return admission.Warnings{"tenantId has no effect with authType ManagedIdentity"}, nil
		}
		return nil, nil
	case esv1.AzureWorkloadIdentity:
		return nil, validateWorkloadIdentity(store, spec)
	default:
		return nil, fmt.Errorf("authType %q is not one of ServicePrincipal, ManagedIdentity, WorkloadIdentity", *spec.AuthType)
	}
}

func validateServicePrincipal(store esv1.GenericStore, spec *esv1.AzureKVProvider) error {
	ref := spec.AuthSecretRef
	switch {
	case spec.ServiceAccountRef != nil || spec.IdentityID != nil:
		return errors.New("authType ServicePrincipal uses authSecretRef; serviceAccountRef and identityId belong to WorkloadIdentity and ManagedIdentity")
	case ref == nil || ref.ClientID == nil:
		return errors.New("authType ServicePrincipal requires authSecretRef.clientId")
	case (ref.ClientSecret == nil) == (ref.ClientCertificate == nil):
		return errors.New("authType ServicePrincipal requires exactly one of authSecretRef.clientSecret and authSecretRef.clientCertificate")
	case ref.TenantID == nil && (spec.TenantID == nil || *spec.TenantID == ""):
		return errors.New("authType ServicePrincipal requires tenantId or authSecretRef.tenantId")
	}
	return validateSecretRefs(store, spec)
}

func validateWorkloadIdentity(store esv1.GenericStore, spec *esv1.AzureKVProvider) error {
	if ref := spec.AuthSecretRef; ref != nil && (ref.ClientSecret != nil || ref.ClientCertificate != nil) {
		return errors.New("authType WorkloadIdentity exchanges a ServiceAccount token: authSecretRef may only give clientId and tenantId")
	}
	if spec.IdentityID != nil {
		return errors.New("identityId belongs to authType ManagedIdentity")
	}
	if sa := spec.ServiceAccountRef; sa != nil {
		if err := credentials.ValidateServiceAccountSelector(store, "serviceAccountRef", *sa); err != nil {
			return err
		}
	}
	return validateSecretRefs(store, spec)
}

// validateSecretRefs checks every reference authSecretRef sets.
func validateSecretRefs(store esv1.GenericStore, spec *esv1.AzureKVProvider) error {
	ref := spec.AuthSecretRef
	if ref == nil {
		return nil
	}
	for _, r := range []struct {
		field string
		sel   *esmeta.SecretKeySelector
	}{
		{"authSecretRef.clientId", ref.ClientID},
		{"authSecretRef.tenantId", ref.TenantID},
		{"authSecretRef.clientSecret", ref.ClientSecret},
		{"authSecretRef.clientCertificate", ref.ClientCertificate},
	} {
		if r.sel == nil {
			continue
		}
		if err := credentials.ValidateSecretKeySelector(store, r.field, *r.sel); err != nil {
			return err
		}
	}
	return nil
}
