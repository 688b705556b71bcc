package ecr

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	awsprovider "github.com/seedb5e69c69/external-secrets/providers/aws"
)

// moto answers GetAuthorizationToken with the token "AWS:<account>-auth-token", the proxy
// endpoint of the account and region, and a fixed expiry (2015-01-01T00:00:00Z). The
// account is the one of the credentials that signed the request, so the password tells
// which identity the generator ended up with.
const (
	motoAccount = "123456789012"
	motoExpiry  = "1420070400"
	testRegion  = "eu-west-1"
)

func keys(m map[string][]byte) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestGenerator_staticCredentials(t *testing.T) {
	needMoto(t)
	rec, c := &recorder{}, &calls{}
	g := New(WithEndpoint(motoURL), WithHTTPClient(rec), WithCallObserver(c))
	// The namespace written in the reference is ignored: a generator reads its credentials
	// from the ExternalSecret's namespace, as a namespaced store does.
	spec := `{"region":"` + testRegion + `","auth":{"secretRef":{` +
		`"accessKeyIDSecretRef":{"name":"aws-creds","key":"id","namespace":"elsewhere"},` +
		`"secretAccessKeySecretRef":{"name":"aws-creds","key":"secret"}}}}`

	out, state, err := g.Generate(ctx(), manifest(t, spec), kubeWith(credsSecret()), testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if state != nil {
		t.Errorf("state = %s, want none", state.Raw)
	}
	want := map[string]string{
		KeyUsername:      "AWS",
		KeyPassword:      motoAccount + "-auth-token",
		KeyProxyEndpoint: "https://" + motoAccount + ".dkr.ecr." + testRegion + ".amazonaws.com",
		KeyExpiresAt:     motoExpiry,
	}
	if len(out) != len(want) {
		t.Errorf("keys = %s, want username, password, proxy_endpoint, expires_at", keys(out))
	}
	for k, v := range want {
		if string(out[k]) != v {
			t.Errorf("%s = %q, want %q", k, out[k], v)
		}
	}
	reqs := rec.target(ecrTarget)
	if len(reqs) != 1 || !signedBy(reqs[0], testAccessKey, testRegion, "ecr") {
		t.Errorf("GetAuthorizationToken was not signed once with the Secret's key for %s", testRegion)
	}
	if n := c.get(MetricsECR, "GetAuthorizationToken"); n != 1 {
		t.Errorf("GetAuthorizationToken calls counted = %d, want 1", n)
	}
}

func TestGenerator_role(t *testing.T) {
	needMoto(t)
	rec, c := &recorder{}, &calls{}
	g := New(WithEndpoint(motoURL), WithHTTPClient(rec), WithCallObserver(c))
	spec := `{"region":"` + testRegion + `","role":"arn:aws:iam::111111111111:role/ecr-pull","auth":` + staticAuth + `}`

	out, _, err := g.Generate(ctx(), manifest(t, spec), kubeWith(credsSecret()), testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out[KeyPassword]); got != "111111111111-auth-token" {
		t.Errorf("password = %q: the token was not requested with the role's credentials", got)
	}
	assumed := rec.action("AssumeRole")
	if len(assumed) != 1 || !signedBy(assumed[0], testAccessKey, testRegion, "sts") {
		t.Fatal("the role was not assumed once with the Secret's keys")
	}
	if f := assumed[0].form; f.Get("RoleArn") != "arn:aws:iam::111111111111:role/ecr-pull" || f.Get("RoleSessionName") != awsprovider.SessionName {
		t.Errorf("AssumeRole = %v", f)
	}
	if n := c.get(MetricsECR, "AssumeRole"); n != 1 {
		t.Errorf("AssumeRole calls counted under %s = %d, want 1", MetricsECR, n)
	}
}

// TestGenerator_serviceAccountToken is seed 004's generator: auth.jwt names a
// ServiceAccount whose token is exchanged with AssumeRoleWithWebIdentity for its role.
func TestGenerator_serviceAccountToken(t *testing.T) {
	needMoto(t)
	rec, c := &recorder{}, &calls{}
	g := New(WithEndpoint(motoURL), WithHTTPClient(rec), WithCallObserver(c))
	var audiences []string
	kube := jwtKube(map[string]string{awsprovider.AnnotationRoleARN: "arn:aws:iam::222222222222:role/irsa"}, &audiences)
	spec := `{"region":"us-east-1","auth":{"jwt":{"serviceAccountRef":{"name":"puller","namespace":"external-secrets"}}}}`

	out, _, err := g.Generate(ctx(), manifest(t, spec), kube, testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out[KeyPassword]); got != "222222222222-auth-token" {
		t.Errorf("password = %q: the token was not requested with the web identity role", got)
	}
	if strings.Join(audiences, ",") != awsprovider.DefaultAudience {
		t.Errorf("token audiences = %v, want %s", audiences, awsprovider.DefaultAudience)
	}
	calls := rec.action("AssumeRoleWithWebIdentity")
	if len(calls) != 1 {
		t.Fatalf("AssumeRoleWithWebIdentity requests = %d, want 1", len(calls))
	}
	if f := calls[0].form; f.Get("RoleArn") != "arn:aws:iam::222222222222:role/irsa" || f.Get("WebIdentityToken") != "fake-token" {
		t.Errorf("AssumeRoleWithWebIdentity = %v", f)
	}
	if n := c.get(MetricsECR, "AssumeRoleWithWebIdentity"); n != 1 {
		t.Errorf("AssumeRoleWithWebIdentity calls counted = %d, want 1", n)
	}
}

func TestGenerator_serviceAccountWithoutRole(t *testing.T) {
	needMoto(t)
	var audiences []string
	spec := `{"region":"us-east-1","auth":{"jwt":{"serviceAccountRef":{"name":"puller"}}}}`
	_, _, err := New(WithEndpoint(motoURL)).Generate(ctx(), manifest(t, spec), jwtKube(nil, &audiences), testNamespace)
	if err == nil || !strings.Contains(err.Error(), awsprovider.AnnotationRoleARN) {
		t.Errorf("error = %v, want one naming %s", err, awsprovider.AnnotationRoleARN)
	}
}

// TestGenerator_defaultChainAndStandardEndpoint uses neither auth nor WithEndpoint: the
// keys come from the environment (the SDK's default chain) and the endpoint from
// AWS_ENDPOINT_URL, as in a cluster that redirects AWS calls to a private endpoint.
func TestGenerator_defaultChainAndStandardEndpoint(t *testing.T) {
	needMoto(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
	t.Setenv("AWS_ENDPOINT_URL", motoURL)
	rec := &recorder{}

	out, _, err := New(WithHTTPClient(rec)).Generate(ctx(), manifest(t, `{"region":"us-east-1"}`), kubeWith(), testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if string(out[KeyUsername]) != "AWS" {
		t.Errorf("username = %q", out[KeyUsername])
	}
	reqs := rec.target(ecrTarget)
	if len(reqs) != 1 || !signedBy(reqs[0], "AKIDFROMENV", "us-east-1", "ecr") {
		t.Error("the default chain did not use the environment's keys")
	}
}

func TestGenerator_credentialErrors(t *testing.T) {
	needMoto(t)
	g := New(WithEndpoint(motoURL))
	tests := []struct {
		name, spec, want string
	}{
		{"missing Secret", `{"region":"us-east-1","auth":{"secretRef":{"accessKeyIDSecretRef":{"name":"nope","key":"id"},"secretAccessKeySecretRef":{"name":"aws-creds","key":"secret"}}}}`, "accessKeyIDSecretRef"},
		{"no region", `{"auth":` + staticAuth + `}`, "spec.region is required"},
		{"unknown scope", `{"region":"us-east-1","scope":"protected","auth":` + staticAuth + `}`, `spec.scope "protected"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := g.Generate(ctx(), manifest(t, tt.spec), kubeWith(credsSecret()), testNamespace)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// publicRegistry is a local ECR Public endpoint (moto does not implement ECR Public): it
// speaks the service's JSON 1.1 protocol and answers GetAuthorizationToken with token.
type publicRegistry struct {
	*httptest.Server
	authorization string // of the last request
}

func newPublicRegistry(t *testing.T, token string) *publicRegistry {
	t.Helper()
	p := &publicRegistry{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "SpencerFrontendService.GetAuthorizationToken" ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.1" || !json.Valid(body) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"InvalidParameterException","message":"unexpected request"}`)
			return
		}
		p.authorization = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"authorizationData": map[string]any{
			"authorizationToken": token,
			"expiresAt":          1700000000.5,
		}})
	}))
	t.Cleanup(p.Close)
	return p
}

func TestGenerator_publicScope(t *testing.T) {
	reg := newPublicRegistry(t, base64.StdEncoding.EncodeToString([]byte("AWS:public-password")))
	c := &calls{}
	spec := `{"region":"` + testRegion + `","scope":"public","auth":` + staticAuth + `}`

	out, _, err := New(WithEndpoint(reg.URL), WithCallObserver(c)).Generate(ctx(), manifest(t, spec), kubeWith(credsSecret()), testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if keys(out) != "expires_at,password,username" {
		t.Errorf("keys = %s, want username, password, expires_at", keys(out))
	}
	if string(out[KeyUsername]) != "AWS" || string(out[KeyPassword]) != "public-password" || string(out[KeyExpiresAt]) != "1700000000" {
		t.Errorf("output = %q", out)
	}
	if !strings.Contains(reg.authorization, "Credential="+testAccessKey+"/") || !strings.Contains(reg.authorization, "/us-east-1/ecr-public/aws4_request") {
		t.Errorf("Authorization = %q, want the Secret's key and us-east-1 whatever spec.region", reg.authorization)
	}
	if n := c.get(MetricsECRPublic, "GetAuthorizationToken"); n != 1 {
		t.Errorf("GetAuthorizationToken calls counted under %s = %d, want 1", MetricsECRPublic, n)
	}
}

// TestGenerator_malformedTokenIsNotQuoted: the token is the password; an error about it must
// not carry it, in any encoding, into conditions and events.
func TestGenerator_malformedTokenIsNotQuoted(t *testing.T) {
	const secret = "s3cr3t-without-a-colon"
	encoded := base64.StdEncoding.EncodeToString([]byte(secret))
	for name, token := range map[string]string{"no colon": encoded, "not base64": secret + "!"} {
		t.Run(name, func(t *testing.T) {
			reg := newPublicRegistry(t, token)
			spec := `{"region":"us-east-1","scope":"public","auth":` + staticAuth + `}`
			_, _, err := New(WithEndpoint(reg.URL)).Generate(ctx(), manifest(t, spec), kubeWith(credsSecret()), testNamespace)
			if err == nil {
				t.Fatal("want an error for a malformed token")
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), encoded) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
}
