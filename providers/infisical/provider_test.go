package infisical

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/infisical/infisicaltest"
)

// TestSeed003 loads seed 003's ClusterSecretStore unchanged (but for hostAPI, pointed at the
// emulator) and reads what its ExternalSecret reads, from the ExternalSecret's namespace.
func TestSeed003(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "seed-003-infisical.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs := bytes.Split(raw, []byte("\n---\n"))
	if len(docs) != 2 {
		t.Fatalf("the seed has %d documents, want 2", len(docs))
	}
	var store esv1.ClusterSecretStore
	if err := yaml.UnmarshalStrict(docs[0], &store); err != nil {
		t.Fatalf("parsing the ClusterSecretStore: %v", err)
	}
	var es esv1.ExternalSecret
	if err := yaml.UnmarshalStrict(docs[1], &es); err != nil {
		t.Fatalf("parsing the ExternalSecret: %v", err)
	}
	srv := infisicaltest.New(t)
	store.Spec.Provider.Infisical.HostAPI = srv.URL
	scope := store.Spec.Provider.Infisical.SecretsScope
	srv.AddUniversalAuth("seed-client-id", "seed-client-secret")
	srv.Put(scope.ProjectSlug, scope.EnvironmentSlug, scope.SecretsPath, "MY_APP_API_KEY", "seed-api-key")

	p := New()
	if _, err := p.ValidateStore(&store); err != nil {
		t.Fatalf("ValidateStore: %v", err)
	}
	kube := newKube(secretObj("external-secrets", "infisical-machine-identity", map[string]string{
		"clientId": "seed-client-id", "clientSecret": "seed-client-secret",
	}))

	// The store controller: no namespace; the references name theirs, so it can log in.
	c, err := p.NewClient(ctx(t), &store, kube, "")
	if err != nil {
		t.Fatalf("NewClient for the store controller: %v", err)
	}
	if got, err := c.Validate(ctx(t)); got != esv1.ValidationResultReady || err != nil {
		t.Fatalf("Validate = %v, %v; want Ready", got, err)
	}
	if err := c.Close(ctx(t)); err != nil {
		t.Fatal(err)
	}

	// The ExternalSecret's reconcile, in its namespace.
	c, err = p.NewClient(ctx(t), &store, kube, es.Namespace)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	got, err := c.GetSecret(ctx(t), es.Spec.Data[0].RemoteRef)
	if err != nil {
		t.Fatalf("GetSecret(%s): %v", es.Spec.Data[0].RemoteRef.Key, err)
	}
	if string(got) != "seed-api-key" {
		t.Fatalf("got %q", got)
	}
	if err := c.Close(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if srv.ActiveTokens() != 0 {
		t.Fatal("a login token was left unrevoked")
	}
}

func TestProvider_NewClient_auth(t *testing.T) {
	srv := newEmulator(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("sa-jwt-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv.AddIdentity(infisicaltest.KindJWT, "jwt-identity", "jwt-value")
	srv.AddIdentity(infisicaltest.KindLDAP, "ldap-identity", "ldap-user:ldap-password")
	srv.AddIdentity(infisicaltest.KindKubernetes, "k8s-identity", "sa-jwt-value")
	srv.AddIdentity(infisicaltest.KindAWS, "aws-identity", "AKIDEMULATED")
	ociKey, ociFingerprint := ociSigningKey(t)
	srv.AddIdentity(infisicaltest.KindOCI, "oci-identity", "ocid1.tenancy.oc1..t/ocid1.user.oc1..u/"+ociFingerprint)

	ns := ptr.To("creds")
	ref := func(key string) esmeta.SecretKeySelector {
		return esmeta.SecretKeySelector{Name: credsName, Key: key, Namespace: ns}
	}
	creds := secretObj("creds", credsName, map[string]string{
		"clientId": clientID, "clientSecret": clientSecret, "wrongSecret": "wrong-secret-value",
		"identity-jwt": "jwt-identity", "jwt": "jwt-value",
		"identity-ldap": "ldap-identity", "user": "ldap-user", "password": "ldap-password",
		"identity-k8s": "k8s-identity", "tokenPath": tokenFile,
		"identity-aws": "aws-identity", "identity-unknown": "nobody",
		"identity-oci": "oci-identity", "ociKey": ociKey, "fingerprint": ociFingerprint,
		"user-ocid": "ocid1.user.oc1..u", "tenancy": "ocid1.tenancy.oc1..t", "region": "eu-frankfurt-1",
		"token": srv.IssueToken(),
	})

	tests := []struct {
		name       string
		auth       esv1.InfisicalAuth
		namespaced bool
		setup      func(t *testing.T)
		wantLogin  string // metric call name; empty for token auth
		wantErr    error
		anyErr     bool
	}{
		{name: "universal auth", wantLogin: "MachineIdentityLoginViaUniversalAuth",
			auth: esv1.InfisicalAuth{UniversalAuthCredentials: &esv1.UniversalAuthCredentials{ClientID: ref("clientId"), ClientSecret: ref("clientSecret")}}},
		{name: "universal auth with a wrong secret", wantLogin: "MachineIdentityLoginViaUniversalAuth", wantErr: providers.ErrUnauthorized,
			auth: esv1.InfisicalAuth{UniversalAuthCredentials: &esv1.UniversalAuthCredentials{ClientID: ref("clientId"), ClientSecret: ref("wrongSecret")}}},
		{name: "jwt auth", wantLogin: "MachineIdentityLoginViaJwtAuth",
			auth: esv1.InfisicalAuth{JwtAuthCredentials: &esv1.JwtAuthCredentials{IdentityID: ref("identity-jwt"), JWT: ref("jwt")}}},
		{name: "jwt auth of an unknown identity", wantLogin: "MachineIdentityLoginViaJwtAuth", wantErr: providers.ErrUnauthorized,
			auth: esv1.InfisicalAuth{JwtAuthCredentials: &esv1.JwtAuthCredentials{IdentityID: ref("identity-unknown"), JWT: ref("jwt")}}},
		{name: "ldap auth sends username and password in their places", wantLogin: "MachineIdentityLoginViaLdapAuth",
			auth: esv1.InfisicalAuth{LdapAuthCredentials: &esv1.LdapAuthCredentials{IdentityID: ref("identity-ldap"), LDAPUsername: ref("user"), LDAPPassword: ref("password")}}},
		{name: "oci auth signs with the key", wantLogin: "MachineIdentityLoginViaOciAuth",
			auth: esv1.InfisicalAuth{OciAuthCredentials: &esv1.OciAuthCredentials{
				IdentityID: ref("identity-oci"), PrivateKey: ref("ociKey"), Fingerprint: ref("fingerprint"),
				UserID: ref("user-ocid"), TenancyID: ref("tenancy"), Region: ref("region"),
			}}},
		{name: "kubernetes auth reads the token file", wantLogin: "MachineIdentityLoginViaKubernetesAuth",
			auth: esv1.InfisicalAuth{KubernetesAuthCredentials: &esv1.KubernetesAuthCredentials{IdentityID: ref("identity-k8s"), ServiceAccountTokenPath: ref("tokenPath")}}},
		{name: "kubernetes auth is refused in a namespaced store", namespaced: true, anyErr: true,
			auth: esv1.InfisicalAuth{KubernetesAuthCredentials: &esv1.KubernetesAuthCredentials{IdentityID: esmeta.SecretKeySelector{Name: credsName, Key: "identity-k8s"}}}},
		{name: "aws auth signs with the controller's credentials", wantLogin: "MachineIdentityLoginViaAwsAuth", setup: awsEnvironment,
			auth: esv1.InfisicalAuth{AwsAuthCredentials: &esv1.AwsAuthCredentials{IdentityID: ref("identity-aws")}}},
		{name: "token auth uses the token as is",
			auth: esv1.InfisicalAuth{TokenAuthCredentials: &esv1.TokenAuthCredentials{AccessToken: ref("token")}}},
		{name: "azure auth is not supported", wantErr: providers.ErrNotSupported,
			auth: esv1.InfisicalAuth{AzureAuthCredentials: &esv1.AzureAuthCredentials{IdentityID: ref("identity-aws")}}},
		{name: "gcp id token auth is not supported", wantErr: providers.ErrNotSupported,
			auth: esv1.InfisicalAuth{GcpIDTokenAuthCredentials: &esv1.GcpIDTokenAuthCredentials{IdentityID: ref("identity-aws")}}},
		{name: "gcp iam auth is not supported", wantErr: providers.ErrNotSupported,
			auth: esv1.InfisicalAuth{GcpIamAuthCredentials: &esv1.GcpIamAuthCredentials{IdentityID: ref("identity-aws"), ServiceAccountKeyFilePath: ref("tokenPath")}}},
		{name: "a missing credential key is an error", anyErr: true,
			auth: esv1.InfisicalAuth{UniversalAuthCredentials: &esv1.UniversalAuthCredentials{ClientID: ref("clientId"), ClientSecret: ref("absent")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t)
			}
			obs := &recorder{}
			s := spec(srv.URL, tc.auth)
			var store esv1.GenericStore = clusterStore(s)
			kube := newKube(creds)
			if tc.namespaced {
				store = namespacedStore(s)
				kube = newKube(secretObj(storeNS, credsName, map[string]string{"identity-k8s": "k8s-identity"}))
			}
			before := srv.ActiveTokens()
			c, err := New(WithCallObserver(obs)).NewClient(ctx(t), store, kube, "app-ns")
			assertNoLeak(t, err, "wrong-secret-value", "jwt-value", "ldap-password", "sa-jwt-value")
			if tc.wantErr != nil || tc.anyErr {
				wantErr(t, err, tc.wantErr)
				if tc.wantLogin != "" && obs.count(tc.wantLogin, "error") != 1 {
					t.Errorf("calls %v, want one failed %s", obs, tc.wantLogin)
				}
				_, vErr := New().ValidateStore(store)
				if errors.Is(tc.wantErr, providers.ErrNotSupported) && !errors.Is(vErr, providers.ErrNotSupported) {
					t.Errorf("ValidateStore = %v, want not supported", vErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			if tc.wantLogin != "" && obs.count(tc.wantLogin, "success") != 1 {
				t.Errorf("calls %v, want one %s", obs, tc.wantLogin)
			}
			got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"})
			if err != nil || string(got) != apiKeyValue {
				t.Fatalf("GetSecret = %q, %v", got, err)
			}
			if err := c.Close(ctx(t)); err != nil {
				t.Fatalf("Close: %v", err)
			}
			// Close revokes what the login created and leaves a given token alone.
			if after := srv.ActiveTokens(); after != before {
				t.Errorf("%d active tokens after Close, want %d", after, before)
			}
		})
	}
}

// awsEnvironment gives the SDK's default chain static keys and keeps it off the network.
func awsEnvironment(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEMULATED")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "emulated-secret-key")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// ociSigningKey returns a PEM RSA key and a fingerprint-shaped string for it.
func ociSigningKey(t *testing.T) (string, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return string(pemKey), "12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0"
}

func TestProvider_NewClient_organizationSlug(t *testing.T) {
	srv := newEmulator(t)
	newClient(t, srv, nil, func(s *esv1.InfisicalProvider) { s.SecretsScope.OrganizationSlug = "sub-org" })
	logins := srv.Logins()
	if len(logins) != 1 || logins[0].OrganizationSlug != "sub-org" {
		t.Fatalf("logins %+v, want one scoped to sub-org", logins)
	}
}

// TestProvider_NewClient_referent checks the namespace rules of credential references.
func TestProvider_NewClient_referent(t *testing.T) {
	srv := newEmulator(t)
	p := New()

	t.Run("a ClusterSecretStore without namespaces reads the ExternalSecret's namespace", func(t *testing.T) {
		store := clusterStore(spec(srv.URL, universalAuth(nil)))
		kube := newKube(universalCreds("app-ns"))
		c, err := p.NewClient(ctx(t), store, kube, "app-ns")
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		t.Cleanup(func() { _ = c.Close(context.Background()) })
		if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.NewClient(ctx(t), store, kube, "other-ns"); err == nil {
			t.Fatal("credentials were found in a namespace that has none")
		}
	})

	t.Run("for the store controller it is Unknown and cannot read", func(t *testing.T) {
		store := clusterStore(spec(srv.URL, universalAuth(nil)))
		before := srv.Requests("POST /api/v1/auth/universal-auth/login")
		c, err := p.NewClient(ctx(t), store, newKube(), "")
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		if got, err := c.Validate(ctx(t)); got != esv1.ValidationResultUnknown || err != nil {
			t.Fatalf("Validate = %v, %v; want Unknown, nil", got, err)
		}
		_, err = c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"})
		wantErr(t, err, credentials.ErrReferentNamespace)
		_, err = c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{})
		wantErr(t, err, credentials.ErrReferentNamespace)
		if err := c.Close(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if srv.Requests("POST /api/v1/auth/universal-auth/login") != before {
			t.Fatal("a client without credentials logged in")
		}
	})

	t.Run("a namespaced store reads its own namespace whatever the ExternalSecret's", func(t *testing.T) {
		store := namespacedStore(spec(srv.URL, universalAuth(nil)))
		c, err := p.NewClient(ctx(t), store, newKube(universalCreds(storeNS)), "elsewhere")
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		_ = c.Close(ctx(t))
	})
}

func TestProvider_NewClient_tls(t *testing.T) {
	srv := infisicaltest.NewTLS(t)
	fill(srv)
	ca := srv.CertificatePEM()

	t.Run("caBundle", func(t *testing.T) {
		s := spec(srv.URL, universalAuth(nil))
		s.CABundle = ca
		c, err := New().NewClient(ctx(t), namespacedStore(s), newKube(universalCreds(storeNS)), storeNS)
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		defer func() { _ = c.Close(ctx(t)) }()
		if got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}); err != nil || string(got) != apiKeyValue {
			t.Fatalf("GetSecret = %q, %v", got, err)
		}
	})
	t.Run("caProvider ConfigMap", func(t *testing.T) {
		s := spec(srv.URL, universalAuth(nil))
		s.CAProvider = &esv1.CAProvider{Type: esv1.CAProviderTypeConfigMap, Name: "infisical-ca"}
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: storeNS, Name: "infisical-ca"}, Data: map[string]string{"ca.crt": string(ca)}}
		c, err := New().NewClient(ctx(t), namespacedStore(s), newKube(universalCreds(storeNS), cm), storeNS)
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		defer func() { _ = c.Close(ctx(t)) }()
		if got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}); err != nil || string(got) != apiKeyValue {
			t.Fatalf("GetSecret = %q, %v", got, err)
		}
	})
	t.Run("a CA that is not PEM", func(t *testing.T) {
		s := spec(srv.URL, universalAuth(nil))
		s.CABundle = []byte("not a certificate")
		_, err := New().NewClient(ctx(t), namespacedStore(s), newKube(universalCreds(storeNS)), storeNS)
		wantErr(t, err, nil)
	})
}

func TestProvider_ValidateStore(t *testing.T) {
	other := ptr.To("other")
	valid := func() esv1.InfisicalProvider { return spec("https://infisical.example.com", universalAuth(nil)) }
	tests := []struct {
		name    string
		store   func() esv1.GenericStore
		wantErr string
	}{
		{name: "a namespaced store with universal auth", store: func() esv1.GenericStore { return namespacedStore(valid()) }},
		{name: "the default hostAPI", store: func() esv1.GenericStore {
			s := valid()
			s.HostAPI = ""
			return namespacedStore(s)
		}},
		{name: "a ClusterSecretStore may name any namespace", store: func() esv1.GenericStore {
			s := valid()
			s.Auth = universalAuth(other)
			return clusterStore(s)
		}},
		{name: "a namespaced store may not reach another namespace", wantErr: credentials.NamespaceMismatchMessage, store: func() esv1.GenericStore {
			s := valid()
			s.Auth = universalAuth(other)
			return namespacedStore(s)
		}},
		{name: "a reference needs a key", wantErr: "clientSecret needs a name and a key", store: func() esv1.GenericStore {
			s := valid()
			s.Auth.UniversalAuthCredentials.ClientSecret.Key = ""
			return namespacedStore(s)
		}},
		{name: "no auth", wantErr: "found 0", store: func() esv1.GenericStore {
			s := valid()
			s.Auth = esv1.InfisicalAuth{}
			return namespacedStore(s)
		}},
		{name: "two auth methods", wantErr: "found 2", store: func() esv1.GenericStore {
			s := valid()
			s.Auth.TokenAuthCredentials = &esv1.TokenAuthCredentials{AccessToken: sel("token", nil)}
			return namespacedStore(s)
		}},
		{name: "project and environment are required", wantErr: "projectSlug and secretsScope.environmentSlug", store: func() esv1.GenericStore {
			s := valid()
			s.SecretsScope.EnvironmentSlug = ""
			return namespacedStore(s)
		}},
		{name: "hostAPI must be a URL", wantErr: "hostAPI", store: func() esv1.GenericStore {
			s := valid()
			s.HostAPI = "infisical.example.com"
			return namespacedStore(s)
		}},
		{name: "caBundle and caProvider exclude each other", wantErr: "mutually exclusive", store: func() esv1.GenericStore {
			s := valid()
			s.CABundle = []byte("x")
			s.CAProvider = &esv1.CAProvider{Type: esv1.CAProviderTypeSecret, Name: "ca"}
			return namespacedStore(s)
		}},
		{name: "a namespaced caProvider may not reach another namespace", wantErr: credentials.NamespaceMismatchMessage, store: func() esv1.GenericStore {
			s := valid()
			s.CAProvider = &esv1.CAProvider{Type: esv1.CAProviderTypeSecret, Name: "ca", Namespace: other}
			return namespacedStore(s)
		}},
		{name: "aws auth in a namespaced store", wantErr: "only allowed in a ClusterSecretStore", store: func() esv1.GenericStore {
			s := valid()
			s.Auth = esv1.InfisicalAuth{AwsAuthCredentials: &esv1.AwsAuthCredentials{IdentityID: sel("id", nil)}}
			return namespacedStore(s)
		}},
		{name: "aws auth in a ClusterSecretStore", store: func() esv1.GenericStore {
			s := valid()
			s.Auth = esv1.InfisicalAuth{AwsAuthCredentials: &esv1.AwsAuthCredentials{IdentityID: sel("id", other)}}
			return clusterStore(s)
		}},
		{name: "azure auth", wantErr: "not supported by this controller", store: func() esv1.GenericStore {
			s := valid()
			s.Auth = esv1.InfisicalAuth{AzureAuthCredentials: &esv1.AzureAuthCredentials{IdentityID: sel("id", nil)}}
			return namespacedStore(s)
		}},
		{name: "oci auth with an optional passphrase left out", store: func() esv1.GenericStore {
			s := valid()
			s.Auth = esv1.InfisicalAuth{OciAuthCredentials: &esv1.OciAuthCredentials{
				IdentityID: sel("id", nil), PrivateKey: sel("k", nil), Fingerprint: sel("f", nil),
				UserID: sel("u", nil), TenancyID: sel("t", nil), Region: sel("r", nil),
			}}
			return namespacedStore(s)
		}},
		{name: "not an infisical store", wantErr: "does not configure the infisical provider", store: func() esv1.GenericStore {
			return &esv1.SecretStore{TypeMeta: metav1.TypeMeta{Kind: esv1.SecretStoreKind}, Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{}}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New().ValidateStore(tc.store())
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateStore: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ValidateStore = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}
