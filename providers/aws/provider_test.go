package aws

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestClient_Validate(t *testing.T) {
	e := newEnv(t)
	for _, service := range []esv1.AWSServiceType{esv1.AWSServiceSecretsManager, esv1.AWSServiceParameterStore} {
		c := e.client(store(service))
		if res, err := c.Validate(ctx()); res != esv1.ValidationResultReady || err != nil {
			t.Errorf("%s: Validate = %v, %v; want Ready", service, res, err)
		}
	}
	if n := e.calls.get(MetricsParameterStore, "GetCallerIdentity"); n != 1 {
		t.Errorf("GetCallerIdentity calls = %d, want 1 counted under the store's service", n)
	}
}

// TestClient_ValidateRejectedCredentials answers STS like AWS does for unknown keys.
func TestClient_ValidateRejectedCredentials(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
	}))
	defer srv.Close()
	e.p = New(WithEndpoint(srv.URL))
	res, err := e.client(store(esv1.AWSServiceSecretsManager)).Validate(ctx())
	if res != esv1.ValidationResultError || !errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("Validate = %v, %v; want Error wrapping ErrUnauthorized", res, err)
	}
	if strings.Contains(err.Error(), testSecretKey) {
		t.Error("the error carries the secret key")
	}
}

func TestClient_ValidateUnreachable(t *testing.T) {
	e := newEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	maxRetries := int32(0)
	st := store(esv1.AWSServiceSecretsManager)
	st.Spec.RetrySettings = &esv1.SecretStoreRetrySettings{MaxRetries: &maxRetries}
	e.p = New(WithEndpoint("http://" + addr))
	res, err := e.client(st).Validate(ctx())
	if res != esv1.ValidationResultUnknown || err == nil {
		t.Errorf("Validate = %v, %v; want Unknown with the error", res, err)
	}
}

func TestProvider_retrySettings(t *testing.T) {
	e := newEnv(t)
	var attempts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		attempts.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprint(w, `{"__type":"InternalServiceError","message":"try again"}`)
	}))
	defer srv.Close()
	e.p = New(WithEndpoint(srv.URL), WithCallObserver(e.calls))
	tests := []struct {
		name     string
		settings *esv1.SecretStoreRetrySettings
		want     int32
	}{
		{name: "maxRetries 2 makes 3 attempts", settings: &esv1.SecretStoreRetrySettings{MaxRetries: ptr.To[int32](2), RetryInterval: ptr.To("1ms")}, want: 3},
		{name: "maxRetries 0 makes one attempt", settings: &esv1.SecretStoreRetrySettings{MaxRetries: ptr.To[int32](0)}, want: 1},
		{name: "an interval alone makes 3 attempts", settings: &esv1.SecretStoreRetrySettings{RetryInterval: ptr.To("1ms")}, want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attempts.Store(0)
			e.calls.Reset()
			st := store(esv1.AWSServiceSecretsManager)
			st.Spec.RetrySettings = tt.settings
			if _, err := e.client(st).GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "x"}); err == nil {
				t.Fatal("want an error")
			}
			if got := attempts.Load(); got != tt.want {
				t.Errorf("attempts = %d, want %d", got, tt.want)
			}
			if n := e.calls.get(MetricsSecretsManager, "GetSecretValue"); n != 1 {
				t.Errorf("calls counted = %d, want 1 whatever the retries", n)
			}
		})
	}
	st := store(esv1.AWSServiceSecretsManager)
	st.Spec.RetrySettings = &esv1.SecretStoreRetrySettings{RetryInterval: ptr.To("soon")}
	if _, err := e.p.NewClient(ctx(), st, e.kube, testNamespace); err == nil {
		t.Error("an invalid retryInterval must fail")
	}
}

func TestProvider_NewClientRefusesCertificateManager(t *testing.T) {
	e := newEnv(t)
	_, err := e.p.NewClient(ctx(), store(esv1.AWSServiceCertificateManager), e.kube, testNamespace)
	if !errors.Is(err, providers.ErrNotSupported) {
		t.Errorf("error = %v, want ErrNotSupported", err)
	}
}

// TestSeed002 is seed 002's store and ExternalSecret as the provider sees them: a
// ClusterSecretStore without auth in us-west-2 (credentials from the pod's environment),
// and a data[] entry with a property.
func TestSeed002(t *testing.T) {
	e := newEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", testAccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecretKey)
	cfg := adminConfig(testAccessKey, testSecretKey, "")
	cfg.Region = "us-west-2"
	sm := secretsmanager.NewFromConfig(cfg)
	if _, err := sm.CreateSecret(ctx(), &secretsmanager.CreateSecretInput{Name: aws.String("test"), SecretString: aws.String(`{"test":"hello-from-aws"}`)}); err != nil {
		if _, err := sm.PutSecretValue(ctx(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("test"), SecretString: aws.String(`{"test":"hello-from-aws"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	css := &esv1.ClusterSecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.ClusterSecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "aws"},
		Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{AWS: &esv1.AWSProvider{
			Service: esv1.AWSServiceSecretsManager, Region: "us-west-2",
		}}},
	}
	if _, err := e.p.ValidateStore(css); err != nil {
		t.Fatalf("ValidateStore: %v", err)
	}
	storeClient, err := e.p.NewClient(ctx(), css, e.kube, "")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := storeClient.Validate(ctx()); res != esv1.ValidationResultReady {
		t.Errorf("Validate = %v, %v; want Ready (no referent credentials)", res, err)
	}
	c, err := e.p.NewClient(ctx(), css, e.kube, "default")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "test", Property: "test"})
	if err != nil || string(got) != "hello-from-aws" {
		t.Errorf("GetSecret = %q, %v; want hello-from-aws", got, err)
	}
}

func TestProvider_ValidateStore(t *testing.T) {
	p := New()
	css := func(mod func(*esv1.AWSProvider)) esv1.GenericStore {
		st := store(esv1.AWSServiceSecretsManager, mod)
		return &esv1.ClusterSecretStore{TypeMeta: metav1.TypeMeta{Kind: esv1.ClusterSecretStoreKind}, ObjectMeta: metav1.ObjectMeta{Name: "css"}, Spec: st.Spec}
	}
	ns := func(s string) *string { return &s }
	tests := []struct {
		name     string
		store    esv1.GenericStore
		wantErr  string
		wantWarn string
	}{
		{name: "static keys", store: store(esv1.AWSServiceSecretsManager)},
		{name: "parameter store with the default chain", store: store(esv1.AWSServiceParameterStore, func(a *esv1.AWSProvider) { a.Auth = esv1.AWSAuth{} })},
		{name: "certificate manager is not supported", store: store(esv1.AWSServiceCertificateManager), wantErr: "not supported"},
		{name: "an unknown service", store: store("KMS"), wantErr: "unknown service"},
		{name: "an empty region", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Region = "" }), wantErr: "region"},
		{name: "a region that is no host name", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Region = "us-east-1.evil.com" }), wantErr: "region"},
		{name: "an odd region is a warning", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Region = "local" }), wantWarn: "does not look like"},
		{name: "a key reference without key", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Auth.SecretRef.SecretAccessKey.Key = "" }), wantErr: "secretAccessKeySecretRef"},
		{name: "a namespaced store may not read another namespace", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Auth.SecretRef.AccessKeyID.Namespace = ns("other") }), wantErr: "namespace should either be empty"},
		{name: "a cluster store may read any namespace", store: css(func(a *esv1.AWSProvider) { a.Auth.SecretRef.AccessKeyID.Namespace = ns("other") })},
		{name: "secretRef and jwt together", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) {
			a.Auth.JWTAuth = &esv1.AWSJWTAuth{ServiceAccountRef: &esmeta.ServiceAccountSelector{Name: "sa"}}
		}), wantErr: "not both"},
		{name: "jwt with a service account", store: jwtStore(nil)},
		{name: "jwt in another namespace", store: jwtStore(ns("other")), wantErr: "namespace should either be empty"},
		{name: "a role that is no ARN", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Role = "reader" }), wantErr: "not a role ARN"},
		{name: "an additional role that is no ARN", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.AdditionalRoles = []string{"x"} }), wantErr: "additionalRoles[0]"},
		{name: "session tags without role are a warning", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.ExternalID = "x" }), wantWarn: "only apply when role is set"},
		{name: "a reserved custom tag", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) {
			a.Role, a.SessionTagsPolicy, a.CustomSessionTags = readerRole, esv1.SessionTagsPolicyCustom, map[string]string{esv1.SessionTagNamespace: "x"}
		}), wantErr: "reserved"},
		{name: "a transitive key without a tag", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) {
			a.Role, a.TransitiveTagKeys = readerRole, []string{"team"}
		}), wantErr: "transitiveTagKeys"},
		{name: "a transitive key of a policy tag", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) {
			a.Role, a.SessionTagsPolicy, a.TransitiveTagKeys = readerRole, esv1.SessionTagsPolicySimple, []string{esv1.SessionTagNamespace}
		})},
		{name: "both deletion settings", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) {
			a.SecretsManager = &esv1.SecretsManager{ForceDeleteWithoutRecovery: true, RecoveryWindowInDays: 7}
		}), wantErr: "mutually exclusive"},
		{name: "a recovery window too short", store: store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) {
			a.SecretsManager = &esv1.SecretsManager{RecoveryWindowInDays: 3}
		}), wantErr: "between 7 and 30"},
		{name: "deletion settings on parameter store are a warning", store: store(esv1.AWSServiceParameterStore, func(a *esv1.AWSProvider) {
			a.SecretsManager = &esv1.SecretsManager{RecoveryWindowInDays: 7}
		}), wantWarn: "only apply to service SecretsManager"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warnings, err := p.ValidateStore(tt.store)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v", err)
			}
			if got := strings.Join(warnings, "; "); !strings.Contains(got, tt.wantWarn) || (tt.wantWarn == "" && got != "") {
				t.Errorf("warnings = %q, want %q", got, tt.wantWarn)
			}
		})
	}
}

// TestSeed004 reads what seed 004's ExternalSecrets ask of its two ClusterSecretStores (jwt
// auth through the ServiceAccount external-secrets/external-secrets): two properties of one
// Secrets Manager secret (one call), the whole secret as a map, and the Parameter Store
// parameters under /production/myapp.
func TestSeed004(t *testing.T) {
	e := newEnv(t)
	root := unique("seed004")
	e.createSecret(root+"/production/myapp/database", `{"username":"app","password":"pw"}`)
	e.putParameter("/"+root+"/production/myapp/db_password", "ssm-pw", "SecureString")
	var audiences []string
	e.kube = jwtKube(t, nil, &audiences)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "external-secrets", Namespace: "external-secrets",
		Annotations: map[string]string{AnnotationRoleARN: "arn:aws:iam::123456789012:role/eso"}}}
	if err := e.kube.Create(ctx(), sa); err != nil {
		t.Fatal(err)
	}
	cssFor := func(service esv1.AWSServiceType) *esv1.ClusterSecretStore {
		return &esv1.ClusterSecretStore{
			TypeMeta:   metav1.TypeMeta{Kind: esv1.ClusterSecretStoreKind},
			ObjectMeta: metav1.ObjectMeta{Name: "aws"},
			Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{AWS: &esv1.AWSProvider{
				Service: service, Region: testRegion,
				Auth: esv1.AWSAuth{JWTAuth: &esv1.AWSJWTAuth{ServiceAccountRef: &esmeta.ServiceAccountSelector{
					Name: "external-secrets", Namespace: ptr.To("external-secrets"),
				}}},
			}}},
		}
	}
	sm, err := e.p.NewClient(ctx(), cssFor(esv1.AWSServiceSecretsManager), e.kube, "production")
	if err != nil {
		t.Fatal(err)
	}
	for prop, want := range map[string]string{"password": "pw", "username": "app"} {
		got, err := sm.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: root + "/production/myapp/database", Property: prop})
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v", prop, got, err)
		}
	}
	m, err := sm.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: root + "/production/myapp/database"})
	if err != nil || string(m["username"]) != "app" || len(m) != 2 {
		t.Errorf("extract = %q, %v", m, err)
	}
	if n := e.calls.get(MetricsSecretsManager, "GetSecretValue"); n != 1 {
		t.Errorf("GetSecretValue calls = %d, want 1 for three reads of one secret", n)
	}
	ps, err := e.p.NewClient(ctx(), cssFor(esv1.AWSServiceParameterStore), e.kube, "production")
	if err != nil {
		t.Fatal(err)
	}
	path := "/" + root + "/production/myapp"
	found, err := ps.GetAllSecrets(ctx(), esv1.ExternalSecretFind{Path: &path, Name: &esv1.FindName{RegExp: ".*"}})
	if err != nil || string(found[path+"/db_password"]) != "ssm-pw" || len(found) != 1 {
		t.Errorf("find = %q, %v", found, err)
	}
}

func TestClient_ValidateWithoutAnyCredentials(t *testing.T) {
	e := newEnv(t)
	st := store(esv1.AWSServiceSecretsManager, func(a *esv1.AWSProvider) { a.Auth = esv1.AWSAuth{} })
	res, err := e.client(st).Validate(ctx())
	if res != esv1.ValidationResultError || err == nil {
		t.Errorf("Validate = %v, %v; want Error when the default chain finds nothing", res, err)
	}
}
