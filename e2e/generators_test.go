//go:build e2e

package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

func passwordES(ns, name string, policy esv1.ExternalSecretRefreshPolicy) *esv1.ExternalSecret {
	return &esv1.ExternalSecret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: esv1.ExternalSecretSpec{
			RefreshPolicy: policy,
			DataFrom: []esv1.ExternalSecretDataFromRemoteRef{{SourceRef: &esv1.StoreGeneratorSourceRef{
				GeneratorRef: &esv1.GeneratorRef{APIVersion: genv1alpha1.GroupVersion.String(), Kind: genv1alpha1.PasswordKind, Name: "pw"},
			}}},
		},
	}
}

func password(t *testing.T, key client.ObjectKey) string {
	t.Helper()
	return string(waitSecret(t, key, nil, 10*time.Second).Data["password"])
}

// TestPasswordRotationAcrossRestart: a CreatedOnce password survives force-syncs and a
// controller crash; a Periodic one rotates on each refresh, also after the restart.
func TestPasswordRotationAcrossRestart(t *testing.T) {
	ns := env.Namespace(t)
	create(t, &genv1alpha1.Password{ObjectMeta: metav1.ObjectMeta{Name: "pw", Namespace: ns}, Spec: genv1alpha1.PasswordSpec{Length: 32}},
		passwordES(ns, "once", esv1.RefreshPolicyCreatedOnce), passwordES(ns, "periodic", esv1.RefreshPolicyPeriodic))
	once, periodic := client.ObjectKey{Namespace: ns, Name: "once"}, client.ObjectKey{Namespace: ns, Name: "periodic"}
	waitReady(t, once, 20*time.Second)
	waitReady(t, periodic, 20*time.Second)
	kept, rotating := password(t, once), password(t, periodic)
	if len(kept) != 32 || len(rotating) != 32 {
		t.Fatalf("password lengths %d and %d, want 32", len(kept), len(rotating))
	}

	ctrl.restart(t, nil)
	forceSync(t, once)
	forceSync(t, periodic)
	for deadline := time.Now().Add(10 * time.Second); password(t, periodic) == rotating; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the Periodic password did not rotate on a force-sync after the restart")
		}
	}
	// The periodic one has been handled after the restart; the CreatedOnce one was enqueued at
	// the same time and needs no provider call, so a moment more is plenty.
	time.Sleep(time.Second)
	waitReady(t, once, 10*time.Second)
	if got := password(t, once); got != kept {
		t.Fatal("the CreatedOnce password changed across a restart and a force-sync")
	}
}

// TestSeed004ECRPullSecret applies seed 004's ECR pull secret unchanged against moto: the
// generator gets a token through STS with the ServiceAccount's role, but the template does not
// build .dockerconfigjson, so the ExternalSecret must say exactly that. With the template
// fixed it syncs a pull Secret whose credentials are the ones ECR issued.
func TestSeed004ECRPullSecret(t *testing.T) {
	ensureNamespace(t, "production")
	// Credentials of a namespaced generator are read in the ExternalSecret's namespace.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "external-secrets", Namespace: "production",
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ecr-pull"}}}
	if err := env.Client.Create(ctx(), sa); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	objs := seed(t, "004-generators.yaml")
	for _, o := range objs {
		create(t, o)
		deleteAfter(t, o)
	}
	key := client.ObjectKey{Namespace: "production", Name: "ecr-pull-secret"}
	const want = "a Secret of type kubernetes.io/dockerconfigjson needs the key .dockerconfigjson: add it to spec.target.template.data"
	var es esv1.ExternalSecret
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		must(t, env.Client.Get(ctx(), key, &es))
		if c := meta.FindStatusCondition(es.Status.Conditions, esv1.ExternalSecretReady); c != nil && c.Status == metav1.ConditionFalse && c.Message == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ready is %+v, want False with %q", es.Status.Conditions, want)
		}
	}

	patch := client.MergeFrom(es.DeepCopy())
	es.Spec.Target.Template.Data = map[string]string{".dockerconfigjson": `{"auths":{"{{ .proxy_endpoint }}":{"username":"{{ .username }}","password":"{{ .password }}","auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}`}
	must(t, env.Client.Patch(ctx(), &es, patch))
	waitReady(t, key, 20*time.Second)
	secret := waitSecret(t, key, nil, 5*time.Second)
	if secret.Type != corev1.SecretTypeDockerConfigJson {
		t.Fatalf("type %s", secret.Type)
	}
	var cfg struct {
		Auths map[string]struct{ Username, Password, Auth string } `json:"auths"`
	}
	must(t, json.Unmarshal(secret.Data[corev1.DockerConfigJsonKey], &cfg))
	if len(cfg.Auths) != 1 {
		t.Fatalf("auths %v", cfg.Auths)
	}
	for registry, a := range cfg.Auths {
		// moto issues the token for the account of the assumed role.
		if !strings.HasPrefix(registry, "https://") || !strings.Contains(registry, ".dkr.ecr.us-east-1.amazonaws.com") {
			t.Errorf("registry %q", registry)
		}
		if a.Username != "AWS" || a.Password == "" || a.Auth != base64.StdEncoding.EncodeToString([]byte(a.Username+":"+a.Password)) {
			t.Errorf("credentials for %s: user %q, auth consistent: %v", registry, a.Username, a.Auth == base64.StdEncoding.EncodeToString([]byte(a.Username+":"+a.Password)))
		}
	}
}

// TestVaultDynamicSecretRevokesSupersededTokens: a VaultDynamicSecret issuing Vault tokens
// records each token's accessor in a GeneratorState; after a force-sync the superseded token
// is revoked once the grace period (2 s in this suite) has passed, and the current one lives.
func TestVaultDynamicSecretRevokesSupersededTokens(t *testing.T) {
	ns := env.Namespace(t)
	create(t,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "vault-token", Namespace: ns}, StringData: map[string]string{"token": "root"}},
		&genv1alpha1.VaultDynamicSecret{ObjectMeta: metav1.ObjectMeta{Name: "tokens", Namespace: ns}, Spec: genv1alpha1.VaultDynamicSecretSpec{
			Path: "auth/token/create", Method: "POST", ResultType: genv1alpha1.VaultDynamicSecretResultAuth,
			Parameters: &apiextensionsv1.JSON{Raw: []byte(`{"ttl":"1h","policies":["default"]}`)},
			Provider: &esv1.VaultProvider{Server: vaultAddr, Auth: &esv1.VaultAuth{
				TokenSecretRef: &esmeta.SecretKeySelector{Name: "vault-token", Key: "token"}}},
		}},
		&esv1.ExternalSecret{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns}, Spec: esv1.ExternalSecretSpec{
			DataFrom: []esv1.ExternalSecretDataFromRemoteRef{{SourceRef: &esv1.StoreGeneratorSourceRef{GeneratorRef: &esv1.GeneratorRef{
				APIVersion: genv1alpha1.GroupVersion.String(), Kind: genv1alpha1.VaultDynamicSecretKind, Name: "tokens"}}}},
		}},
	)
	key := client.ObjectKey{Namespace: ns, Name: "app"}
	waitReady(t, key, 20*time.Second)
	first := string(waitSecret(t, key, nil, 5*time.Second).Data["accessor"])
	if first == "" {
		t.Fatal("no accessor in the Secret")
	}
	alive := func(accessor string) bool {
		return vaultStatus(t, http.MethodPost, "auth/token/lookup-accessor", map[string]string{"accessor": accessor}) == http.StatusOK
	}
	states := func() []genv1alpha1.GeneratorState {
		var list genv1alpha1.GeneratorStateList
		must(t, env.Client.List(ctx(), &list, client.InNamespace(ns)))
		return list.Items
	}
	if n := len(states()); n != 1 || !alive(first) {
		t.Fatalf("%d GeneratorStates, token alive: %v", n, alive(first))
	}

	forceSync(t, key)
	var second string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if second = string(waitSecret(t, key, nil, 5*time.Second).Data["accessor"]); second != first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the token did not rotate on a force-sync")
		}
	}
	for deadline := time.Now().Add(20 * time.Second); alive(first) || len(states()) != 1; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after the grace period: superseded token alive %v, %d GeneratorStates", alive(first), len(states()))
		}
	}
	if !alive(second) {
		t.Fatal("the current token was revoked")
	}
}
