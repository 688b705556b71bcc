package kubernetes

import (
	"context"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
	"github.com/seedb5e69c69/external-secrets/providers"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, &env)
}

// fixture is one namespace holding the store, its credentials and the Secrets it serves.
type fixture struct {
	t  *testing.T
	ns string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{t: t, ns: env.Namespace(t)}
}

func (f *fixture) create(obj client.Object) {
	f.t.Helper()
	if obj.GetNamespace() == "" {
		obj.SetNamespace(f.ns)
	}
	if err := env.Client.Create(context.Background(), obj); err != nil {
		f.t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

func (f *fixture) secret(name string, data map[string]string, labels map[string]string) *corev1.Secret {
	f.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns, Labels: labels}, StringData: data}
	f.create(s)
	return s
}

// serviceAccount creates a ServiceAccount, allowed to manage Secrets of the namespace when
// allowed is true, and returns a token for it.
func (f *fixture) serviceAccount(name string, allowed bool) string {
	f.t.Helper()
	f.create(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if allowed {
		f.create(&rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Rules: []rbacv1.PolicyRule{{
				APIGroups: []string{""}, Resources: []string{"secrets"},
				Verbs: []string{"get", "list", "create", "update", "delete"},
			}},
		})
		f.create(&rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: f.ns}},
		})
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns}}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}
	if err := env.Client.SubResource("token").Create(context.Background(), sa, req); err != nil {
		f.t.Fatalf("requesting a token: %v", err)
	}
	return req.Status.Token
}

// tokenStore returns a SecretStore reaching the test apiserver with the token kept in the
// Secret tokenSecret, serving the fixture's namespace.
func (f *fixture) tokenStore(tokenSecret string) *esv1.SecretStore {
	return f.store(&esv1.KubernetesProvider{
		Server: esv1.KubernetesServer{URL: env.Config.Host, CABundle: env.Config.CAData},
		Auth: &esv1.KubernetesAuth{Token: &esv1.TokenAuth{
			BearerToken: esmeta.SecretKeySelector{Name: tokenSecret, Key: "token"},
		}},
		RemoteNamespace: f.ns,
	})
}

func (f *fixture) store(spec *esv1.KubernetesProvider) *esv1.SecretStore {
	return &esv1.SecretStore{
		ObjectMeta: metav1.ObjectMeta{Name: "store", Namespace: f.ns},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Kubernetes: spec}},
	}
}

// reader returns a client authenticated as a ServiceAccount allowed to manage Secrets.
func (f *fixture) reader() *Client {
	f.t.Helper()
	f.secret("reader-token", map[string]string{"token": f.serviceAccount("reader", true)}, nil)
	return f.client(f.tokenStore("reader-token"), f.ns)
}

func (f *fixture) client(store esv1.GenericStore, namespace string) *Client {
	f.t.Helper()
	c, err := New(WithInClusterCAFile("")).NewClient(context.Background(), store, env.Client, namespace)
	if err != nil {
		f.t.Fatalf("NewClient: %v", err)
	}
	f.t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c.(*Client)
}

var _ providers.Writer = (*Client)(nil)
