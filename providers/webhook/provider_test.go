package webhook

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
)

func TestProvider_ValidateStore(t *testing.T) {
	ref := func(name string, ns *string) esmeta.SecretKeySelector {
		return esmeta.SecretKeySelector{Name: name, Key: "k", Namespace: ns}
	}
	ntlm := func(user esmeta.SecretKeySelector) *esv1.WebhookAuth {
		return &esv1.WebhookAuth{NTLM: &esv1.NTLMProtocol{UserName: user, Password: ref("p", nil)}}
	}
	valid := esv1.WebhookProvider{URL: "https://api.example.com/{{ .remoteRef.key }}"}
	with := func(f func(*esv1.WebhookProvider)) esv1.WebhookProvider {
		s := valid
		f(&s)
		return s
	}
	tests := []struct {
		name    string
		store   esv1.GenericStore
		wantErr string
	}{
		{name: "a minimal store", store: namespacedStore(valid)},
		{name: "everything set", store: namespacedStore(with(func(s *esv1.WebhookProvider) {
			s.Method, s.Timeout, s.CABundle = "PATCH", &metav1.Duration{Duration: time.Second}, otherCA(t)
			s.CAProvider = &esv1.CAProvider{Type: esv1.CAProviderTypeConfigMap, Name: "ca"}
			s.Secrets = []esv1.WebhookSecret{{Name: "a", SecretRef: ref("a", nil)}, {Name: "b", SecretRef: ref("b", ptr.To(storeNS))}}
			s.Auth = ntlm(ref("u", nil))
		}))},
		{name: "no url", store: namespacedStore(esv1.WebhookProvider{}), wantErr: "url is required"},
		{name: "a method with a space", store: namespacedStore(with(func(s *esv1.WebhookProvider) { s.Method = "GET X" })), wantErr: "not an HTTP method"},
		{name: "a negative timeout", store: namespacedStore(with(func(s *esv1.WebhookProvider) { s.Timeout = &metav1.Duration{Duration: -time.Second} })), wantErr: "timeout"},
		{name: "a caBundle without certificates", store: namespacedStore(with(func(s *esv1.WebhookProvider) { s.CABundle = []byte("nope") })), wantErr: "caBundle"},
		{name: "a caProvider of an unknown type", store: namespacedStore(with(func(s *esv1.WebhookProvider) { s.CAProvider = &esv1.CAProvider{Type: "Vault", Name: "x"} })), wantErr: "caProvider.type"},
		{name: "a caProvider in another namespace", store: namespacedStore(with(func(s *esv1.WebhookProvider) {
			s.CAProvider = &esv1.CAProvider{Type: esv1.CAProviderTypeSecret, Name: "x", Namespace: ptr.To("team-b")}
		})), wantErr: credentials.NamespaceMismatchMessage},
		{name: "two secrets with one name", store: namespacedStore(with(func(s *esv1.WebhookProvider) {
			s.Secrets = []esv1.WebhookSecret{{Name: "a", SecretRef: ref("a", nil)}, {Name: "a", SecretRef: ref("b", nil)}}
		})), wantErr: "used twice"},
		{name: "a secret named remoteRef", store: namespacedStore(with(func(s *esv1.WebhookProvider) {
			s.Secrets = []esv1.WebhookSecret{{Name: "remoteRef", SecretRef: ref("a", nil)}}
		})), wantErr: "reserved"},
		{name: "a secret without a Secret name", store: namespacedStore(with(func(s *esv1.WebhookProvider) {
			s.Secrets = []esv1.WebhookSecret{{Name: "a"}}
		})), wantErr: "secretRef.name is required"},
		{name: "a namespaced store reaching into another namespace", store: namespacedStore(with(func(s *esv1.WebhookProvider) {
			s.Secrets = []esv1.WebhookSecret{{Name: "a", SecretRef: ref("a", ptr.To("team-b"))}}
		})), wantErr: credentials.NamespaceMismatchMessage},
		{name: "a cluster store may name any namespace", store: clusterStore(with(func(s *esv1.WebhookProvider) {
			s.Secrets = []esv1.WebhookSecret{{Name: "a", SecretRef: ref("a", ptr.To("team-b"))}}
			s.Auth = ntlm(ref("u", ptr.To("team-c")))
		}))},
		{name: "ntlm without a key", store: namespacedStore(with(func(s *esv1.WebhookProvider) { s.Auth = ntlm(esmeta.SecretKeySelector{Name: "u"}) })), wantErr: "auth.ntlm.usernameSecret needs a name and a key"},
		{name: "auth without a protocol", store: namespacedStore(with(func(s *esv1.WebhookProvider) { s.Auth = &esv1.WebhookAuth{} })), wantErr: "auth must set ntlm"},
		{name: "another provider", store: &esv1.SecretStore{Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{}}}, wantErr: "does not configure the webhook provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().ValidateStore(tt.store)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestClient_Validate(t *testing.T) {
	srv := newEndpointServer(t, false, static(200, ""))
	closed := newEndpointServer(t, false, static(200, ""))
	closedURL := closed.URL
	closed.Close()
	tests := []struct {
		name string
		url  string
		want esv1.ValidationResult
	}{
		{name: "a listening host is ready, whatever the path template", url: srv.URL + "/{{ .remoteRef.key }}", want: esv1.ValidationResultReady},
		{name: "a closed port is an error", url: closedURL, want: esv1.ValidationResultError},
		{name: "a url that needs a reference to render is undecided", url: "http://{{ .remoteRef.key | required \"key\" }}", want: esv1.ValidationResultUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, New(), namespacedStore(esv1.WebhookProvider{URL: tt.url}), newKube(), storeNS)
			got, err := c.Validate(ctx(t))
			if got != tt.want {
				t.Fatalf("Validate = %v, %v; want %v", got, err, tt.want)
			}
			if (err != nil) != (tt.want != esv1.ValidationResultReady) {
				t.Fatalf("Validate error = %v", err)
			}
		})
	}
	if n := srv.count(); n != 0 {
		t.Fatalf("Validate sent %d HTTP requests; it only connects", n)
	}
}

func TestProvider_WithTemplateEngine(t *testing.T) {
	srv := newEndpointServer(t, false, static(200, "ok"))
	p := New(WithTemplateEngine(template.New(template.WithDelimiters("<<", ">>"))))
	c := newClient(t, p, namespacedStore(esv1.WebhookProvider{URL: srv.URL + "/<< .remoteRef.key >>/{{x}}"}), newKube(), storeNS)
	if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.last(t).Path; got != "/k/{{x}}" {
		t.Fatalf("path = %q", got)
	}
	if got := New().Capabilities(); got != esv1.SecretStoreReadWrite {
		t.Fatalf("Capabilities = %v", got)
	}
}
