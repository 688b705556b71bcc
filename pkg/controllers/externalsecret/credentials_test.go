package externalsecret_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// TestStore_fixedCredentialsMakeStoreAndExternalSecretsReady: a Kubernetes store whose token
// Secret holds a bad token is InvalidProviderConfig; putting a good token into that Secret
// turns the store Ready within seconds (the Secret is not watched; the failing store retries
// with a short backoff) and its ExternalSecret syncs right after (the store watch).
func TestStore_fixedCredentialsMakeStoreAndExternalSecretsReady(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	must(t, k.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "remote", Namespace: ns}, Data: map[string][]byte{"password": []byte("pw")}}))
	token := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "token", Namespace: ns}, Data: map[string][]byte{"token": []byte("not-a-valid-token")}}
	must(t, k.Create(ctx, token))
	st := &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: "cluster", Namespace: ns}, Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{
		Kubernetes: &esv1.KubernetesProvider{
			Server:          esv1.KubernetesServer{URL: env.Config.Host, CABundle: env.Config.CAData},
			Auth:            &esv1.KubernetesAuth{Token: &esv1.TokenAuth{BearerToken: esmeta.SecretKeySelector{Name: "token", Key: "token"}}},
			RemoteNamespace: ns,
		},
	}}}
	must(t, k.Create(ctx, st))
	es := newES(t, ns, "es", "cluster", withData("password", "remote"), func(es *esv1.ExternalSecret) {
		es.Spec.Data[0].RemoteRef.Property = "password"
	})
	waitStore(t, st, metav1.ConditionFalse, "InvalidProviderConfig", 10*time.Second)
	waitReady(t, es, failing, "SecretSyncedError", 10*time.Second)
	time.Sleep(5 * time.Second) // let the store's backoff grow

	must(t, k.Get(ctx, client.ObjectKeyFromObject(token), token))
	token.Data["token"] = []byte(readerToken(t, ns))
	must(t, k.Update(ctx, token))
	waitStore(t, st, metav1.ConditionTrue, "Valid", 20*time.Second)
	waitReady(t, es, ready, "SecretSynced", 3*time.Second)
	waitData(t, ns, "es", kv{"password": "pw"}, time.Second)
}

// readerToken returns a token of a ServiceAccount allowed to read the namespace's Secrets.
func readerToken(t *testing.T, ns string) string {
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: ns}}
	must(t, k.Create(ctx, sa))
	must(t, k.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: ns},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}}}}))
	must(t, k.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "reader", Namespace: ns}}}))
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}
	must(t, k.SubResource("token").Create(ctx, sa, req))
	return req.Status.Token
}

func waitStore(t *testing.T, st *esv1.SecretStore, status metav1.ConditionStatus, reason string, within time.Duration) {
	t.Helper()
	eventually(t, within, func() error {
		var cur esv1.SecretStore
		if err := k.Get(context.Background(), client.ObjectKeyFromObject(st), &cur); err != nil {
			return err
		}
		for _, c := range cur.Status.Conditions {
			if c.Type == "Ready" && c.Status == status && c.Reason == reason {
				return nil
			}
		}
		return fmt.Errorf("store conditions %+v, want %s/%s", cur.Status.Conditions, status, reason)
	})
}

// TestForceSync_readsTheStoreAgainDespiteCoalescing: the suite keeps identical reads for a
// minute (as production does for a few seconds); a force-sync must still see a value changed
// at the store in the meantime.
func TestForceSync_readsTheStoreAgainDespiteCoalescing(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	remote := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "remote", Namespace: ns}, Data: map[string][]byte{"password": []byte("v1")}}
	must(t, k.Create(ctx, remote))
	must(t, k.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "token", Namespace: ns}, Data: map[string][]byte{"token": []byte(readerToken(t, ns))}}))
	must(t, k.Create(ctx, &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: "cluster", Namespace: ns}, Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{
		Kubernetes: &esv1.KubernetesProvider{
			Server:          esv1.KubernetesServer{URL: env.Config.Host, CABundle: env.Config.CAData},
			Auth:            &esv1.KubernetesAuth{Token: &esv1.TokenAuth{BearerToken: esmeta.SecretKeySelector{Name: "token", Key: "token"}}},
			RemoteNamespace: ns,
		},
	}}}))
	es := newES(t, ns, "es", "cluster", withData("password", "remote"), func(es *esv1.ExternalSecret) {
		es.Spec.Data[0].RemoteRef.Property = "password"
	})
	waitData(t, ns, "es", kv{"password": "v1"}, 10*time.Second)

	must(t, k.Get(ctx, client.ObjectKeyFromObject(remote), remote))
	remote.Data["password"] = []byte("v2")
	must(t, k.Update(ctx, remote))
	annotate(t, es, "force-sync", "now")
	waitData(t, ns, "es", kv{"password": "v2"}, 2*time.Second)
}
