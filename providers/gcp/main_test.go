package gcp

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/gcp/gcpsmtest"
	"github.com/seedb5e69c69/external-secrets/providers/providertest"
)

const (
	testProject   = "my-proj"
	testNumber    = "123456789"
	testNamespace = "team-a"
	testEmail     = "reader@my-proj.iam.gserviceaccount.com"
	testKeyID     = "key-1"
	keyToken      = "ya29.from-key"
	scope         = "https://www.googleapis.com/auth/cloud-platform"
)

// signingKey is the service account's key pair, made once: RSA generation is the slowest
// part of these tests.
var signingKey *rsa.PrivateKey

func TestMain(m *testing.M) {
	var err error
	if signingKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func ctx() context.Context { return context.Background() }

// tokenServer is a Google OAuth2 token endpoint for service-account keys: it accepts the
// JWT-bearer grant only when the assertion is signed by signingKey and names the expected
// issuer, scope and audience, and then issues keyToken.
func newTokenServer(t *testing.T) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.URL.Path != "/token" || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
			oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
			return
		}
		if err := verifyAssertion(r.Form.Get("assertion"), srv.URL+"/token"); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"access_token":%q,"expires_in":3599,"token_type":"Bearer"}`, keyToken)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func verifyAssertion(assertion, audience string) error {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return errors.New("not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&signingKey.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return errors.New("Invalid JWT Signature.")
	}
	var claims struct{ Iss, Scope, Aud string }
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		return errors.New("undecodable JWT")
	}
	if claims.Iss != testEmail || claims.Scope != scope || claims.Aud != audience {
		return fmt.Errorf("unexpected claims %+v", claims)
	}
	return nil
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// keyJSON is a service-account key for key (signingKey when nil) at the token server.
func keyJSON(t *testing.T, tokenURL string, key *rsa.PrivateKey) []byte {
	t.Helper()
	if key == nil {
		key = signingKey
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     testProject,
		"private_key_id": testKeyID,
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   testEmail,
		"token_uri":      tokenURL + "/token",
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// env is one emulated Google: Secret Manager requiring the token the key earns, the token
// endpoint, and a Kubernetes API holding the key in team-a/gcp-key.
type env struct {
	sm     *gcpsmtest.Server
	tokens *httptest.Server
	calls  *calls
	kube   client.Client
}

func newEnv(t *testing.T, objs ...client.Object) *env {
	t.Helper()
	e := &env{sm: gcpsmtest.New(t, map[string]string{testProject: testNumber}), tokens: newTokenServer(t), calls: &calls{}}
	e.sm.RequireToken(keyToken)
	key := keySecret(testNamespace, keyJSON(t, e.tokens.URL, nil))
	e.kube = fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(append(objs, key)...).Build()
	return e
}

func keySecret(namespace string, key []byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "gcp-key", Namespace: namespace},
		Data:       map[string][]byte{"key.json": key},
	}
}

func (e *env) provider(opts ...Option) *Provider {
	return New(append([]Option{WithCallObserver(e.calls), WithClientOptions(e.sm.ClientOptions()...)}, opts...)...)
}

// store is a SecretStore in team-a reading the key from gcp-key; mods change its spec.
func store(mods ...func(*esv1.GCPSMProvider)) *esv1.SecretStore {
	spec := &esv1.GCPSMProvider{
		ProjectID: testProject,
		Auth: esv1.GCPSMAuth{SecretRef: &esv1.GCPSMAuthSecretRef{
			SecretAccessKey: esmeta.SecretKeySelector{Name: "gcp-key", Key: "key.json"},
		}},
	}
	for _, m := range mods {
		m(spec)
	}
	return &esv1.SecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.SecretStoreKind, APIVersion: esv1.GroupVersion.String()},
		ObjectMeta: metav1.ObjectMeta{Name: "gcp", Namespace: testNamespace},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{GCPSM: spec}},
	}
}

func clusterStore(mods ...func(*esv1.GCPSMProvider)) *esv1.ClusterSecretStore {
	s := store(mods...)
	return &esv1.ClusterSecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.ClusterSecretStoreKind, APIVersion: esv1.GroupVersion.String()},
		ObjectMeta: metav1.ObjectMeta{Name: "gcp"},
		Spec:       s.Spec,
	}
}

// client builds a client of st for team-a and closes it with the test.
func (e *env) client(t *testing.T, st esv1.GenericStore, opts ...Option) *Client {
	t.Helper()
	c, err := e.provider(opts...).NewClient(ctx(), st, e.kube, testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(ctx()) })
	return c.(*Client)
}

// notFound, unauthorized and plain classify an error for table tests.
func kindOf(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, providers.ErrSecretNotFound):
		return "notfound"
	case errors.Is(err, providers.ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, providers.ErrNotSupported):
		return "unsupported"
	default:
		return "error"
	}
}

// calls counts the provider's API calls.
type calls struct{ providertest.CallRecorder }

func (c *calls) get(call string) int { return c.Count(MetricsLabel, call, "") }
