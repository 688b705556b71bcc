package gcr

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
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers/providertest"
)

// Wire values of Google's token endpoints, written out so that the tests check what is sent
// independently of the code that sends it.
const (
	cloudPlatformScope     = "https://www.googleapis.com/auth/cloud-platform"
	grantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeJWT           = "urn:ietf:params:oauth:token-type:jwt"
	tokenTypeAccessToken   = "urn:ietf:params:oauth:token-type:access_token"
)

const (
	testNamespace = "team-a"
	testEmail     = "puller@proj.iam.gserviceaccount.com"
	testKeyID     = "key-1"
)

func ctx() context.Context { return context.Background() }

// manifest is the generator object as the ExternalSecret controller passes it.
func manifest(t *testing.T, spec string) *apiextensionsv1.JSON {
	t.Helper()
	raw := fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"name":"gcr","namespace":%q},"spec":%s}`,
		genv1alpha1.GroupVersion.String(), genv1alpha1.GCRAccessTokenKind, testNamespace, spec)
	if !json.Valid([]byte(raw)) {
		t.Fatalf("invalid manifest: %s", raw)
	}
	return &apiextensionsv1.JSON{Raw: []byte(raw)}
}

// tokenServer is a Google OAuth2 token endpoint for service-account keys: it accepts the
// JWT-bearer grant only when the assertion is signed by key and names the expected issuer,
// scope and audience, and then issues accessToken.
type tokenServer struct {
	*httptest.Server
	key         *rsa.PrivateKey
	accessToken string
}

func newTokenServer(t *testing.T, accessToken string) *tokenServer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := &tokenServer{key: key, accessToken: accessToken}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.URL.Path != "/token" || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	if err := s.verify(r.Form.Get("assertion")); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_grant: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"access_token":%q,"expires_in":3599,"token_type":"Bearer"}`, s.accessToken)
}

// verify checks an RS256 JWT against the server's public key and its claims.
func (s *tokenServer) verify(assertion string) error {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return fmt.Errorf("not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return fmt.Errorf("bad signature")
	}
	var header struct{ Alg, Kid string }
	var claims struct{ Iss, Scope, Aud string }
	if decodeSegment(parts[0], &header) != nil || decodeSegment(parts[1], &claims) != nil {
		return fmt.Errorf("undecodable JWT")
	}
	if header.Alg != "RS256" || header.Kid != testKeyID || claims.Iss != testEmail || claims.Scope != cloudPlatformScope || claims.Aud != s.URL+"/token" {
		return fmt.Errorf("unexpected header %+v or claims %+v", header, claims)
	}
	return nil
}

func decodeSegment(seg string, into any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, into)
}

// keyJSON is a service-account key for the server's key pair (or for key when given).
func (s *tokenServer) keyJSON(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	if key == nil {
		key = s.key
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "proj",
		"private_key_id": testKeyID,
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   testEmail,
		"token_uri":      s.URL + "/token",
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func oauthError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	code, desc, _ := strings.Cut(msg, ": ")
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// stsRequest is what the STS server saw of one exchange.
type stsRequest struct {
	form map[string]string
}

// googleServer plays Google STS (/v1/token) and IAM Credentials
// (/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken). STS accepts the subject token
// "fake-token" (what the fake TokenRequest issues) and issues "federated-token"; IAM
// Credentials accepts that token and issues "ya29.impersonated" for any service account.
type googleServer struct {
	*httptest.Server
	mu          sync.Mutex
	exchanges   []stsRequest
	impersonate []string // service accounts
	stsStatus   int      // when set, STS refuses with this status
}

const (
	federatedToken    = "federated-token"
	impersonatedToken = "ya29.impersonated"
	impersonatedUntil = "2030-01-01T00:00:00Z"
)

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
		g.exchange(w, r)
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/projects/-/serviceAccounts/") && strings.HasSuffix(r.URL.Path, ":generateAccessToken"):
		g.generate(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (g *googleServer) exchange(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request: not a form")
		return
	}
	req := stsRequest{form: map[string]string{}}
	for k := range r.PostForm {
		req.form[k] = r.PostForm.Get(k)
	}
	g.exchanges = append(g.exchanges, req)
	if g.stsStatus != 0 {
		oauthError(w, g.stsStatus, "invalid_grant: the identity pool does not trust this issuer")
		return
	}
	if req.form["subject_token"] != "fake-token" || req.form["grant_type"] != grantTypeTokenExchange || req.form["subject_token_type"] != tokenTypeJWT {
		oauthError(w, http.StatusBadRequest, "invalid_grant: unexpected subject token")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"access_token":%q,"issued_token_type":%q,"token_type":"Bearer","expires_in":3600}`, federatedToken, tokenTypeAccessToken)
}

func (g *googleServer) generate(w http.ResponseWriter, r *http.Request) {
	var body struct{ Scope []string }
	raw, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+federatedToken {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`)
		return
	}
	if json.Unmarshal(raw, &body) != nil || len(body.Scope) != 1 || body.Scope[0] != cloudPlatformScope {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":{"code":400,"message":"bad scope","status":"INVALID_ARGUMENT"}}`)
		return
	}
	sa := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/projects/-/serviceAccounts/"), ":generateAccessToken")
	g.impersonate = append(g.impersonate, sa)
	_, _ = fmt.Fprintf(w, `{"accessToken":%q,"expireTime":%q}`, impersonatedToken, impersonatedUntil)
}

func (g *googleServer) generator(opts ...Option) *Generator {
	return New(append([]Option{WithSTSEndpoint(g.URL + "/v1/token"), WithIAMCredentialsEndpoint(g.URL + "/v1")}, opts...)...)
}

// saKube holds the ServiceAccount "puller" with annotations (and more objects) and records
// the audiences of the tokens requested for it; the fake client issues "fake-token".
func saKube(annotations map[string]string, audiences *[]string, objs ...client.Object) client.Client {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "puller", Namespace: testNamespace, Annotations: annotations}}
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(append(objs, sa)...).WithInterceptorFuncs(interceptor.Funcs{
		SubResourceCreate: func(ctx context.Context, c client.Client, sub string, obj client.Object, subObj client.Object, opts ...client.SubResourceCreateOption) error {
			if tr, ok := subObj.(*authenticationv1.TokenRequest); ok && audiences != nil {
				*audiences = tr.Spec.Audiences
			}
			return c.SubResource(sub).Create(ctx, obj, subObj, opts...)
		},
	}).Build()
}

func keySecret(value []byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "gcp-key", Namespace: testNamespace},
		Data:       map[string][]byte{"key.json": value},
	}
}

// calls counts the generator's API calls.
type calls struct{ providertest.CallRecorder }

func (c *calls) get(call string) int { return c.Count(MetricsLabel, call, "") }
