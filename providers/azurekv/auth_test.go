package azurekv

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/azurekv/kvtest"
)

// readThrough reads the secret "probe" with a client of st built for testNamespace.
func (e *env) readThrough(st esv1.GenericStore) (string, error) {
	e.t.Helper()
	c, err := e.p.NewClient(ctx(), st, e.kube, testNamespace)
	if err != nil {
		return "", err
	}
	v, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "probe"})
	return string(v), err
}

func TestAuth_servicePrincipalSecret(t *testing.T) {
	e := newEnv(t)
	e.srv.SetSecret("probe", "ok", nil)
	if got, err := e.readThrough(e.store()); err != nil || got != "ok" {
		t.Fatalf("GetSecret = %q, %v", got, err)
	}
	reqs := e.srv.TokenRequests()
	if len(reqs) != 1 || reqs[0].Get("client_id") != testClientID || reqs[0].Get("client_secret") != testClientSecret {
		t.Fatalf("token requests = %d, want one with the client secret", len(reqs))
	}
	// The first vault request carries no token and is answered with the challenge.
	if r := e.srv.Requests(); len(r) != 2 {
		t.Errorf("vault requests = %v, want the challenge and the retry", r)
	}

	t.Run("the tenant can come from authSecretRef", func(t *testing.T) {
		got, err := e.readThrough(e.store(func(s *esv1.AzureKVProvider) {
			s.TenantID = nil
			s.AuthSecretRef.TenantID = &esmeta.SecretKeySelector{Name: "azure-creds", Key: "tenant-id"}
		}))
		if err != nil || got != "ok" {
			t.Fatalf("GetSecret = %q, %v", got, err)
		}
	})
	t.Run("a wrong client secret is ErrUnauthorized, without the secret", func(t *testing.T) {
		e.srv.Register(kvtest.App{ClientID: testClientID, Secret: "another-secret"})
		defer e.srv.Register(kvtest.App{ClientID: testClientID, Secret: testClientSecret})
		_, err := e.readThrough(e.store())
		mustFail(t, err, providers.ErrUnauthorized, testClientSecret, "another-secret")
		if !strings.Contains(err.Error(), "AADSTS7000215") {
			t.Errorf("error = %v, want Entra ID's reason", err)
		}
	})
	t.Run("a missing credential Secret fails NewClient", func(t *testing.T) {
		_, err := e.p.NewClient(ctx(), e.store(func(s *esv1.AzureKVProvider) { s.AuthSecretRef.ClientSecret.Name = "absent" }), e.kube, testNamespace)
		if err == nil || !strings.Contains(err.Error(), "absent") {
			t.Fatalf("NewClient error = %v", err)
		}
	})
}

func TestAuth_servicePrincipalCertificate(t *testing.T) {
	der, bundle := testCertificate(t, "sp")
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	certSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sp-cert", Namespace: testNamespace}, Data: map[string][]byte{"tls.pem": bundle}}
	e := newEnv(t, certSecret)
	e.srv.Register(kvtest.App{ClientID: "cert-app", Certificate: cert})
	e.srv.SetSecret("probe", "via-certificate", nil)
	clientIDSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "cert-app", Namespace: testNamespace}, Data: map[string][]byte{"id": []byte("cert-app")}}
	if err := e.kube.Create(ctx(), clientIDSecret); err != nil {
		t.Fatal(err)
	}
	st := e.store(func(s *esv1.AzureKVProvider) {
		s.AuthSecretRef = &esv1.AzureKVAuth{
			ClientID:          &esmeta.SecretKeySelector{Name: "cert-app", Key: "id"},
			ClientCertificate: &esmeta.SecretKeySelector{Name: "sp-cert", Key: "tls.pem"},
		}
	})
	if got, err := e.readThrough(st); err != nil || got != "via-certificate" {
		t.Fatalf("GetSecret = %q, %v", got, err)
	}
	reqs := e.srv.TokenRequests()
	if len(reqs) != 1 || reqs[0].Get("client_assertion") == "" || reqs[0].Has("client_secret") {
		t.Fatalf("token request = %v, want a signed client assertion", reqs)
	}

	t.Run("a certificate Secret without a key is refused without its content", func(t *testing.T) {
		bad := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "bad-cert", Namespace: testNamespace}, Data: map[string][]byte{"tls.pem": []byte("garbage-material")}}
		if err := e.kube.Create(ctx(), bad); err != nil {
			t.Fatal(err)
		}
		st.Spec.Provider.AzureKV.AuthSecretRef.ClientCertificate.Name = "bad-cert"
		_, err := e.p.NewClient(ctx(), st, e.kube, testNamespace)
		mustFail(t, err, nil, "garbage-material")
	})
}

// workloadKube holds a ServiceAccount with annotations and records the audiences of the
// tokens requested for it. The fake client answers a TokenRequest with "fake-token".
func workloadKube(t *testing.T, e *env, annotations map[string]string, audiences *[]string) client.Client {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "eso", Namespace: testNamespace, Annotations: annotations}}
	creds := &corev1.Secret{}
	if err := e.kube.Get(ctx(), client.ObjectKey{Namespace: testNamespace, Name: "azure-creds"}, creds); err != nil {
		t.Fatal(err)
	}
	creds.ResourceVersion = ""
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(sa, creds).WithInterceptorFuncs(interceptor.Funcs{
		SubResourceCreate: func(ctx context.Context, c client.Client, sub string, obj client.Object, subObj client.Object, opts ...client.SubResourceCreateOption) error {
			if tr, ok := subObj.(*authenticationv1.TokenRequest); ok {
				*audiences = tr.Spec.Audiences
			}
			return c.SubResource(sub).Create(ctx, obj, subObj, opts...)
		},
	}).Build()
}

func workloadSpec(mods ...func(*esv1.AzureKVProvider)) func(*esv1.AzureKVProvider) {
	return func(s *esv1.AzureKVProvider) {
		s.AuthType = ptr(esv1.AzureWorkloadIdentity)
		s.TenantID, s.AuthSecretRef = nil, nil
		s.ServiceAccountRef = &esmeta.ServiceAccountSelector{Name: "eso"}
		for _, m := range mods {
			m(s)
		}
	}
}

func TestAuth_workloadIdentity(t *testing.T) {
	e := newEnv(t)
	e.srv.Register(kvtest.App{ClientID: "wi-app", FederatedToken: "fake-token"})
	e.srv.SetSecret("probe", "via-federation", nil)
	var audiences []string
	e.kube = workloadKube(t, e, map[string]string{AnnotationClientID: "wi-app", AnnotationTenantID: testTenant}, &audiences)

	if got, err := e.readThrough(e.store(workloadSpec())); err != nil || got != "via-federation" {
		t.Fatalf("GetSecret = %q, %v", got, err)
	}
	if strings.Join(audiences, ",") != DefaultAudience {
		t.Errorf("token audiences = %v, want %s", audiences, DefaultAudience)
	}
	reqs := e.srv.TokenRequests()
	if len(reqs) != 1 || reqs[0].Get("client_id") != "wi-app" || reqs[0].Get("client_assertion") != "fake-token" {
		t.Fatalf("token requests = %v", reqs)
	}

	t.Run("the store's IDs and audiences win over the annotations", func(t *testing.T) {
		audiences = nil
		e.kube = workloadKube(t, e, map[string]string{AnnotationClientID: "other-app", AnnotationTenantID: "other-tenant"}, &audiences)
		st := e.store(workloadSpec(func(s *esv1.AzureKVProvider) {
			s.TenantID = ptr(testTenant)
			s.ServiceAccountRef.Audiences = []string{"extra"}
			s.AuthSecretRef = &esv1.AzureKVAuth{ClientID: &esmeta.SecretKeySelector{Name: "azure-creds", Key: "client-id"}}
		}))
		e.srv.Register(kvtest.App{ClientID: testClientID, FederatedToken: "fake-token"})
		defer e.srv.Register(kvtest.App{ClientID: testClientID, Secret: testClientSecret})
		if got, err := e.readThrough(st); err != nil || got != "via-federation" {
			t.Fatalf("GetSecret = %q, %v", got, err)
		}
		if strings.Join(audiences, ",") != "extra,"+DefaultAudience {
			t.Errorf("token audiences = %v", audiences)
		}
	})
	t.Run("a ServiceAccount without the client-id annotation is an error", func(t *testing.T) {
		e.kube = workloadKube(t, e, map[string]string{AnnotationTenantID: testTenant}, &audiences)
		_, err := e.p.NewClient(ctx(), e.store(workloadSpec()), e.kube, testNamespace)
		if err == nil || !strings.Contains(err.Error(), AnnotationClientID) {
			t.Fatalf("NewClient error = %v", err)
		}
	})
	t.Run("an assertion Entra ID does not federate is ErrUnauthorized", func(t *testing.T) {
		e.kube = workloadKube(t, e, map[string]string{AnnotationClientID: "wi-app", AnnotationTenantID: testTenant}, &audiences)
		e.srv.Register(kvtest.App{ClientID: "wi-app", FederatedToken: "another-token"})
		_, err := e.readThrough(e.store(workloadSpec()))
		mustFail(t, err, providers.ErrUnauthorized, "fake-token")
	})
}

func TestAuth_managedIdentity(t *testing.T) {
	e := newEnv(t)
	e.srv.SetSecret("probe", "via-managed-identity", nil)
	t.Setenv("IDENTITY_ENDPOINT", e.srv.ManagedIdentityEndpoint())
	t.Setenv("IDENTITY_HEADER", kvtest.ManagedIdentityHeader)
	mi := func(id *string) *esv1.SecretStore {
		return e.store(func(s *esv1.AzureKVProvider) {
			s.AuthType, s.AuthSecretRef, s.TenantID, s.IdentityID = ptr(esv1.AzureManagedIdentity), nil, nil, id
		})
	}
	const userAssigned = "7c5e9f41-aaaa-4bbb-8ccc-0123456789ab"
	const resourceID = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/eso"
	cases := []struct {
		name   string
		id     *string
		param  string
		wantID string
	}{
		{"the system-assigned identity", nil, "client_id", ""},
		{"a user-assigned identity by client ID", ptr(userAssigned), "client_id", userAssigned},
		{"a user-assigned identity by resource ID", ptr(resourceID), "mi_res_id", resourceID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.srv.RegisterManagedIdentity(tc.wantID)
			before := len(e.srv.TokenRequests())
			if got, err := e.readThrough(mi(tc.id)); err != nil || got != "via-managed-identity" {
				t.Fatalf("GetSecret = %q, %v", got, err)
			}
			reqs := e.srv.TokenRequests()[before:]
			if len(reqs) == 0 || reqs[len(reqs)-1].Get(tc.param) != tc.wantID || reqs[len(reqs)-1].Get("resource") != kvtest.VaultResource {
				t.Errorf("managed identity requests = %v", reqs)
			}
		})
	}
	t.Run("an identity the node does not have is an error", func(t *testing.T) {
		_, err := e.readThrough(mi(ptr("not-assigned")))
		if err == nil || errors.Is(err, providers.ErrSecretNotFound) {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestAuth_forbidden(t *testing.T) {
	e := newEnv(t)
	e.srv.SetSecret("probe", "secret-value", nil)
	e.srv.Forbid(testClientID)
	_, err := e.readThrough(e.store())
	mustFail(t, err, providers.ErrUnauthorized, "secret-value")
	if !strings.Contains(err.Error(), "403 Forbidden") {
		t.Errorf("error = %v", err)
	}
	if e.calls.get(CallGetSecret) != 1 {
		t.Errorf("a failed call is counted too: %v", e.calls)
	}
}

// TestReferent covers the namespace rules of a ClusterSecretStore's references.
func TestReferent(t *testing.T) {
	e := newEnv(t)
	e.srv.SetSecret("probe", "ok", nil)
	referent := clusterStore(e.spec())

	t.Run("without a namespace the client cannot authenticate and Validate is Unknown", func(t *testing.T) {
		c := e.clientIn(referent, "")
		if res, err := c.Validate(ctx()); res != esv1.ValidationResultUnknown || err != nil {
			t.Errorf("Validate = %v, %v", res, err)
		}
		_, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "probe"})
		mustFail(t, err, credentials.ErrReferentNamespace)
		if len(e.srv.TokenRequests()) != 0 {
			t.Error("a referent client without namespace asked for a token")
		}
	})
	t.Run("the ExternalSecret's namespace holds the credentials", func(t *testing.T) {
		if got, err := e.clientIn(referent, testNamespace).GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "probe"}); err != nil || string(got) != "ok" {
			t.Fatalf("GetSecret = %q, %v", got, err)
		}
		if _, err := e.p.NewClient(ctx(), referent, e.kube, "team-b"); err == nil || !strings.Contains(err.Error(), "team-b/azure-creds") {
			t.Fatalf("NewClient in a namespace without the Secret: %v", err)
		}
	})
	t.Run("a namespace in the reference wins for a ClusterSecretStore", func(t *testing.T) {
		st := clusterStore(e.spec(func(s *esv1.AzureKVProvider) {
			s.AuthSecretRef.ClientID.Namespace = ptr(testNamespace)
			s.AuthSecretRef.ClientSecret.Namespace = ptr(testNamespace)
		}))
		c := e.clientIn(st, "")
		if res, err := c.Validate(ctx()); res != esv1.ValidationResultReady || err != nil {
			t.Errorf("Validate = %v, %v", res, err)
		}
	})
	t.Run("a namespaced store ignores the reference's namespace", func(t *testing.T) {
		st := e.store(func(s *esv1.AzureKVProvider) { s.AuthSecretRef.ClientSecret.Namespace = ptr("team-b") })
		if _, err := e.clientIn(st, "team-b").GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "probe"}); err != nil {
			t.Fatalf("GetSecret: %v", err)
		}
	})
}

func TestClient_Validate(t *testing.T) {
	e := newEnv(t)
	if res, err := e.client(e.store()).Validate(ctx()); res != esv1.ValidationResultReady || err != nil {
		t.Fatalf("Validate = %v, %v", res, err)
	}
	if reqs := e.srv.TokenRequests(); len(reqs) != 1 || !strings.HasPrefix(reqs[0].Get("scope"), "https://vault.azure.net/.default") {
		t.Errorf("token requests = %v", reqs)
	}
	if len(e.srv.Requests()) != 0 {
		t.Error("Validate called the vault")
	}
	e.srv.Register(kvtest.App{ClientID: testClientID, Secret: "rotated"})
	res, err := e.client(e.store()).Validate(ctx())
	if res != esv1.ValidationResultError {
		t.Errorf("Validate with a wrong secret = %v", res)
	}
	mustFail(t, err, providers.ErrUnauthorized, testClientSecret)

	unreachable := New(WithAuthorityHost("https://127.0.0.1:1"), WithCallObserver(e.calls))
	noRetries := e.store()
	noRetries.Spec.RetrySettings = &esv1.SecretStoreRetrySettings{MaxRetries: ptr(int32(0))}
	c, err := unreachable.NewClient(ctx(), noRetries, e.kube, testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Validate(ctx()); res != esv1.ValidationResultUnknown || err == nil {
		t.Errorf("Validate with Entra ID unreachable = %v, %v", res, err)
	}
	if e.calls.get(CallGetToken) != 3 {
		t.Errorf("GetToken calls = %d, want 3", e.calls.get(CallGetToken))
	}
}
