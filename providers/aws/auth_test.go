package aws

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
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
)

// Roles in other accounts: moto maps credentials of an assumed role to the role's account,
// so a secret created there is only visible to a client that really assumed the role.
const (
	readerRole = "arn:aws:iam::111111111111:role/reader"
	hopRole    = "arn:aws:iam::222222222222:role/hop"
)

// request is what the recorder saw of one AWS request.
type request struct {
	header http.Header
	form   url.Values
	body   string
}

// recorder is an HTTP client that forwards to moto and keeps every request, to check what
// went over the wire (signing keys, STS parameters).
type recorder struct {
	mu   sync.Mutex
	reqs []request
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.reqs = append(r.reqs, request{header: req.Header.Clone(), form: form, body: string(body)})
	r.mu.Unlock()
	return http.DefaultClient.Do(req)
}

// action returns the STS requests of one action (query protocol).
func (r *recorder) action(name string) []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []request
	for _, q := range r.reqs {
		if q.form.Get("Action") == name {
			out = append(out, q)
		}
	}
	return out
}

// signedBy tells whether some Secrets Manager request was signed with access key id.
func (r *recorder) signedBy(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, q := range r.reqs {
		if strings.HasPrefix(q.header.Get("X-Amz-Target"), "secretsmanager.") && strings.Contains(q.header.Get("Authorization"), "Credential="+id+"/") {
			return true
		}
	}
	return false
}

// withRecorder makes the env's provider send its requests through a new recorder.
func (e *env) withRecorder() *recorder {
	r := &recorder{}
	e.p = New(WithEndpoint(motoURL), WithCallObserver(e.calls), WithHTTPClient(r))
	return r
}

// secretInAccount creates a secret visible only to identities of role's account.
func (e *env) secretInAccount(role, name, value string) {
	e.t.Helper()
	out, err := sts.NewFromConfig(adminConfig(testAccessKey, testSecretKey, "")).AssumeRole(ctx(), &sts.AssumeRoleInput{
		RoleArn: aws.String(role), RoleSessionName: aws.String("arrange"),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	cr := out.Credentials
	sm := secretsmanager.NewFromConfig(adminConfig(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)))
	if _, err := sm.CreateSecret(ctx(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) read(st esv1.GenericStore, key string) (string, error) {
	e.t.Helper()
	v, err := e.client(st).GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: key})
	return string(v), err
}

func TestProvider_staticCredentials(t *testing.T) {
	e := newEnv(t)
	rec := e.withRecorder()
	name := unique("static")
	e.createSecret(name, "v")
	st := store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) {
		a.Auth.SecretRef.SessionToken = &esmeta.SecretKeySelector{Name: "aws-creds", Key: "token"}
	})
	if got, err := e.read(st, name); err != nil || got != "v" {
		t.Fatalf("GetSecret = %q, %v", got, err)
	}
	if !rec.signedBy(testAccessKey) {
		t.Error("requests were not signed with the access key of the Secret")
	}
	if tok := rec.reqs[len(rec.reqs)-1].header.Get("X-Amz-Security-Token"); tok != "session-token" {
		t.Errorf("session token = %q, want the one of the Secret", tok)
	}
}

func TestProvider_missingCredentialSecret(t *testing.T) {
	e := newEnv(t)
	st := store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Auth.SecretRef.AccessKeyID.Name = "nope" })
	if _, err := e.p.NewClient(ctx(), st, e.kube, testNamespace); err == nil || !strings.Contains(err.Error(), "accessKeyIDSecretRef") {
		t.Errorf("error = %v, want one naming accessKeyIDSecretRef", err)
	}
}

func TestProvider_assumeRole(t *testing.T) {
	e := newEnv(t)
	rec := e.withRecorder()
	name := unique("assumed")
	e.secretInAccount(readerRole, name, "cross-account")

	if _, err := e.read(store(esv1.AWSServiceSecretsManager), name); !errors.Is(err, providers.ErrSecretNotFound) {
		t.Fatalf("without the role: error = %v, want not found", err)
	}
	st := store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) {
		a.AdditionalRoles = []string{hopRole}
		a.Role = readerRole
		a.ExternalID = "ext-42"
		a.SessionTags = []esv1.Tag{{Key: "team", Value: "payments"}}
		a.TransitiveTagKeys = []string{"team"}
		a.SessionTagsPolicy = esv1.SessionTagsPolicySimple
	})
	if got, err := e.read(st, name); err != nil || got != "cross-account" {
		t.Fatalf("with the role: GetSecret = %q, %v", got, err)
	}
	calls := rec.action("AssumeRole")
	if len(calls) != 2 {
		t.Fatalf("AssumeRole requests = %d, want 2 (the additional role, then role)", len(calls))
	}
	hop, last := calls[0].form, calls[1].form
	if hop.Get("RoleArn") != hopRole || hop.Get("ExternalId") != "" || hop.Get("Tags.member.1.Key") != "" {
		t.Errorf("first AssumeRole = %v, want the additional role without external ID or tags", hop)
	}
	if !strings.Contains(calls[0].header.Get("Authorization"), "Credential="+testAccessKey+"/") {
		t.Error("the additional role must be assumed with the base credentials")
	}
	if strings.Contains(calls[1].header.Get("Authorization"), "Credential="+testAccessKey+"/") {
		t.Error("role must be assumed with the additional role's credentials")
	}
	want := map[string]string{
		"RoleArn": readerRole, "RoleSessionName": SessionName, "ExternalId": "ext-42",
		"Tags.member.1.Key": "team", "Tags.member.1.Value": "payments",
		"Tags.member.2.Key": esv1.SessionTagNamespace, "Tags.member.2.Value": testNamespace,
		"Tags.member.3.Key": esv1.SessionTagStoreName, "Tags.member.3.Value": "aws",
		"Tags.member.4.Key": esv1.SessionTagStoreKind, "Tags.member.4.Value": esv1.SecretStoreKind,
		"TransitiveTagKeys.member.1": "team",
	}
	for k, v := range want {
		if last.Get(k) != v {
			t.Errorf("AssumeRole %s = %q, want %q", k, last.Get(k), v)
		}
	}
	if n := e.calls.get(MetricsSecretsManager, "AssumeRole"); n != 2 {
		t.Errorf("AssumeRole calls counted = %d, want 2 under the store's service", n)
	}
}

func TestSessionTags_custom(t *testing.T) {
	st := store(esv1.AWSServiceSecretsManager)
	spec := st.Spec.Provider.AWS
	spec.SessionTagsPolicy = esv1.SessionTagsPolicyCustom
	spec.CustomSessionTags = map[string]string{"z": "1", "a": "2"}
	var got []string
	for _, tag := range sessionTags(st, "ns", spec) {
		got = append(got, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
	}
	want := "esoNamespace=ns,esoStoreName=aws,esoStoreKind=SecretStore,a=2,z=1"
	if strings.Join(got, ",") != want {
		t.Errorf("tags = %v, want %s", got, want)
	}
	spec.SessionTagsPolicy = esv1.SessionTagsPolicyNone
	if tags := sessionTags(st, "ns", spec); len(tags) != 0 {
		t.Errorf("policy None: tags = %v", tags)
	}
}

// jwtKube holds a ServiceAccount and records the audiences of the tokens requested for it.
func jwtKube(t *testing.T, annotations map[string]string, audiences *[]string) client.Client {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "eso", Namespace: testNamespace, Annotations: annotations}}
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(sa).WithInterceptorFuncs(interceptor.Funcs{
		SubResourceCreate: func(ctx context.Context, c client.Client, sub string, obj client.Object, subObj client.Object, opts ...client.SubResourceCreateOption) error {
			if tr, ok := subObj.(*authenticationv1.TokenRequest); ok {
				*audiences = tr.Spec.Audiences
			}
			return c.SubResource(sub).Create(ctx, obj, subObj, opts...)
		},
	}).Build()
}

func jwtStore(namespace *string, audiences ...string) *esv1.SecretStore {
	return store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) {
		a.Auth = esv1.AWSAuth{JWTAuth: &esv1.AWSJWTAuth{ServiceAccountRef: &esmeta.ServiceAccountSelector{Name: "eso", Namespace: namespace, Audiences: audiences}}}
	})
}

func TestProvider_webIdentity(t *testing.T) {
	e := newEnv(t)
	rec := e.withRecorder()
	name := unique("irsa")
	e.secretInAccount(readerRole, name, "via-web-identity")
	var audiences []string
	e.kube = jwtKube(t, map[string]string{AnnotationRoleARN: readerRole}, &audiences)

	if got, err := e.read(jwtStore(nil, "extra"), name); err != nil || got != "via-web-identity" {
		t.Fatalf("GetSecret = %q, %v", got, err)
	}
	if strings.Join(audiences, ",") != "extra,"+DefaultAudience {
		t.Errorf("token audiences = %v, want the store's and %s", audiences, DefaultAudience)
	}
	calls := rec.action("AssumeRoleWithWebIdentity")
	if len(calls) != 1 {
		t.Fatalf("AssumeRoleWithWebIdentity requests = %d", len(calls))
	}
	if f := calls[0].form; f.Get("RoleArn") != readerRole || f.Get("WebIdentityToken") != "fake-token" || f.Get("RoleSessionName") != SessionName {
		t.Errorf("AssumeRoleWithWebIdentity = %v", f)
	}
}

func TestProvider_webIdentityAudienceAnnotation(t *testing.T) {
	e := newEnv(t)
	var audiences []string
	e.kube = jwtKube(t, map[string]string{AnnotationRoleARN: readerRole, AnnotationAudience: "my-aud"}, &audiences)
	if _, err := e.p.NewClient(ctx(), jwtStore(nil), e.kube, testNamespace); err != nil {
		t.Fatal(err)
	}
	if strings.Join(audiences, ",") != "my-aud" {
		t.Errorf("audiences = %v, want the annotation's", audiences)
	}
}

func TestProvider_webIdentityNeedsTheRoleAnnotation(t *testing.T) {
	e := newEnv(t)
	var audiences []string
	e.kube = jwtKube(t, nil, &audiences)
	_, err := e.p.NewClient(ctx(), jwtStore(nil), e.kube, testNamespace)
	if err == nil || !strings.Contains(err.Error(), AnnotationRoleARN) {
		t.Errorf("error = %v, want one naming %s", err, AnnotationRoleARN)
	}
}

func TestProvider_referentClusterStore(t *testing.T) {
	e := newEnv(t)
	for name, st := range map[string]*esv1.SecretStore{"secretRef": store(esv1.AWSServiceSecretsManager), "jwt": jwtStore(nil)} {
		t.Run(name, func(t *testing.T) {
			css := &esv1.ClusterSecretStore{TypeMeta: metav1.TypeMeta{Kind: esv1.ClusterSecretStoreKind}, ObjectMeta: metav1.ObjectMeta{Name: "css"}, Spec: st.Spec}
			for _, service := range []esv1.AWSServiceType{esv1.AWSServiceSecretsManager, esv1.AWSServiceParameterStore} {
				css.Spec.Provider.AWS.Service = service
				c, err := e.p.NewClient(ctx(), css, e.kube, "")
				if err != nil {
					t.Fatal(err)
				}
				if res, err := c.Validate(ctx()); res != esv1.ValidationResultUnknown || err != nil {
					t.Errorf("Validate = %v, %v; want Unknown without error", res, err)
				}
				if _, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "x"}); !errors.Is(err, credentials.ErrReferentNamespace) {
					t.Errorf("GetSecret: error = %v, want ErrReferentNamespace", err)
				}
				if _, err := c.GetAllSecrets(ctx(), esv1.ExternalSecretFind{Path: aws.String("/")}); !errors.Is(err, credentials.ErrReferentNamespace) {
					t.Errorf("GetAllSecrets: error = %v", err)
				}
				if err := c.(providers.Writer).DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "x"}); !errors.Is(err, credentials.ErrReferentNamespace) {
					t.Errorf("DeleteSecret: error = %v", err)
				}
			}
		})
	}
}

func TestProvider_defaultChainFromEnvironment(t *testing.T) {
	e := newEnv(t)
	rec := e.withRecorder()
	name := unique("envkeys")
	e.createSecret(name, "from-env")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
	st := store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Auth = esv1.AWSAuth{} })
	if got, err := e.read(st, name); err != nil || got != "from-env" {
		t.Fatalf("GetSecret = %q, %v", got, err)
	}
	if !rec.signedBy("AKIDFROMENV") {
		t.Error("the default chain did not use the environment's keys")
	}
}

// TestProvider_podIdentity serves EKS Pod Identity credentials from a local container
// credentials endpoint, as the Pod Identity agent does.
func TestProvider_podIdentity(t *testing.T) {
	e := newEnv(t)
	rec := e.withRecorder()
	name := unique("podid")
	e.createSecret(name, "from-pod-identity")
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		hits++
		if r.Header.Get("Authorization") != "agent-token" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"AccessKeyId":"AKIDPODIDENTITY","SecretAccessKey":"pod-secret","Token":"pod-token","Expiration":"2999-01-01T00:00:00Z"}`)
	}))
	defer srv.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("agent-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.URL+"/v1/credentials")
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFile)
	st := store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Auth = esv1.AWSAuth{} })
	for range 2 {
		if got, err := e.read(st, name); err != nil || got != "from-pod-identity" {
			t.Fatalf("GetSecret = %q, %v", got, err)
		}
	}
	if !rec.signedBy("AKIDPODIDENTITY") {
		t.Error("requests were not signed with the Pod Identity credentials")
	}
	if hits != 1 {
		t.Errorf("credential endpoint hits = %d, want 1: the default chain is shared across clients", hits)
	}
}

// TestProvider_irsaEnvironment is seed 002's setup: no auth in the store, the pod's
// environment carries AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE.
func TestProvider_irsaEnvironment(t *testing.T) {
	e := newEnv(t)
	rec := e.withRecorder()
	name := unique("irsaenv")
	e.secretInAccount(readerRole, name, "via-irsa-env")
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("projected-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ROLE_ARN", readerRole)
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
	st := store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Auth = esv1.AWSAuth{} })
	if got, err := e.read(st, name); err != nil || got != "via-irsa-env" {
		t.Fatalf("GetSecret = %q, %v", got, err)
	}
	calls := rec.action("AssumeRoleWithWebIdentity")
	if len(calls) != 1 || calls[0].form.Get("WebIdentityToken") != "projected-token" {
		t.Errorf("AssumeRoleWithWebIdentity requests = %v", calls)
	}
}
