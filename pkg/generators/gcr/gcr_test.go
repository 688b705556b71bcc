package gcr

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seedb5e69c69/external-secrets/providers"
)

const keyRefSpec = `{"projectID":"proj","auth":{"secretRef":{"secretAccessKeySecretRef":{"name":"gcp-key","key":"key.json","namespace":"elsewhere"}}}}`

// expiryWithin checks that expiry (Unix seconds) lies between the times around a call plus
// lifetime; bounds rather than a clock reading, so the check does not depend on speed.
func expiryWithin(t *testing.T, expiry []byte, before, after time.Time, lifetime time.Duration) {
	t.Helper()
	got, err := strconv.ParseInt(string(expiry), 10, 64)
	if err != nil {
		t.Fatalf("expiry %q: %v", expiry, err)
	}
	if lo, hi := before.Add(lifetime).Unix()-1, after.Add(lifetime).Unix()+1; got < lo || got > hi {
		t.Errorf("expiry = %d, want within [%d, %d]", got, lo, hi)
	}
}

func TestGenerator_serviceAccountKey(t *testing.T) {
	srv := newTokenServer(t, "ya29.from-key")
	c := &calls{}
	// The namespace written in the reference is ignored: generators read credentials from
	// the ExternalSecret's namespace.
	kube := saKube(nil, nil, keySecret(srv.keyJSON(t, nil)))

	before := time.Now()
	out, state, err := New(WithCallObserver(c)).Generate(ctx(), manifest(t, keyRefSpec), kube, testNamespace)
	after := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	if state != nil {
		t.Errorf("state = %s, want none", state.Raw)
	}
	if len(out) != 3 || string(out[KeyUsername]) != "oauth2accesstoken" || string(out[KeyPassword]) != "ya29.from-key" {
		t.Errorf("output = %q", out)
	}
	expiryWithin(t, out[KeyExpiry], before, after, 3599*time.Second)
	if n := c.get(CallToken); n != 1 {
		t.Errorf("Token calls counted = %d, want 1", n)
	}
}

// TestGenerator_serviceAccountKeyRefused: the token endpoint checks the assertion's
// signature, so a key that is not the service account's is refused.
func TestGenerator_serviceAccountKeyRefused(t *testing.T) {
	srv := newTokenServer(t, "ya29.never")
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	kube := saKube(nil, nil, keySecret(srv.keyJSON(t, other)))
	_, _, err = New().Generate(ctx(), manifest(t, keyRefSpec), kube, testNamespace)
	if err == nil || !strings.Contains(err.Error(), "bad signature") || !strings.Contains(err.Error(), testEmail) {
		t.Errorf("error = %v, want the token endpoint's refusal naming the service account", err)
	}
}

// TestGenerator_keyIsNotQuoted: a Secret value that is not a usable key must not appear in
// the error, which ends up in conditions and events.
func TestGenerator_keyIsNotQuoted(t *testing.T) {
	const secret = "-----BEGIN PRIVATE KEY-----MIIEsecret"
	for name, value := range map[string]string{
		"not JSON":     secret,
		"not a key":    `{"type":"authorized_user","client_secret":"` + secret + `"}`,
		"broken key":   `{"type":"service_account","client_email":"a@b","private_key":"` + secret + `","token_uri":"http://127.0.0.1:1/token"}`,
		"invalid JSON": `{"private_key":"` + secret + `"`,
	} {
		t.Run(name, func(t *testing.T) {
			kube := saKube(nil, nil, keySecret([]byte(value)))
			_, _, err := New().Generate(ctx(), manifest(t, keyRefSpec), kube, testNamespace)
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), "MIIEsecret") {
				t.Errorf("error %q contains the key", err)
			}
		})
	}
}

func TestGenerator_missingKeySecret(t *testing.T) {
	_, _, err := New().Generate(ctx(), manifest(t, keyRefSpec), saKube(nil, nil), testNamespace)
	if err == nil || !strings.Contains(err.Error(), "secretAccessKeySecretRef") || !strings.Contains(err.Error(), "not found") {
		t.Errorf("error = %v, want one naming the reference", err)
	}
}

const wiSpec = `{"projectID":"proj","auth":{"workloadIdentity":{"serviceAccountRef":{"name":"puller","audiences":["extra"]},` +
	`"clusterProjectID":"cluster-proj","clusterLocation":"europe-west1","clusterName":"c1"}}}`

func TestGenerator_workloadIdentity(t *testing.T) {
	g := newGoogleServer(t)
	c := &calls{}
	var audiences []string
	kube := saKube(map[string]string{AnnotationServiceAccount: testEmail}, &audiences)

	out, _, err := g.generator(WithCallObserver(c)).Generate(ctx(), manifest(t, wiSpec), kube, testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if string(out[KeyPassword]) != impersonatedToken || string(out[KeyUsername]) != Username {
		t.Errorf("output = %q, want the impersonated service account's token", out)
	}
	until, _ := time.Parse(time.RFC3339, impersonatedUntil)
	if string(out[KeyExpiry]) != strconv.FormatInt(until.Unix(), 10) {
		t.Errorf("expiry = %s, want the expireTime of generateAccessToken", out[KeyExpiry])
	}
	if strings.Join(audiences, ",") != "extra,cluster-proj.svc.id.goog" {
		t.Errorf("ServiceAccount token audiences = %v, want the reference's and the identity pool", audiences)
	}
	if len(g.exchanges) != 1 {
		t.Fatalf("STS exchanges = %d, want 1", len(g.exchanges))
	}
	want := map[string]string{
		"audience":             "identitynamespace:cluster-proj.svc.id.goog:https://container.googleapis.com/v1/projects/cluster-proj/locations/europe-west1/clusters/c1",
		"scope":                cloudPlatformScope,
		"requested_token_type": tokenTypeAccessToken,
	}
	for k, v := range want {
		if got := g.exchanges[0].form[k]; got != v {
			t.Errorf("STS %s = %q, want %q", k, got, v)
		}
	}
	if strings.Join(g.impersonate, ",") != testEmail {
		t.Errorf("impersonated = %v, want %s from the annotation", g.impersonate, testEmail)
	}
	if c.get(CallExchangeToken) != 1 || c.get(CallGenerateAccessToken) != 1 {
		t.Errorf("calls counted = %v", c)
	}
}

// TestGenerator_workloadIdentityWithoutAnnotation uses the federated token itself, for IAM
// bindings on the Kubernetes ServiceAccount's principal.
func TestGenerator_workloadIdentityWithoutAnnotation(t *testing.T) {
	g := newGoogleServer(t)
	before := time.Now()
	out, _, err := g.generator().Generate(ctx(), manifest(t, wiSpec), saKube(nil, nil), testNamespace)
	after := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	if string(out[KeyPassword]) != federatedToken || len(g.impersonate) != 0 {
		t.Errorf("password = %q, impersonated %v; want the federated token, no impersonation", out[KeyPassword], g.impersonate)
	}
	expiryWithin(t, out[KeyExpiry], before, after, time.Hour)
}

// TestGenerator_workloadIdentityClusterFromMetadata leaves the cluster out of the spec: the
// controller reads it from the GKE metadata server, found through GCE_METADATA_HOST.
func TestGenerator_workloadIdentityClusterFromMetadata(t *testing.T) {
	g := newGoogleServer(t)
	md := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := map[string]string{
			"/computeMetadata/v1/project/project-id":                   "md-proj",
			"/computeMetadata/v1/instance/attributes/cluster-location": "us-central1",
			"/computeMetadata/v1/instance/attributes/cluster-name":     "md-cluster",
		}
		v, ok := values[r.URL.Path]
		if !ok || r.Header.Get("Metadata-Flavor") != "Google" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Metadata-Flavor", "Google")
		_, _ = w.Write([]byte(v))
	}))
	defer md.Close()
	t.Setenv("GCE_METADATA_HOST", strings.TrimPrefix(md.URL, "http://"))
	spec := `{"projectID":"proj","auth":{"workloadIdentity":{"serviceAccountRef":{"name":"puller"},"clusterLocation":"spec-location"}}}`

	if _, _, err := g.generator().Generate(ctx(), manifest(t, spec), saKube(nil, nil), testNamespace); err != nil {
		t.Fatal(err)
	}
	want := "identitynamespace:md-proj.svc.id.goog:https://container.googleapis.com/v1/projects/md-proj/locations/spec-location/clusters/md-cluster"
	if len(g.exchanges) != 1 || g.exchanges[0].form["audience"] != want {
		t.Errorf("STS exchanges = %v, want audience %s", g.exchanges, want)
	}
}

func TestGenerator_workloadIdentityRefused(t *testing.T) {
	g := newGoogleServer(t)
	g.stsStatus = http.StatusUnauthorized
	_, _, err := g.generator().Generate(ctx(), manifest(t, wiSpec), saKube(nil, nil), testNamespace)
	if !errors.Is(err, providers.ErrUnauthorized) || !strings.Contains(err.Error(), "does not trust this issuer") {
		t.Errorf("error = %v, want ErrUnauthorized with STS's explanation", err)
	}
	if strings.Contains(err.Error(), "fake-token") {
		t.Errorf("error %q contains the ServiceAccount token", err)
	}
}

func TestGenerator_workloadIdentityFederation(t *testing.T) {
	g := newGoogleServer(t)
	var audiences []string
	const pool = "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/k8s/providers/cluster"
	spec := `{"projectID":"proj","auth":{"workloadIdentityFederation":{"serviceAccountRef":{"name":"puller","audiences":["https://iam.googleapis.com/projects/123"]},` +
		`"audience":"` + pool + `","gcpServiceAccountEmail":"` + testEmail + `"}}}`

	out, _, err := g.generator().Generate(ctx(), manifest(t, spec), saKube(nil, &audiences), testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if string(out[KeyPassword]) != impersonatedToken {
		t.Errorf("password = %q, want the impersonated token", out[KeyPassword])
	}
	if strings.Join(audiences, ",") != "https://iam.googleapis.com/projects/123" {
		t.Errorf("ServiceAccount token audiences = %v, want the reference's only", audiences)
	}
	if len(g.exchanges) != 1 || g.exchanges[0].form["audience"] != pool {
		t.Errorf("STS exchanges = %v, want audience %s", g.exchanges, pool)
	}
	if strings.Join(g.impersonate, ",") != testEmail {
		t.Errorf("impersonated = %v", g.impersonate)
	}
}

func TestGenerator_workloadIdentityFederationSources(t *testing.T) {
	tests := []struct {
		name, wif   string
		unsupported bool
		want        string
	}{
		{"credConfig", `{"credConfig":{"name":"cfg","key":"c.json"},"audience":"a"}`, true, "credConfig is not supported by this controller"},
		{"AWS", `{"awsSecurityCredentials":{"region":"eu-west-1","awsCredentialsSecretRef":{"name":"aws"}},"audience":"a"}`, true, "awsSecurityCredentials is not supported by this controller"},
		{"no audience", `{"serviceAccountRef":{"name":"puller"}}`, false, "audience is required"},
		{"nothing", `{"audience":"a"}`, false, "needs serviceAccountRef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := `{"projectID":"proj","auth":{"workloadIdentityFederation":` + tt.wif + `}}`
			_, _, err := New().Generate(ctx(), manifest(t, spec), saKube(nil, nil), testNamespace)
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, providers.ErrNotSupported) != tt.unsupported {
				t.Errorf("error = %v, want %q (ErrNotSupported: %v)", err, tt.want, tt.unsupported)
			}
		})
	}
}

// TestGenerator_applicationDefaultCredentials: without auth, the controller's own
// credentials are used (here a key file named by GOOGLE_APPLICATION_CREDENTIALS).
func TestGenerator_applicationDefaultCredentials(t *testing.T) {
	srv := newTokenServer(t, "ya29.adc")
	file := filepath.Join(t.TempDir(), "adc.json")
	if err := os.WriteFile(file, srv.keyJSON(t, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", file)
	out, _, err := New().Generate(ctx(), manifest(t, `{"projectID":"proj","auth":{}}`), saKube(nil, nil), testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if string(out[KeyPassword]) != "ya29.adc" {
		t.Errorf("password = %q", out[KeyPassword])
	}
}
