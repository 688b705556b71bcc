package infisical

import (
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// ValidateStore checks, without I/O, the secrets scope, hostAPI, the CA settings and the
// auth method: exactly one, implemented by this controller, with well-formed references
// that a namespaced store keeps in its own namespace.
func (p *Provider) ValidateStore(store esv1.GenericStore) (admission.Warnings, error) {
	spec, err := infisicalSpec(store)
	if err != nil {
		return nil, err
	}
	if spec.SecretsScope.ProjectSlug == "" || spec.SecretsScope.EnvironmentSlug == "" {
		return nil, errors.New("secretsScope.projectSlug and secretsScope.environmentSlug are required")
	}
	if _, err := hostAPI(spec.HostAPI); err != nil {
		return nil, err
	}
	if err := validateCA(store, spec); err != nil {
		return nil, err
	}
	return nil, validateAuth(store, spec.Auth)
}

func validateCA(store esv1.GenericStore, spec *esv1.InfisicalProvider) error {
	ca := spec.CAProvider
	if ca == nil {
		return nil
	}
	if len(spec.CABundle) > 0 {
		return errors.New("caBundle and caProvider are mutually exclusive")
	}
	if ca.Type != esv1.CAProviderTypeSecret && ca.Type != esv1.CAProviderTypeConfigMap {
		return fmt.Errorf("caProvider.type %q must be Secret or ConfigMap", ca.Type)
	}
	if ca.Name == "" {
		return errors.New("caProvider.name is required")
	}
	if err := credentials.ValidateReferenceNamespace(store, ca.Namespace); err != nil {
		return fmt.Errorf("caProvider: %w", err)
	}
	return nil
}

// validateAuth checks the one auth method the store sets.
func validateAuth(store esv1.GenericStore, auth esv1.InfisicalAuth) error {
	refs, err := authReferences(store, auth)
	if err != nil {
		return err
	}
	for _, r := range refs {
		if err := credentials.ValidateSecretKeySelector(store, r.field, r.sel); err != nil {
			return err
		}
	}
	return nil
}

// authReferences returns the Secret references of the auth method the store sets, or why
// the method cannot be used. Optional references are listed only when set.
func authReferences(store esv1.GenericStore, auth esv1.InfisicalAuth) ([]ref, error) {
	set := 0
	for _, isSet := range []bool{
		auth.UniversalAuthCredentials != nil, auth.AzureAuthCredentials != nil, auth.GcpIDTokenAuthCredentials != nil,
		auth.GcpIamAuthCredentials != nil, auth.JwtAuthCredentials != nil, auth.LdapAuthCredentials != nil,
		auth.OciAuthCredentials != nil, auth.KubernetesAuthCredentials != nil, auth.AwsAuthCredentials != nil,
		auth.TokenAuthCredentials != nil,
	} {
		if isSet {
			set++
		}
	}
	if set != 1 {
		return nil, fmt.Errorf("exactly one Infisical auth method must be set in auth, found %d", set)
	}
	switch {
	case auth.UniversalAuthCredentials != nil:
		c := auth.UniversalAuthCredentials
		return []ref{{"auth.universalAuthCredentials.clientId", c.ClientID}, {"auth.universalAuthCredentials.clientSecret", c.ClientSecret}}, nil
	case auth.JwtAuthCredentials != nil:
		c := auth.JwtAuthCredentials
		return []ref{{"auth.jwtAuthCredentials.identityId", c.IdentityID}, {"auth.jwtAuthCredentials.jwt", c.JWT}}, nil
	case auth.LdapAuthCredentials != nil:
		c := auth.LdapAuthCredentials
		return []ref{{"auth.ldapAuthCredentials.identityId", c.IdentityID}, {"auth.ldapAuthCredentials.ldapUsername", c.LDAPUsername}, {"auth.ldapAuthCredentials.ldapPassword", c.LDAPPassword}}, nil
	case auth.OciAuthCredentials != nil:
		c := auth.OciAuthCredentials
		refs := []ref{
			{"auth.ociAuthCredentials.identityId", c.IdentityID}, {"auth.ociAuthCredentials.privateKey", c.PrivateKey},
			{"auth.ociAuthCredentials.fingerprint", c.Fingerprint}, {"auth.ociAuthCredentials.userId", c.UserID},
			{"auth.ociAuthCredentials.tenancyId", c.TenancyID}, {"auth.ociAuthCredentials.region", c.Region},
		}
		if c.PrivateKeyPassphrase.Name != "" {
			refs = append(refs, ref{"auth.ociAuthCredentials.privateKeyPassphrase", c.PrivateKeyPassphrase})
		}
		return refs, nil
	case auth.KubernetesAuthCredentials != nil:
		if !isCluster(store) {
			return nil, errAmbientIdentity("kubernetesAuthCredentials")
		}
		c := auth.KubernetesAuthCredentials
		refs := []ref{{"auth.kubernetesAuthCredentials.identityId", c.IdentityID}}
		if c.ServiceAccountTokenPath.Name != "" {
			refs = append(refs, ref{"auth.kubernetesAuthCredentials.serviceAccountTokenPath", c.ServiceAccountTokenPath})
		}
		return refs, nil
	case auth.AwsAuthCredentials != nil:
		if !isCluster(store) {
			return nil, errAmbientIdentity("awsAuthCredentials")
		}
		return []ref{{"auth.awsAuthCredentials.identityId", auth.AwsAuthCredentials.IdentityID}}, nil
	case auth.TokenAuthCredentials != nil:
		return []ref{{"auth.tokenAuthCredentials.accessToken", auth.TokenAuthCredentials.AccessToken}}, nil
	case auth.AzureAuthCredentials != nil:
		return nil, errUnsupportedAuth("azureAuthCredentials", "it needs the Azure instance metadata service")
	case auth.GcpIDTokenAuthCredentials != nil:
		return nil, errUnsupportedAuth("gcpIdTokenAuthCredentials", "it needs the GCP metadata server")
	default:
		return nil, errUnsupportedAuth("gcpIamAuthCredentials", "it needs a key file on the controller's disk and a call to Google's IAM API")
	}
}
