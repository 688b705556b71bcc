package vault

import (
	"errors"
	"fmt"

	vaultapi "github.com/hashicorp/vault/api"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// ValidateStore checks the store's Vault settings without I/O, for admission: the server
// URL, the KV version, TLS, retry settings and the one auth method with the references it
// needs (a namespaced store may only reference its own namespace). Settings that do nothing
// in this combination are warnings.
func (p *Provider) ValidateStore(store esv1.GenericStore) (admission.Warnings, error) {
	spec, err := vaultSpec(store)
	if err != nil {
		return nil, err
	}
	if _, err := serverURL(spec.Server); err != nil {
		return nil, err
	}
	if spec.Version != "" && spec.Version != esv1.VaultKVStoreV1 && spec.Version != esv1.VaultKVStoreV2 {
		return nil, fmt.Errorf("version %q must be v1 or v2", spec.Version)
	}
	if err := validateTLS(store, spec); err != nil {
		return nil, err
	}
	if err := applyRetrySettings(&vaultapi.Config{}, store.GetSpec().RetrySettings); err != nil {
		return nil, err
	}
	var warnings admission.Warnings
	if spec.ForwardInconsistent && !spec.ReadYourWrites {
		warnings = append(warnings, "forwardInconsistent has no effect without readYourWrites")
	}
	if spec.CheckAndSet != nil && spec.CheckAndSet.Required && spec.Version == esv1.VaultKVStoreV1 {
		warnings = append(warnings, "checkAndSet has no effect on a KV v1 engine")
	}
	if spec.Auth == nil {
		return append(warnings, "no auth method is set: requests are sent without a Vault token"), nil
	}
	return warnings, validateAuth(store, spec.Auth)
}

func validateTLS(store esv1.GenericStore, spec *esv1.VaultProvider) error {
	if len(spec.CABundle) > 0 && spec.CAProvider != nil {
		return errors.New("caBundle and caProvider are mutually exclusive")
	}
	if ca := spec.CAProvider; ca != nil {
		if ca.Type != esv1.CAProviderTypeSecret && ca.Type != esv1.CAProviderTypeConfigMap {
			return fmt.Errorf("caProvider.type %q must be Secret or ConfigMap", ca.Type)
		}
		if ca.Name == "" {
			return errors.New("caProvider.name is required")
		}
		if err := credentials.ValidateReferenceNamespace(store, ca.Namespace); err != nil {
			return fmt.Errorf("caProvider: %w", err)
		}
	}
	t := spec.ClientTLS
	if (t.CertSecretRef == nil) != (t.KeySecretRef == nil) {
		return errors.New("tls.certSecretRef and tls.keySecretRef must be set together")
	}
	if t.CertSecretRef != nil {
		if err := credentials.ValidateSecretKeySelector(store, "tls.certSecretRef", withDefaultKey(*t.CertSecretRef, defaultCertKey)); err != nil {
			return err
		}
		return credentials.ValidateSecretKeySelector(store, "tls.keySecretRef", withDefaultKey(*t.KeySecretRef, defaultKeyKey))
	}
	return nil
}

// validateAuth checks that exactly one method is set, with what it needs.
func validateAuth(store esv1.GenericStore, a *esv1.VaultAuth) error {
	set := 0
	for _, isSet := range []bool{a.TokenSecretRef != nil, a.AppRole != nil, a.Kubernetes != nil, a.Ldap != nil, a.UserPass != nil, a.Jwt != nil, a.Cert != nil, a.Iam != nil, a.GCP != nil} {
		if isSet {
			set++
		}
	}
	if set != 1 {
		return errors.New("auth must set exactly one of tokenSecretRef, appRole, kubernetes, ldap, userPass, jwt, cert, iam or gcp")
	}
	switch {
	case a.TokenSecretRef != nil:
		return credentials.ValidateSecretKeySelector(store, "auth.tokenSecretRef", *a.TokenSecretRef)
	case a.AppRole != nil:
		return validateAppRole(store, a.AppRole)
	case a.Kubernetes != nil:
		return validateKubernetes(store, a.Kubernetes)
	case a.Ldap != nil:
		return validateUser(store, "auth.ldap", a.Ldap.Username, a.Ldap.SecretRef)
	case a.UserPass != nil:
		return validateUser(store, "auth.userPass", a.UserPass.Username, a.UserPass.SecretRef)
	case a.Jwt != nil:
		return validateJWT(store, a.Jwt)
	case a.Cert != nil:
		if err := credentials.ValidateSecretKeySelector(store, "auth.cert.clientCert", withDefaultKey(a.Cert.ClientCert, defaultCertKey)); err != nil {
			return err
		}
		return credentials.ValidateSecretKeySelector(store, "auth.cert.secretRef", withDefaultKey(a.Cert.SecretRef, defaultKeyKey))
	case a.Iam != nil:
		return fmt.Errorf("auth.iam: %w: use another auth method", providers.ErrNotSupported)
	default:
		return fmt.Errorf("auth.gcp: %w: use another auth method", providers.ErrNotSupported)
	}
}

func validateAppRole(store esv1.GenericStore, a *esv1.VaultAppRole) error {
	if (a.RoleID == "") == (a.RoleRef == nil) {
		return errors.New("auth.appRole must set exactly one of roleId or roleRef")
	}
	if a.RoleRef != nil {
		if err := credentials.ValidateSecretKeySelector(store, "auth.appRole.roleRef", *a.RoleRef); err != nil {
			return err
		}
	}
	return credentials.ValidateSecretKeySelector(store, "auth.appRole.secretRef", a.SecretRef)
}

func validateKubernetes(store esv1.GenericStore, k *esv1.VaultKubernetesAuth) error {
	if k.Role == "" {
		return errors.New("auth.kubernetes.role is required")
	}
	if k.ServiceAccountRef != nil {
		return credentials.ValidateServiceAccountSelector(store, "auth.kubernetes.serviceAccountRef", *k.ServiceAccountRef)
	}
	if k.SecretRef != nil {
		return credentials.ValidateSecretKeySelector(store, "auth.kubernetes.secretRef", withDefaultKey(*k.SecretRef, defaultJWTKey))
	}
	return nil
}

func validateJWT(store esv1.GenericStore, j *esv1.VaultJwtAuth) error {
	switch {
	case j.SecretRef != nil:
		return credentials.ValidateSecretKeySelector(store, "auth.jwt.secretRef", *j.SecretRef)
	case j.KubernetesServiceAccountToken != nil:
		sat := j.KubernetesServiceAccountToken
		if sat.ExpirationSeconds != nil && *sat.ExpirationSeconds < 600 {
			return errors.New("auth.jwt.kubernetesServiceAccountToken.expirationSeconds must be at least 600")
		}
		return credentials.ValidateServiceAccountSelector(store, "auth.jwt.kubernetesServiceAccountToken.serviceAccountRef", sat.ServiceAccountRef)
	}
	return errors.New("auth.jwt must set secretRef or kubernetesServiceAccountToken")
}

func validateUser(store esv1.GenericStore, field, username string, sel esmeta.SecretKeySelector) error {
	if username == "" {
		return fmt.Errorf("%s.username is required", field)
	}
	return credentials.ValidateSecretKeySelector(store, field+".secretRef", sel)
}
