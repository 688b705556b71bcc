package kubernetes

import (
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

func TestProvider_ValidateStore(t *testing.T) {
	token := func(ns *string) *esv1.KubernetesAuth {
		return &esv1.KubernetesAuth{Token: &esv1.TokenAuth{BearerToken: esmeta.SecretKeySelector{Name: "t", Key: "token", Namespace: ns}}}
	}
	namespaced := func(spec *esv1.KubernetesProvider) esv1.GenericStore {
		return &esv1.SecretStore{
			ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "team-a"},
			Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Kubernetes: spec}},
		}
	}
	cluster := func(spec *esv1.KubernetesProvider) esv1.GenericStore { return clusterStore(spec) }
	tests := []struct {
		name  string
		store esv1.GenericStore
		want  string
	}{
		{name: "token auth", store: namespaced(&esv1.KubernetesProvider{Auth: token(nil)})},
		{name: "token in the store's own namespace", store: namespaced(&esv1.KubernetesProvider{Auth: token(ptr.To("team-a"))})},
		{name: "token in another namespace", store: namespaced(&esv1.KubernetesProvider{Auth: token(ptr.To("team-b"))}), want: credentials.NamespaceMismatchMessage},
		{name: "a cluster store may name any namespace", store: cluster(&esv1.KubernetesProvider{Auth: token(ptr.To("team-b"))})},
		{name: "neither auth nor authRef", store: namespaced(&esv1.KubernetesProvider{}), want: "exactly one of auth or authRef"},
		{name: "both auth and authRef", store: namespaced(&esv1.KubernetesProvider{Auth: token(nil), AuthRef: &esmeta.SecretKeySelector{Name: "k", Key: "c"}}), want: "exactly one of auth or authRef"},
		{name: "authRef", store: namespaced(&esv1.KubernetesProvider{AuthRef: &esmeta.SecretKeySelector{Name: "k", Key: "c"}})},
		{name: "authRef without key", store: namespaced(&esv1.KubernetesProvider{AuthRef: &esmeta.SecretKeySelector{Name: "k"}}), want: "authRef needs a name and a key"},
		{name: "two auth methods", store: namespaced(&esv1.KubernetesProvider{Auth: &esv1.KubernetesAuth{Token: token(nil).Token, ServiceAccount: &esmeta.ServiceAccountSelector{Name: "sa"}}}), want: "exactly one of cert, token or serviceAccount"},
		{name: "no auth method", store: namespaced(&esv1.KubernetesProvider{Auth: &esv1.KubernetesAuth{}}), want: "exactly one of cert, token or serviceAccount"},
		{name: "cert with a foreign key namespace", store: namespaced(&esv1.KubernetesProvider{Auth: &esv1.KubernetesAuth{Cert: &esv1.CertAuth{
			ClientCert: esmeta.SecretKeySelector{Name: "c", Key: "crt"},
			ClientKey:  esmeta.SecretKeySelector{Name: "c", Key: "key", Namespace: ptr.To("team-b")},
		}}}), want: "auth.cert.clientKey: " + credentials.NamespaceMismatchMessage},
		{name: "serviceAccount in another namespace", store: namespaced(&esv1.KubernetesProvider{Auth: &esv1.KubernetesAuth{
			ServiceAccount: &esmeta.ServiceAccountSelector{Name: "sa", Namespace: ptr.To("team-b")}}}), want: credentials.NamespaceMismatchMessage},
		{name: "caProvider in another namespace", store: namespaced(&esv1.KubernetesProvider{Auth: token(nil), Server: esv1.KubernetesServer{
			CAProvider: &esv1.CAProvider{Type: esv1.CAProviderTypeConfigMap, Name: "ca", Namespace: ptr.To("team-b")}}}), want: credentials.NamespaceMismatchMessage},
		{name: "bad server URL", store: namespaced(&esv1.KubernetesProvider{Auth: token(nil), Server: esv1.KubernetesServer{URL: "ftp://x"}}), want: "must use https"},
		{name: "no kubernetes provider", store: &esv1.SecretStore{Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{}}}, want: "does not configure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().ValidateStore(tt.store)
			if tt.want == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestServerURL(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "", want: "https://kubernetes.default"},
		{in: "kubernetes.default", want: "https://kubernetes.default"},
		{in: "10.0.0.1:6443", want: "https://10.0.0.1:6443"},
		{in: "https://api.example.com", want: "https://api.example.com"},
		{in: "ftp://api.example.com", wantErr: "must use https"},
		{in: "https://", wantErr: "is not a URL"},
	}
	for _, tt := range tests {
		got, err := serverURL(tt.in)
		if got != tt.want || (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("serverURL(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if !isInCluster("https://kubernetes.default") || !isInCluster("https://kubernetes.default.svc:443") || isInCluster("https://api.example.com") {
		t.Error("isInCluster misclassifies hosts")
	}
}

func TestGrantsGetSecrets(t *testing.T) {
	rule := func(groups, resources, verbs []string) authorizationv1.ResourceRule {
		return authorizationv1.ResourceRule{APIGroups: groups, Resources: resources, Verbs: verbs}
	}
	tests := []struct {
		name  string
		rules []authorizationv1.ResourceRule
		want  bool
	}{
		{name: "get secrets in the core group", rules: []authorizationv1.ResourceRule{rule([]string{""}, []string{"secrets"}, []string{"get"})}, want: true},
		{name: "wildcards", rules: []authorizationv1.ResourceRule{rule([]string{"*"}, []string{"*"}, []string{"*"})}, want: true},
		{name: "list only", rules: []authorizationv1.ResourceRule{rule([]string{""}, []string{"secrets"}, []string{"list"})}},
		{name: "another group", rules: []authorizationv1.ResourceRule{rule([]string{"apps"}, []string{"secrets"}, []string{"get"})}},
		{name: "another resource", rules: []authorizationv1.ResourceRule{rule([]string{""}, []string{"configmaps"}, []string{"get"})}},
		{name: "no rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := grantsGetSecrets(tt.rules); got != tt.want {
				t.Errorf("grantsGetSecrets = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckSelfContained(t *testing.T) {
	tests := []struct {
		name string
		user *clientcmdapi.AuthInfo
		ca   string
		want string
	}{
		{name: "embedded token", user: &clientcmdapi.AuthInfo{Token: "t"}},
		{name: "exec", user: &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "sh"}}, want: "runs a command"},
		{name: "auth provider", user: &clientcmdapi.AuthInfo{AuthProvider: &clientcmdapi.AuthProviderConfig{Name: "gcp"}}, want: "auth-provider"},
		{name: "token file", user: &clientcmdapi.AuthInfo{TokenFile: "/var/run/token"}, want: "refers to files"},
		{name: "client cert file", user: &clientcmdapi.AuthInfo{ClientCertificate: "/tls.crt"}, want: "refers to files"},
		{name: "CA file", user: &clientcmdapi.AuthInfo{Token: "t"}, ca: "/ca.crt", want: "CA file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := clientcmdapi.NewConfig()
			kc.AuthInfos["u"] = tt.user
			kc.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://x", CertificateAuthority: tt.ca}
			err := checkSelfContained(kc)
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
