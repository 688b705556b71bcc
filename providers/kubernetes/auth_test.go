package kubernetes

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func clusterStore(spec *esv1.KubernetesProvider) *esv1.ClusterSecretStore {
	return &esv1.ClusterSecretStore{
		ObjectMeta: metav1.ObjectMeta{Name: "css"},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Kubernetes: spec}},
	}
}

func kubeconfig(t *testing.T, token string) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: env.Config.Host, CertificateAuthorityData: env.Config.CAData}
	kc.AuthInfos["test"] = &clientcmdapi.AuthInfo{Token: token}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "test"}
	kc.CurrentContext = "test"
	raw, err := clientcmd.Write(*kc)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

type authCase struct {
	name      string
	store     esv1.GenericStore
	namespace string
}

// certStore returns a store authenticating with the admin's client certificate, if the test
// apiserver's admin config has one.
func certStore(f *fixture, server esv1.KubernetesServer) esv1.GenericStore {
	if len(env.Config.CertData) == 0 || len(env.Config.KeyData) == 0 {
		return nil
	}
	f.secret("client-cert", map[string]string{"tls.crt": string(env.Config.CertData), "tls.key": string(env.Config.KeyData)}, nil)
	return f.store(&esv1.KubernetesProvider{Server: server, RemoteNamespace: f.ns,
		Auth: &esv1.KubernetesAuth{Cert: &esv1.CertAuth{
			ClientCert: esmeta.SecretKeySelector{Name: "client-cert", Key: "tls.crt"},
			ClientKey:  esmeta.SecretKeySelector{Name: "client-cert", Key: "tls.key"},
		}}})
}

// TestProvider_NewClient_authModes authenticates every supported way against the test
// apiserver and reads a Secret with each client.
func TestProvider_NewClient_authModes(t *testing.T) {
	f := newFixture(t)
	token := f.serviceAccount("reader", true)
	f.secret("creds", map[string]string{
		"token":      token,
		"kubeconfig": kubeconfig(t, token),
		"ca.crt":     string(env.Config.CAData),
	}, nil)
	f.create(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ca"}, Data: map[string]string{"root.pem": string(env.Config.CAData)}})
	f.secret("app", map[string]string{"k": "v"}, nil)
	server := esv1.KubernetesServer{URL: env.Config.Host, CABundle: env.Config.CAData}
	tokenAuth := func(ns *string) *esv1.KubernetesAuth {
		return &esv1.KubernetesAuth{Token: &esv1.TokenAuth{BearerToken: esmeta.SecretKeySelector{Name: "creds", Key: "token", Namespace: ns}}}
	}
	tests := []authCase{
		{name: "token", store: f.store(&esv1.KubernetesProvider{Server: server, Auth: tokenAuth(nil), RemoteNamespace: f.ns})},
		{name: "token with the CA from a ConfigMap", store: f.store(&esv1.KubernetesProvider{
			Server:          esv1.KubernetesServer{URL: env.Config.Host, CAProvider: &esv1.CAProvider{Type: esv1.CAProviderTypeConfigMap, Name: "ca", Key: "root.pem"}},
			Auth:            tokenAuth(nil),
			RemoteNamespace: f.ns,
		})},
		{name: "token with the CA from a Secret's default key", store: f.store(&esv1.KubernetesProvider{
			Server:          esv1.KubernetesServer{URL: env.Config.Host, CAProvider: &esv1.CAProvider{Type: esv1.CAProviderTypeSecret, Name: "creds"}},
			Auth:            tokenAuth(nil),
			RemoteNamespace: f.ns,
		})},
		{name: "referent token of a ClusterSecretStore", namespace: f.ns, store: clusterStore(&esv1.KubernetesProvider{Server: server, Auth: tokenAuth(nil), RemoteNamespace: f.ns})},
		{name: "token of a ClusterSecretStore with a namespace", store: clusterStore(&esv1.KubernetesProvider{Server: server, Auth: tokenAuth(ptr.To(f.ns)), RemoteNamespace: f.ns})},
		{name: "serviceAccount", store: f.store(&esv1.KubernetesProvider{Server: server, RemoteNamespace: f.ns,
			Auth: &esv1.KubernetesAuth{ServiceAccount: &esmeta.ServiceAccountSelector{Name: "reader"}}})},
		{name: "authRef kubeconfig", store: f.store(&esv1.KubernetesProvider{RemoteNamespace: f.ns,
			AuthRef: &esmeta.SecretKeySelector{Name: "creds", Key: "kubeconfig"}})},
	}
	if cert := certStore(f, server); cert != nil {
		tests = append(tests, authCase{name: "client certificate", store: cert})
	} else {
		t.Log("the test apiserver's admin config has no client certificate; client-cert auth is not exercised")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.client(tt.store, tt.namespace)
			if res, err := c.Validate(context.Background()); res != esv1.ValidationResultReady || err != nil {
				t.Fatalf("Validate = %v, %v", res, err)
			}
			got, err := c.GetSecret(context.Background(), esv1.ExternalSecretDataRemoteRef{Key: "app", Property: "k"})
			if err != nil || string(got) != "v" {
				t.Errorf("GetSecret = %q, %v", got, err)
			}
		})
	}
}

func TestClient_Validate(t *testing.T) {
	f := newFixture(t)
	f.secret("tokens", map[string]string{
		"allowed": f.serviceAccount("allowed", true),
		"denied":  f.serviceAccount("denied", false),
		"bogus":   "not-a-token",
	}, nil)
	spec := func(url, key string) *esv1.KubernetesProvider {
		return &esv1.KubernetesProvider{
			Server:          esv1.KubernetesServer{URL: url, CABundle: env.Config.CAData},
			Auth:            &esv1.KubernetesAuth{Token: &esv1.TokenAuth{BearerToken: esmeta.SecretKeySelector{Name: "tokens", Key: key}}},
			RemoteNamespace: f.ns,
		}
	}
	tests := []struct {
		name      string
		store     esv1.GenericStore
		namespace string
		want      esv1.ValidationResult
		wantErr   error
		message   string
	}{
		{name: "allowed to get secrets", store: f.store(spec(env.Config.Host, "allowed")), want: esv1.ValidationResultReady},
		{name: "not allowed to get secrets", store: f.store(spec(env.Config.Host, "denied")), want: esv1.ValidationResultError,
			wantErr: ErrNotAllowed, message: "client is not allowed to get secrets"},
		{name: "rejected credentials", store: f.store(spec(env.Config.Host, "bogus")), want: esv1.ValidationResultError, wantErr: providers.ErrUnauthorized},
		{name: "unreachable server is unknown", store: f.store(spec("https://127.0.0.1:1", "allowed")), want: esv1.ValidationResultUnknown, message: "reviewing"},
		{name: "referent ClusterSecretStore without namespace is unknown", store: clusterStore(spec(env.Config.Host, "allowed")), want: esv1.ValidationResultUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := f.client(tt.store, tt.namespace).Validate(context.Background())
			if res != tt.want {
				t.Errorf("result = %v, want %v (error %v)", res, tt.want, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if (err != nil) != (tt.wantErr != nil || tt.message != "") {
				t.Errorf("unexpected error presence: %v", err)
			}
			if tt.message != "" && (err == nil || !strings.Contains(err.Error(), tt.message)) {
				t.Errorf("error %v does not say %q", err, tt.message)
			}
		})
	}
}

func TestClient_referentWithoutNamespace(t *testing.T) {
	f := newFixture(t)
	store := clusterStore(&esv1.KubernetesProvider{
		Server: esv1.KubernetesServer{URL: env.Config.Host, CABundle: env.Config.CAData},
		Auth:   &esv1.KubernetesAuth{ServiceAccount: &esmeta.ServiceAccountSelector{Name: "reader"}},
	})
	c := f.client(store, "")
	_, err := c.GetSecret(context.Background(), esv1.ExternalSecretDataRemoteRef{Key: "app"})
	if !errors.Is(err, credentials.ErrReferentNamespace) {
		t.Errorf("reads without credentials must fail with ErrReferentNamespace, got %v", err)
	}
}

func TestProvider_NewClient_errors(t *testing.T) {
	f := newFixture(t)
	f.secret("creds", map[string]string{"token": "secret-token-value", "exec": execKubeconfig}, nil)
	tests := []struct {
		name string
		spec *esv1.KubernetesProvider
		want string
	}{
		{name: "missing token Secret", want: "Secret " + f.ns + "/nope not found", spec: &esv1.KubernetesProvider{
			Auth: &esv1.KubernetesAuth{Token: &esv1.TokenAuth{BearerToken: esmeta.SecretKeySelector{Name: "nope", Key: "token"}}}}},
		{name: "missing token key", want: `key "other" not found`, spec: &esv1.KubernetesProvider{
			Auth: &esv1.KubernetesAuth{Token: &esv1.TokenAuth{BearerToken: esmeta.SecretKeySelector{Name: "creds", Key: "other"}}}}},
		{name: "CA that is not PEM", want: "no PEM", spec: &esv1.KubernetesProvider{
			Server: esv1.KubernetesServer{CABundle: []byte("junk")},
			Auth:   &esv1.KubernetesAuth{Token: &esv1.TokenAuth{BearerToken: esmeta.SecretKeySelector{Name: "creds", Key: "token"}}}}},
		{name: "kubeconfig that is not one", want: "does not hold a valid kubeconfig", spec: &esv1.KubernetesProvider{
			AuthRef: &esmeta.SecretKeySelector{Name: "creds", Key: "token"}}},
		{name: "kubeconfig running a command", want: "runs a command", spec: &esv1.KubernetesProvider{
			AuthRef: &esmeta.SecretKeySelector{Name: "creds", Key: "exec"}}},
		{name: "missing ServiceAccount", want: "ServiceAccount " + f.ns + "/nope", spec: &esv1.KubernetesProvider{
			Auth: &esv1.KubernetesAuth{ServiceAccount: &esmeta.ServiceAccountSelector{Name: "nope"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().NewClient(context.Background(), f.store(tt.spec), env.Client, f.ns)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret-token-value") {
				t.Errorf("the error shows a credential: %v", err)
			}
		})
	}
}

const execKubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://example.invalid"}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
