package vault

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func nsStore(spec *esv1.VaultProvider) *esv1.SecretStore {
	return &esv1.SecretStore{
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "team-a"},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Vault: spec}},
	}
}

func clusterStore(spec *esv1.VaultProvider) *esv1.ClusterSecretStore {
	return &esv1.ClusterSecretStore{
		ObjectMeta: metav1.ObjectMeta{Name: "c"},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Vault: spec}},
	}
}

func sel(name, key string, ns ...string) esmeta.SecretKeySelector {
	s := esmeta.SecretKeySelector{Name: name, Key: key}
	if len(ns) > 0 {
		s.Namespace = &ns[0]
	}
	return s
}

func withAuth(a *esv1.VaultAuth) *esv1.VaultProvider {
	return &esv1.VaultProvider{Server: "https://vault.example.com:8200", Auth: a}
}

func TestProvider_ValidateStore(t *testing.T) {
	token := &esv1.VaultAuth{TokenSecretRef: ptrTo(sel("t", "token"))}
	tests := []struct {
		name     string
		store    esv1.GenericStore
		wantErr  string
		errIs    error
		warnings int
	}{
		{name: "token auth", store: nsStore(withAuth(token))},
		{name: "server is required", store: nsStore(&esv1.VaultProvider{Auth: token}), wantErr: "must be an http or https URL"},
		{name: "server must be a URL", store: nsStore(&esv1.VaultProvider{Server: "vault:8200", Auth: token}), wantErr: "must be an http or https URL"},
		{name: "unknown version", store: nsStore(&esv1.VaultProvider{Server: "http://v", Version: "v3", Auth: token}), wantErr: `version "v3"`},
		{name: "no auth is a warning", store: nsStore(withAuth(nil)), warnings: 1},
		{name: "two auth methods", store: nsStore(withAuth(&esv1.VaultAuth{TokenSecretRef: token.TokenSecretRef, UserPass: &esv1.VaultUserPassAuth{Username: "u", SecretRef: sel("p", "p")}})), wantErr: "exactly one"},
		{name: "auth with only a namespace", store: nsStore(withAuth(&esv1.VaultAuth{Namespace: ptrTo("ns")})), wantErr: "exactly one"},
		{name: "namespaced store may not reference another namespace", store: nsStore(withAuth(&esv1.VaultAuth{TokenSecretRef: ptrTo(sel("t", "token", "team-b"))})), wantErr: "namespace should either be empty"},
		{name: "cluster store may reference any namespace", store: clusterStore(withAuth(&esv1.VaultAuth{TokenSecretRef: ptrTo(sel("t", "token", "team-b"))}))},
		{name: "token ref needs a key", store: nsStore(withAuth(&esv1.VaultAuth{TokenSecretRef: ptrTo(sel("t", ""))})), wantErr: "needs a name and a key"},
		{name: "appRole with roleId", store: nsStore(withAuth(&esv1.VaultAuth{AppRole: &esv1.VaultAppRole{RoleID: "r", SecretRef: sel("s", "id")}}))},
		{name: "appRole with both roleId and roleRef", store: nsStore(withAuth(&esv1.VaultAuth{AppRole: &esv1.VaultAppRole{RoleID: "r", RoleRef: ptrTo(sel("r", "id")), SecretRef: sel("s", "id")}})), wantErr: "exactly one of roleId or roleRef"},
		{name: "appRole with neither", store: nsStore(withAuth(&esv1.VaultAuth{AppRole: &esv1.VaultAppRole{SecretRef: sel("s", "id")}})), wantErr: "exactly one of roleId or roleRef"},
		{name: "kubernetes needs a role", store: nsStore(withAuth(&esv1.VaultAuth{Kubernetes: &esv1.VaultKubernetesAuth{}})), wantErr: "role is required"},
		{name: "kubernetes with the controller's token", store: nsStore(withAuth(&esv1.VaultAuth{Kubernetes: &esv1.VaultKubernetesAuth{Role: "r"}}))},
		{name: "kubernetes secretRef defaults its key", store: nsStore(withAuth(&esv1.VaultAuth{Kubernetes: &esv1.VaultKubernetesAuth{Role: "r", SecretRef: &esmeta.SecretKeySelector{Name: "jwt"}}}))},
		{name: "kubernetes service account in another namespace", store: nsStore(withAuth(&esv1.VaultAuth{Kubernetes: &esv1.VaultKubernetesAuth{Role: "r", ServiceAccountRef: &esmeta.ServiceAccountSelector{Name: "sa", Namespace: ptrTo("team-b")}}})), wantErr: "namespace should either be empty"},
		{name: "userPass needs a username", store: nsStore(withAuth(&esv1.VaultAuth{UserPass: &esv1.VaultUserPassAuth{SecretRef: sel("p", "p")}})), wantErr: "username is required"},
		{name: "ldap", store: nsStore(withAuth(&esv1.VaultAuth{Ldap: &esv1.VaultLdapAuth{Username: "u", SecretRef: sel("p", "p")}}))},
		{name: "jwt needs a source", store: nsStore(withAuth(&esv1.VaultAuth{Jwt: &esv1.VaultJwtAuth{Role: "r"}})), wantErr: "secretRef or kubernetesServiceAccountToken"},
		{name: "jwt token too short-lived", store: nsStore(withAuth(&esv1.VaultAuth{Jwt: &esv1.VaultJwtAuth{KubernetesServiceAccountToken: &esv1.VaultKubernetesServiceAccountTokenAuth{ServiceAccountRef: esmeta.ServiceAccountSelector{Name: "sa"}, ExpirationSeconds: ptrTo[int64](60)}}})), wantErr: "at least 600"},
		{name: "cert with default keys", store: nsStore(withAuth(&esv1.VaultAuth{Cert: &esv1.VaultCertAuth{ClientCert: esmeta.SecretKeySelector{Name: "c"}, SecretRef: esmeta.SecretKeySelector{Name: "c"}}}))},
		{name: "cert needs the certificate", store: nsStore(withAuth(&esv1.VaultAuth{Cert: &esv1.VaultCertAuth{SecretRef: sel("k", "k")}})), wantErr: "auth.cert.clientCert"},
		{name: "iam is not supported", store: nsStore(withAuth(&esv1.VaultAuth{Iam: &esv1.VaultIamAuth{Role: "r"}})), errIs: providers.ErrNotSupported},
		{name: "gcp is not supported", store: nsStore(withAuth(&esv1.VaultAuth{GCP: &esv1.VaultGCPAuth{Role: "r"}})), errIs: providers.ErrNotSupported},
		{name: "caBundle and caProvider together", store: nsStore(&esv1.VaultProvider{Server: "https://v", Auth: token, CABundle: []byte("x"), CAProvider: &esv1.CAProvider{Type: esv1.CAProviderTypeConfigMap, Name: "ca"}}), wantErr: "mutually exclusive"},
		{name: "caProvider of an unknown type", store: nsStore(&esv1.VaultProvider{Server: "https://v", Auth: token, CAProvider: &esv1.CAProvider{Type: "Pod", Name: "ca"}}), wantErr: "must be Secret or ConfigMap"},
		{name: "caProvider in another namespace", store: nsStore(&esv1.VaultProvider{Server: "https://v", Auth: token, CAProvider: &esv1.CAProvider{Type: esv1.CAProviderTypeSecret, Name: "ca", Namespace: ptrTo("x")}}), wantErr: "namespace should either be empty"},
		{name: "client certificate without key", store: nsStore(&esv1.VaultProvider{Server: "https://v", Auth: token, ClientTLS: esv1.VaultClientTLS{CertSecretRef: ptrTo(sel("c", "tls.crt"))}}), wantErr: "set together"},
		{name: "client certificate with default keys", store: nsStore(&esv1.VaultProvider{Server: "https://v", Auth: token, ClientTLS: esv1.VaultClientTLS{CertSecretRef: &esmeta.SecretKeySelector{Name: "c"}, KeySecretRef: &esmeta.SecretKeySelector{Name: "c"}}})},
		{name: "forwardInconsistent alone is a warning", store: nsStore(&esv1.VaultProvider{Server: "https://v", Auth: token, ForwardInconsistent: true}), warnings: 1},
		{name: "checkAndSet on v1 is a warning", store: nsStore(&esv1.VaultProvider{Server: "https://v", Auth: token, Version: esv1.VaultKVStoreV1, CheckAndSet: &esv1.VaultCheckAndSet{Required: true}}), warnings: 1},
		{name: "bad retry interval", store: func() esv1.GenericStore {
			s := nsStore(withAuth(token))
			s.Spec.RetrySettings = &esv1.SecretStoreRetrySettings{RetryInterval: ptrTo("soon")}
			return s
		}(), wantErr: "retryInterval"},
		{name: "not a vault store", store: &esv1.SecretStore{Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{}}}, wantErr: "does not configure the vault provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warnings, err := New().ValidateStore(tt.store)
			switch {
			case tt.wantErr == "" && tt.errIs == nil && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			case tt.errIs != nil && !errors.Is(err, tt.errIs):
				t.Fatalf("error = %v, want %v", err, tt.errIs)
			}
			if len(warnings) != tt.warnings {
				t.Fatalf("warnings = %v, want %d", warnings, tt.warnings)
			}
		})
	}
}

func TestProvider_Capabilities(t *testing.T) {
	if New().Capabilities() != esv1.SecretStoreReadWrite {
		t.Fatal("Vault stores are read-write")
	}
}
