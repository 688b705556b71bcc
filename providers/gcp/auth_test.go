package gcp

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers/gcp/gcpauth"
)

const (
	federatedToken    = "ya29.federated"
	impersonatedToken = "ya29.impersonated"
	gsaEmail          = "eso@my-proj.iam.gserviceaccount.com"
)

// googleServer plays Google STS (/v1/token) and IAM Credentials
// (/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken). STS accepts the subject token
// "fake-token" (what the fake TokenRequest issues) and issues federatedToken; IAM
// Credentials accepts that token and issues impersonatedToken.
type googleServer struct {
	*httptest.Server
	mu        sync.Mutex
	audiences []string
	impersons []string
}

func newGoogleServer(t *testing.T) *googleServer {
	t.Helper()
	g := &googleServer{}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.Close)
	return g
}

func (g *googleServer) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/token":
		if r.ParseForm() != nil || r.PostForm.Get("subject_token") != "fake-token" ||
			r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange" || r.PostForm.Get("scope") != scope {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unexpected subject token")
			return
		}
		g.audiences = append(g.audiences, r.PostForm.Get("audience"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"access_token":%q,"issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3600}`, federatedToken)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, ":generateAccessToken"):
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+federatedToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`)
			return
		}
		g.impersons = append(g.impersons, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/projects/-/serviceAccounts/"), ":generateAccessToken"))
		_, _ = fmt.Fprintf(w, `{"accessToken":%q,"expireTime":"2030-01-01T00:00:00Z"}`, impersonatedToken)
	default:
		http.NotFound(w, r)
	}
}

func (g *googleServer) options() []Option {
	return []Option{WithSTSEndpoint(g.URL + "/v1/token"), WithIAMCredentialsEndpoint(g.URL + "/v1")}
}

func serviceAccount(namespace string, annotations map[string]string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "eso", Namespace: namespace, Annotations: annotations}}
}

// readDB reads secret db through a fresh client of st and checks the value.
func readDB(t *testing.T, e *env, st esv1.GenericStore, namespace string, opts ...Option) {
	t.Helper()
	c, err := e.provider(opts...).NewClient(ctx(), st, e.kube, namespace)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close(ctx()) }()
	got, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "user"})
	if err != nil || string(got) != "admin" {
		t.Fatalf("db.user = %q, %v", got, err)
	}
}

func TestProvider_serviceAccountKey(t *testing.T) {
	e := newEnv(t)
	seed(e)
	readDB(t, e, store(), testNamespace)
	if n := e.calls.get(gcpauth.CallToken); n != 1 {
		t.Errorf("Token calls = %d, want 1", n)
	}
}

// TestProvider_tokenChecked: Secret Manager refuses a token it does not know; the error is
// ErrUnauthorized and carries no token.
func TestProvider_tokenChecked(t *testing.T) {
	e := newEnv(t)
	seed(e)
	e.sm.RequireToken("ya29.someone-else")
	c := e.client(t, store())
	_, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db"})
	if kindOf(err) != "unauthorized" || !strings.Contains(err.Error(), "invalid authentication credentials") {
		t.Errorf("error = %v, want ErrUnauthorized from Unauthenticated", err)
	}
	if err != nil && strings.Contains(err.Error(), keyToken) {
		t.Errorf("error %q contains the token", err)
	}
	if _, err := c.GetAllSecrets(ctx(), esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "."}}); kindOf(err) != "unauthorized" {
		t.Errorf("find: error = %v, want ErrUnauthorized", err)
	}
}

func TestProvider_permissionDenied(t *testing.T) {
	e := newEnv(t)
	seed(e)
	e.sm.Deny(testProject, "", "db")
	c := e.client(t, store())
	_, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db"})
	if kindOf(err) != "unauthorized" || !strings.Contains(err.Error(), "secretmanager.versions.access") {
		t.Errorf("error = %v, want ErrUnauthorized naming the permission", err)
	}
	other := e.client(t, store(func(p *esv1.GCPSMProvider) { p.ProjectID = "not-mine" }))
	if _, err := other.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db"}); kindOf(err) != "unauthorized" {
		t.Errorf("unknown project: error = %v, want ErrUnauthorized", err)
	}
}

func TestProvider_serviceAccountKeyRefused(t *testing.T) {
	e := newEnv(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e.kube = fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(keySecret(testNamespace, keyJSON(t, e.tokens.URL, other))).Build()
	_, err = e.provider().NewClient(ctx(), store(), e.kube, testNamespace)
	if kindOf(err) != "unauthorized" || !strings.Contains(err.Error(), "Invalid JWT Signature") || !strings.Contains(err.Error(), testEmail) {
		t.Errorf("error = %v, want ErrUnauthorized with the token endpoint's refusal", err)
	}
}

// TestProvider_keyNotQuoted: a Secret value that is not a usable key must not appear in
// the error, which ends up in conditions and events.
func TestProvider_keyNotQuoted(t *testing.T) {
	const secret = "MIIEsecretkeymaterial"
	for name, value := range map[string]string{
		"not JSON":     secret,
		"not a key":    `{"type":"authorized_user","client_secret":"` + secret + `"}`,
		"broken key":   `{"type":"service_account","client_email":"a@b","private_key":"` + secret + `","token_uri":"http://127.0.0.1:1/token"}`,
		"invalid JSON": `{"private_key":"` + secret + `"`,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.kube = fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(keySecret(testNamespace, []byte(value))).Build()
			_, err := e.provider().NewClient(ctx(), store(), e.kube, testNamespace)
			if err == nil || strings.Contains(err.Error(), secret) {
				t.Errorf("error = %v, want one without the key", err)
			}
		})
	}
}

func TestProvider_workloadIdentity(t *testing.T) {
	g := newGoogleServer(t)
	e := newEnv(t, serviceAccount(testNamespace, map[string]string{gcpauth.AnnotationServiceAccount: gsaEmail}))
	seed(e)
	e.sm.RequireToken(impersonatedToken)
	st := store(func(p *esv1.GCPSMProvider) {
		p.Auth = esv1.GCPSMAuth{WorkloadIdentity: &esv1.GCPWorkloadIdentity{
			ServiceAccountRef: esmeta.ServiceAccountSelector{Name: "eso"},
			ClusterProjectID:  "cluster-proj", ClusterLocation: "europe-west1", ClusterName: "c1",
		}}
	})
	readDB(t, e, st, testNamespace, g.options()...)
	want := "identitynamespace:cluster-proj.svc.id.goog:https://container.googleapis.com/v1/projects/cluster-proj/locations/europe-west1/clusters/c1"
	if len(g.audiences) != 1 || g.audiences[0] != want {
		t.Errorf("STS audiences = %v, want %s", g.audiences, want)
	}
	if len(g.impersons) != 1 || g.impersons[0] != gsaEmail {
		t.Errorf("impersonated = %v, want %s from the annotation", g.impersons, gsaEmail)
	}
	if e.calls.get(gcpauth.CallExchangeToken) != 1 || e.calls.get(gcpauth.CallGenerateAccessToken) != 1 {
		t.Errorf("calls = %v", e.calls)
	}
}

func TestProvider_workloadIdentityFederation(t *testing.T) {
	g := newGoogleServer(t)
	e := newEnv(t, serviceAccount(testNamespace, nil))
	seed(e)
	e.sm.RequireToken(federatedToken)
	const pool = "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/k8s/providers/cluster"
	st := store(func(p *esv1.GCPSMProvider) {
		p.Auth = esv1.GCPSMAuth{WorkloadIdentityFederation: &esv1.GCPWorkloadIdentityFederation{
			ServiceAccountRef: &esmeta.ServiceAccountSelector{Name: "eso"},
			Audience:          pool,
		}}
	})
	readDB(t, e, st, testNamespace, g.options()...)
	if len(g.audiences) != 1 || g.audiences[0] != pool || len(g.impersons) != 0 {
		t.Errorf("STS audiences = %v, impersonated %v; want the pool and no impersonation", g.audiences, g.impersons)
	}
	st.Spec.Provider.GCPSM.Auth.WorkloadIdentityFederation.CredConfig = &esv1.ConfigMapReference{Name: "cfg", Key: "c.json"}
	if _, err := e.provider(g.options()...).NewClient(ctx(), st, e.kube, testNamespace); kindOf(err) != "unsupported" {
		t.Errorf("credConfig: error = %v, want ErrNotSupported", err)
	}
}

// TestProvider_applicationDefaultCredentials: without auth, the controller's own
// credentials are used (here a key file named by GOOGLE_APPLICATION_CREDENTIALS).
func TestProvider_applicationDefaultCredentials(t *testing.T) {
	e := newEnv(t)
	seed(e)
	file := filepath.Join(t.TempDir(), "adc.json")
	if err := os.WriteFile(file, keyJSON(t, e.tokens.URL, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", file)
	readDB(t, e, store(func(p *esv1.GCPSMProvider) { p.Auth = esv1.GCPSMAuth{} }), testNamespace)
}

// TestProvider_referentNamespaces: where credential references are read from, for both
// store kinds (§5.1).
func TestProvider_referentNamespaces(t *testing.T) {
	t.Run("a SecretStore ignores the namespace in its reference", func(t *testing.T) {
		e := newEnv(t)
		seed(e)
		readDB(t, e, store(func(p *esv1.GCPSMProvider) {
			p.Auth.SecretRef.SecretAccessKey.Namespace = ptr("elsewhere")
		}), "team-b")
	})
	t.Run("a ClusterSecretStore reads a reference without namespace in the ExternalSecret's namespace", func(t *testing.T) {
		e := newEnv(t)
		seed(e)
		readDB(t, e, clusterStore(), testNamespace)
		if _, err := e.provider().NewClient(ctx(), clusterStore(), e.kube, "team-b"); err == nil || !strings.Contains(err.Error(), "team-b/gcp-key not found") {
			t.Errorf("from team-b: error = %v, want the key missing in team-b", err)
		}
	})
	t.Run("a ClusterSecretStore honours the namespace in its reference", func(t *testing.T) {
		e := newEnv(t)
		seed(e)
		if err := e.kube.Create(ctx(), keySecret("keys", keyJSON(t, e.tokens.URL, nil))); err != nil {
			t.Fatal(err)
		}
		readDB(t, e, clusterStore(func(p *esv1.GCPSMProvider) {
			p.Auth.SecretRef.SecretAccessKey.Namespace = ptr("keys")
		}), "team-b")
	})
	t.Run("a referent ClusterSecretStore validated without namespace is Unknown", func(t *testing.T) {
		e := newEnv(t)
		seed(e)
		c, err := e.provider().NewClient(ctx(), clusterStore(), e.kube, "")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close(ctx()) }()
		if r, err := c.Validate(ctx()); r != esv1.ValidationResultUnknown || err != nil {
			t.Errorf("Validate = %v, %v; want Unknown", r, err)
		}
		if _, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db"}); !errors.Is(err, credentials.ErrReferentNamespace) {
			t.Errorf("GetSecret error = %v, want ErrReferentNamespace", err)
		}
		if n := e.calls.get(gcpauth.CallToken); n != 0 {
			t.Errorf("Token calls = %d, want none", n)
		}
	})
	t.Run("a usable client is Ready", func(t *testing.T) {
		e := newEnv(t)
		c := e.client(t, store())
		if r, err := c.Validate(ctx()); r != esv1.ValidationResultReady || err != nil {
			t.Errorf("Validate = %v, %v; want Ready", r, err)
		}
	})
}

func TestProvider_missingKeySecret(t *testing.T) {
	e := newEnv(t)
	e.kube = fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects([]client.Object{}...).Build()
	_, err := e.provider().NewClient(ctx(), store(), e.kube, testNamespace)
	if err == nil || !strings.Contains(err.Error(), "secretAccessKeySecretRef") || !strings.Contains(err.Error(), "not found") {
		t.Errorf("error = %v, want one naming the reference", err)
	}
}

func ptr(s string) *string { return &s }
