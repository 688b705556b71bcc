//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

// The suite's shared infrastructure, started once by TestMain.
var (
	env       *testenv.Env
	vaultAddr string
	motoURL   string
	ctrl      *controller
	// seedDir holds the users' manifests, next to the repository.
	seedDir = filepath.Join(testenv.RepoRoot(), "..", "shared", "seed-manifests")
)

const awsRegion = "us-west-2" // the region of the seed 002 store

func TestMain(m *testing.M) {
	binary := os.Getenv("ESO_BINARY")
	if binary == "" {
		fmt.Fprintln(os.Stderr, "ESO_BINARY is not set; run `make test-e2e`: skipping the e2e suite")
		os.Exit(0)
	}
	os.Exit(run(m, binary))
}

func run(m *testing.M, binary string) int {
	isolateAWS()
	var err error
	if env, err = testenv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "control plane:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	vault, addr, err := startVault()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vault:", err)
		return 1
	}
	defer stopProcess(vault)
	vaultAddr = addr

	moto, url, err := startMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, "moto:", err)
		return 1
	}
	defer stopProcess(moto)
	motoURL = url

	ctrl = &controller{binary: binary}
	if err := ctrl.start(); err != nil {
		fmt.Fprintln(os.Stderr, "controller:", err)
		return 1
	}
	defer ctrl.stop()
	return m.Run()
}

// isolateAWS keeps the developer's AWS settings out of both this process and the controller.
func isolateAWS() {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			_ = os.Unsetenv(k)
		}
	}
	_ = os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	_ = os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	_ = os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// dieWithParent makes the kernel kill cmd when the test process dies without cleaning up (a
// panic, a timeout, a closed output pipe), so no server outlives the suite.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

func stopProcess(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

// waitHTTP polls url until it answers with one of the accepted status codes.
func waitHTTP(url string, timeout time.Duration, ok func(int) bool) error {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if ok(resp.StatusCode) {
				return nil
			}
		}
	}
	return fmt.Errorf("%s did not answer within %s", url, timeout)
}

// startVault starts a Vault dev server (binary built and cached by hack/vault.sh) with the
// root token "root" and KV v2 at secret/.
func startVault() (*exec.Cmd, string, error) {
	out, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "vault.sh")).Output()
	if err != nil {
		return nil, "", fmt.Errorf("building vault: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(lines[len(lines)-1], "server", "-dev", "-dev-listen-address="+addr, "-dev-root-token-id=root")
	cmd.Env = append(os.Environ(), "VAULT_DISABLE_MLOCK=true")
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	url := "http://" + addr
	if err := waitHTTP(url+"/v1/sys/health", 30*time.Second, func(c int) bool { return c == http.StatusOK }); err != nil {
		stopProcess(cmd)
		return nil, "", err
	}
	return cmd, url, nil
}

// startMoto starts moto_server on a free port.
func startMoto() (*exec.Cmd, string, error) {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		path = "/root/.pyenv/shims/moto_server"
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(path, "-H", host, "-p", port)
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	url := "http://" + addr
	if err := waitHTTP(url+"/moto-api/", 30*time.Second, func(c int) bool { return c < 500 }); err != nil {
		stopProcess(cmd)
		return nil, "", err
	}
	return cmd, url, nil
}

// controller is the built binary running as its own process.
type controller struct {
	binary      string
	cmd         *exec.Cmd
	metricsAddr string
	exited      chan struct{}
}

func (c *controller) start() error {
	metrics, err := freeAddr()
	if err != nil {
		return err
	}
	live, err := freeAddr()
	if err != nil {
		return err
	}
	cmd := exec.Command(c.binary, "--metrics-addr", metrics, "--live-addr", live,
		"--concurrent", "4", "--client-qps", "200", "--client-burst", "400", "--loglevel", "error",
		"--generator-gc-grace-period", "2s")
	cmd.Env = append(os.Environ(),
		"KUBECONFIG="+env.Kubeconfig,
		"AWS_ENDPOINT_URL="+motoURL,
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION="+awsRegion,
	)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	c.cmd, c.metricsAddr, c.exited = cmd, metrics, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(c.exited)
	if err := waitHTTP("http://"+live+"/readyz", 30*time.Second, func(code int) bool { return code == http.StatusOK }); err != nil {
		c.stop()
		return err
	}
	return nil
}

// kill ends the controller with SIGKILL: no graceful shutdown, as in a crash or OOM kill.
func (c *controller) kill() {
	if c.cmd == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.exited
	c.cmd = nil
}

func (c *controller) stop() {
	if c.cmd == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	c.cmd = nil
}

// restart kills the controller hard (SIGKILL, as in a crash or OOM kill), runs whileDown
// (may be nil) and starts a new process.
func (c *controller) restart(t *testing.T, whileDown func()) {
	t.Helper()
	c.kill()
	if whileDown != nil {
		whileDown()
	}
	if err := c.start(); err != nil {
		t.Fatalf("restarting the controller: %v", err)
	}
}

// --- helpers for the tests ---

func ctx() context.Context { return context.Background() }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := env.Client.Create(ctx(), o); err != nil {
			t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
}

// deleteAfter removes objects when the test ends.
func deleteAfter(t *testing.T, objs ...client.Object) {
	t.Cleanup(func() {
		for _, o := range objs {
			_ = env.Client.Delete(ctx(), o)
		}
	})
}

// ensureNamespace creates a fixed-name namespace that a seed manifest names.
func ensureNamespace(t *testing.T, name string) {
	t.Helper()
	err := env.Client.Create(ctx(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// seed reads a seed manifest file into unstructured objects, in file order.
func seed(t *testing.T, name string) []*unstructured.Unstructured {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(seedDir, name))
	if err != nil || len(matches) != 1 {
		t.Skipf("seed manifest %s not found in %s", name, seedDir)
	}
	raw, err := os.ReadFile(matches[0])
	must(t, err)
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var out []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("%s: %v", matches[0], err)
		}
		if obj != nil {
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
}

func byKind(t *testing.T, objs []*unstructured.Unstructured, kind string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind {
			return o
		}
	}
	t.Fatalf("no %s in the seed manifest", kind)
	return nil
}

func forceSync(t *testing.T, key client.ObjectKey) {
	t.Helper()
	var es esv1.ExternalSecret
	must(t, env.Client.Get(ctx(), key, &es))
	patch := client.MergeFrom(es.DeepCopy())
	if es.Annotations == nil {
		es.Annotations = map[string]string{}
	}
	es.Annotations[esv1.AnnotationForceSync] = fmt.Sprint(time.Now().UnixNano())
	must(t, env.Client.Patch(ctx(), &es, patch))
}

// waitReady waits for an ExternalSecret to be Ready and returns it.
func waitReady(t *testing.T, key client.ObjectKey, timeout time.Duration) *esv1.ExternalSecret {
	t.Helper()
	var es esv1.ExternalSecret
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		if err := env.Client.Get(ctx(), key, &es); err == nil && meta.IsStatusConditionTrue(es.Status.Conditions, esv1.ExternalSecretReady) {
			return &es
		}
		if time.Now().After(deadline) {
			t.Fatalf("ExternalSecret %s is not Ready after %s: %+v", key, timeout, es.Status.Conditions)
		}
	}
}

// waitSecret waits until the Secret holds want (a subset of its data) and returns it.
func waitSecret(t *testing.T, key client.ObjectKey, want map[string]string, timeout time.Duration) *corev1.Secret {
	t.Helper()
	var s corev1.Secret
	var err error
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if err = env.Client.Get(ctx(), key, &s); err == nil && hasData(&s, want) {
			return &s
		}
		if time.Now().After(deadline) {
			got := map[string]string{}
			for k, v := range s.Data {
				got[k] = string(v)
			}
			t.Fatalf("Secret %s does not hold %v after %s (err=%v, data=%v)", key, want, timeout, err, got)
		}
	}
}

func hasData(s *corev1.Secret, want map[string]string) bool {
	for k, v := range want {
		if string(s.Data[k]) != v {
			return false
		}
	}
	return true
}

func smClient() *secretsmanager.Client {
	return secretsmanager.NewFromConfig(aws.Config{
		Region:       awsRegion,
		BaseEndpoint: aws.String(motoURL),
		Credentials:  awscreds.NewStaticCredentialsProvider("test", "test", ""),
	})
}

func vaultRequest(t *testing.T, method, path string, body any) {
	t.Helper()
	if code := vaultStatus(t, method, path, body); code >= 300 {
		t.Fatalf("vault %s %s: HTTP %d", method, path, code)
	}
}

// vaultStatus makes a request with the root token and returns the HTTP status.
func vaultStatus(t *testing.T, method, path string, body any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, vaultAddr+"/v1/"+path, rd)
	must(t, err)
	req.Header.Set("X-Vault-Token", "root")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func fakeStore(ns, name string, data map[string]string) *esv1.SecretStore {
	var d []esv1.FakeProviderData
	for k, v := range data {
		d = append(d, esv1.FakeProviderData{Key: k, Value: v})
	}
	return &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{Data: d}}}}
}

func extractES(ns, name, store, key string) *esv1.ExternalSecret {
	return &esv1.ExternalSecret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: esv1.ExternalSecretSpec{SecretStoreRef: esv1.SecretStoreRef{Name: store},
			DataFrom: []esv1.ExternalSecretDataFromRemoteRef{{Extract: &esv1.ExternalSecretDataRemoteRef{Key: key}}}}}
}

// --- the tests ---

// TestSeed002AWSForceSync applies seed 002 as written (a ClusterSecretStore with the SDK's
// default credentials, which the controller's environment points at moto) and checks the
// Secret, then a force-sync picking up a new remote value within 2 s.
func TestSeed002AWSForceSync(t *testing.T) {
	objs := seed(t, "002-*.yaml")
	store, es := byKind(t, objs, "ClusterSecretStore"), byKind(t, objs, "ExternalSecret")
	sm := smClient()
	_, err := sm.CreateSecret(ctx(), &secretsmanager.CreateSecretInput{Name: aws.String("test"), SecretString: aws.String(`{"test":"hello-from-aws"}`)})
	must(t, err)
	t.Cleanup(func() {
		_, _ = sm.DeleteSecret(ctx(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("test"), ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	ensureNamespace(t, es.GetNamespace())
	create(t, store, es)
	deleteAfter(t, es, store)

	key := client.ObjectKey{Namespace: es.GetNamespace(), Name: es.GetName()}
	waitReady(t, key, 20*time.Second)
	waitSecret(t, client.ObjectKey{Namespace: key.Namespace, Name: "example"}, map[string]string{"secret-key-to-be-managed": "hello-from-aws"}, 5*time.Second)

	_, err = sm.PutSecretValue(ctx(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("test"), SecretString: aws.String(`{"test":"rotated"}`)})
	must(t, err)
	forceSync(t, key)
	waitSecret(t, client.ObjectKey{Namespace: key.Namespace, Name: "example"}, map[string]string{"secret-key-to-be-managed": "rotated"}, 2*time.Second)
}

// TestSeed004VaultExtract applies the ExternalSecret of seed 004 (v1beta1) as written against
// a Vault dev server; the store keeps the seed's server path and version but authenticates
// with a token Secret instead of Kubernetes auth.
func TestSeed004VaultExtract(t *testing.T) {
	objs := seed(t, "004-vault.yaml")
	seedStore, es := byKind(t, objs, "ClusterSecretStore"), byKind(t, objs, "ExternalSecret")
	vaultRequest(t, http.MethodPost, "secret/data/production/myapp/config", map[string]any{"data": map[string]string{"db_user": "app", "db_password": "s3cret"}})

	tokenNS := env.Namespace(t)
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "vault-token", Namespace: tokenNS}, StringData: map[string]string{"token": "root"}})
	vault, _, _ := unstructured.NestedMap(seedStore.Object, "spec", "provider", "vault")
	must(t, unstructured.SetNestedField(seedStore.Object, vaultAddr, "spec", "provider", "vault", "server"))
	must(t, unstructured.SetNestedMap(seedStore.Object, map[string]any{"tokenSecretRef": map[string]any{"name": "vault-token", "namespace": tokenNS, "key": "token"}},
		"spec", "provider", "vault", "auth"))
	if vault["path"] != "secret" || vault["version"] != "v2" {
		t.Fatalf("unexpected seed store: %v", vault)
	}
	ensureNamespace(t, es.GetNamespace())
	create(t, seedStore, es)
	deleteAfter(t, es, seedStore)

	key := client.ObjectKey{Namespace: es.GetNamespace(), Name: es.GetName()}
	waitReady(t, key, 20*time.Second)
	waitSecret(t, client.ObjectKey{Namespace: key.Namespace, Name: "vault-secret"}, map[string]string{"db_user": "app", "db_password": "s3cret"}, 5*time.Second)
}

// TestKubernetesCrossNamespace reads a Secret of another namespace through the Kubernetes
// provider with a ServiceAccount token allowed only there.
func TestKubernetesCrossNamespace(t *testing.T) {
	ns, other := env.Namespace(t), env.Namespace(t)
	create(t,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "api-credentials", Namespace: other}, StringData: map[string]string{"key": "team-api-key-123"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: other}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: other},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: other},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "reader", Namespace: other}}},
	)
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}
	must(t, env.Client.SubResource("token").Create(ctx(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: other}}, req))
	create(t,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "reader-token", Namespace: ns}, StringData: map[string]string{"token": req.Status.Token}},
		&esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: ns}, Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{
			Kubernetes: &esv1.KubernetesProvider{
				RemoteNamespace: other,
				Server:          esv1.KubernetesServer{URL: env.Config.Host, CABundle: env.Config.CAData},
				Auth:            &esv1.KubernetesAuth{Token: &esv1.TokenAuth{BearerToken: esmeta.SecretKeySelector{Name: "reader-token", Key: "token"}}},
			}}}},
		&esv1.ExternalSecret{ObjectMeta: metav1.ObjectMeta{Name: "shared", Namespace: ns}, Spec: esv1.ExternalSecretSpec{
			SecretStoreRef: esv1.SecretStoreRef{Name: "other"},
			Data:           []esv1.ExternalSecretData{{SecretKey: "api-key", RemoteRef: esv1.ExternalSecretDataRemoteRef{Key: "api-credentials", Property: "key"}}}}},
	)
	waitReady(t, client.ObjectKey{Namespace: ns, Name: "shared"}, 20*time.Second)
	waitSecret(t, client.ObjectKey{Namespace: ns, Name: "shared"}, map[string]string{"api-key": "team-api-key-123"}, 5*time.Second)
}

// readCoalesceWindow is the controller's default --provider-read-coalesce-window: identical
// remote reads within it are served from one result.
const readCoalesceWindow = 5 * time.Second

// TestDeletionPolicyDelete removes the remote secret in moto (static-credentials store) and
// expects the target Secret of a deletionPolicy=Delete ExternalSecret to be deleted.
func TestDeletionPolicyDelete(t *testing.T) {
	t.Run("remote deleted after the read-coalesce window", func(t *testing.T) {
		deletionFlow(t, readCoalesceWindow+time.Second)
	})
	t.Run("remote deleted within the read-coalesce window", func(t *testing.T) {
		deletionFlow(t, 0)
	})
}

func deletionFlow(t *testing.T, waitBeforeDelete time.Duration) {
	ns := env.Namespace(t)
	name := fmt.Sprintf("e2e-delete-%d", time.Now().UnixNano())
	sm := smClient()
	_, err := sm.CreateSecret(ctx(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(`{"user":"u","password":"p"}`)})
	must(t, err)
	create(t,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "aws-creds", Namespace: ns}, StringData: map[string]string{"id": "test", "secret": "test"}},
		&esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: "aws", Namespace: ns}, Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{
			AWS: &esv1.AWSProvider{Service: esv1.AWSServiceSecretsManager, Region: awsRegion, Auth: esv1.AWSAuth{SecretRef: &esv1.AWSAuthSecretRef{
				AccessKeyID:     esmeta.SecretKeySelector{Name: "aws-creds", Key: "id"},
				SecretAccessKey: esmeta.SecretKeySelector{Name: "aws-creds", Key: "secret"},
			}}}}}},
	)
	es := extractES(ns, "doomed", "aws", name)
	es.Spec.Target = esv1.ExternalSecretTarget{CreationPolicy: esv1.CreatePolicyOwner, DeletionPolicy: esv1.DeletionPolicyDelete}
	create(t, es)
	key := client.ObjectKey{Namespace: ns, Name: "doomed"}
	waitReady(t, key, 20*time.Second)
	waitSecret(t, key, map[string]string{"user": "u", "password": "p"}, 5*time.Second)
	time.Sleep(waitBeforeDelete)

	_, err = sm.DeleteSecret(ctx(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	must(t, err)
	forceSync(t, key)
	// Gone, and still gone a moment later (not re-created by a follow-up reconcile).
	goneSince := time.Time{}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		err := env.Client.Get(ctx(), key, &corev1.Secret{})
		switch {
		case apierrors.IsNotFound(err) && goneSince.IsZero():
			goneSince = time.Now()
		case err == nil:
			goneSince = time.Time{}
		}
		if !goneSince.IsZero() && time.Since(goneSince) > time.Second {
			break
		}
		if time.Now().After(deadline) {
			var cur esv1.ExternalSecret
			_ = env.Client.Get(ctx(), key, &cur)
			var events corev1.EventList
			_ = env.Client.List(ctx(), &events, client.InNamespace(ns))
			var evs []string
			for _, e := range events.Items {
				evs = append(evs, e.Reason+": "+e.Message)
			}
			t.Fatalf("target Secret exists 10 s after the remote secret was deleted (get err=%v, status=%+v, events=%q)", err, cur.Status, evs)
		}
	}
	// Nothing to sync is not an error with Delete: the ExternalSecret stays Ready.
	waitReady(t, key, 5*time.Second)
}

// TestRestartMidSync kills the controller with SIGKILL while 50 ExternalSecrets are being
// synced, starts it again, and expects every one Ready with exactly one Secret each.
func TestRestartMidSync(t *testing.T) {
	const n = 50
	ns := env.Namespace(t)
	create(t, fakeStore(ns, "fake", map[string]string{"/db": `{"user":"u","password":"p"}`}))
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for w := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 5 {
				if err := env.Client.Create(ctx(), extractES(ns, fmt.Sprintf("es-%d", i), "fake", "/db")); err != nil {
					errs <- err
				}
			}
		}()
	}
	time.Sleep(300*time.Millisecond - time.Since(start))
	// Kill once the controller has started writing, so the kill lands in the middle of the sync.
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var written corev1.SecretList
		must(t, env.Client.List(ctx(), &written, client.InNamespace(ns)))
		if len(written.Items) > 0 {
			break
		}
	}
	ctrl.restart(t, func() { // SIGKILL mid-apply/mid-sync
		var atKill corev1.SecretList
		must(t, env.Client.List(ctx(), &atKill, client.InNamespace(ns)))
		t.Logf("controller killed %s after the first apply with %d target Secrets written", time.Since(start).Round(time.Millisecond), len(atKill.Items))
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	deadline := time.Now().Add(60 * time.Second)
	for {
		var list esv1.ExternalSecretList
		must(t, env.Client.List(ctx(), &list, client.InNamespace(ns)))
		ready := 0
		for i := range list.Items {
			if meta.IsStatusConditionTrue(list.Items[i].Status.Conditions, esv1.ExternalSecretReady) {
				ready++
			}
		}
		if ready == n && len(list.Items) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d ExternalSecrets Ready after the restart", ready, n)
		}
		time.Sleep(200 * time.Millisecond)
	}

	var secrets corev1.SecretList
	must(t, env.Client.List(ctx(), &secrets, client.InNamespace(ns)))
	seen := map[string]int{}
	for i := range secrets.Items {
		s := &secrets.Items[i]
		if s.Type == corev1.SecretTypeServiceAccountToken {
			continue
		}
		seen[s.Name]++
		owners := 0
		for _, ref := range s.OwnerReferences {
			if ref.Controller != nil && *ref.Controller && ref.Kind == "ExternalSecret" {
				owners++
				if ref.Name != s.Name {
					t.Errorf("Secret %s is owned by ExternalSecret %s", s.Name, ref.Name)
				}
			}
		}
		if owners != 1 {
			t.Errorf("Secret %s has %d controlling ExternalSecret owners, want 1", s.Name, owners)
		}
		if !hasData(s, map[string]string{"user": "u", "password": "p"}) {
			t.Errorf("Secret %s has unexpected data", s.Name)
		}
	}
	for i := range n {
		if c := seen[fmt.Sprintf("es-%d", i)]; c != 1 {
			t.Errorf("es-%d has %d Secrets, want 1", i, c)
		}
	}
	if len(seen) != n {
		t.Errorf("%d Secrets in the namespace, want %d: %v", len(seen), n, seen)
	}
}

// TestMetricsScrape checks the controller's /metrics reports the Ready=True condition of a
// synced ExternalSecret.
func TestMetricsScrape(t *testing.T) {
	ns := env.Namespace(t)
	create(t, fakeStore(ns, "fake", map[string]string{"/k": `{"a":"b"}`}), extractES(ns, "observed", "fake", "/k"))
	waitReady(t, client.ObjectKey{Namespace: ns, Name: "observed"}, 20*time.Second)

	want := []string{`name="observed"`, `namespace="` + ns + `"`, `condition="Ready"`, `status="True"`}
	var last []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		last = scrape(t, "externalsecret_status_condition{")
		for _, line := range last {
			if containsAll(line, want) && strings.HasSuffix(line, " 1") {
				return
			}
		}
	}
	t.Fatalf("no externalsecret_status_condition series with %v = 1; got:\n%s", want, strings.Join(last, "\n"))
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// scrape returns the metric lines of the running controller that start with prefix.
func scrape(t *testing.T, prefix string) []string {
	t.Helper()
	resp, err := http.Get("http://" + ctrl.metricsAddr + "/metrics")
	must(t, err)
	defer func() { _ = resp.Body.Close() }()
	var out []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// apiCalls sums the controller's provider call counter for one provider and call.
func apiCalls(t *testing.T, provider, call string) float64 {
	t.Helper()
	total := 0.0
	for _, line := range scrape(t, "externalsecret_provider_api_calls_count{") {
		if containsAll(line, []string{`provider="` + provider + `"`, `call="` + call + `"`}) {
			f := strings.Fields(line)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			must(t, err)
			total += v
		}
	}
	return total
}

// TestAWSBatchesDataRefs: one ExternalSecret with 20 data[] references to 20 secrets costs at
// most one BatchGetSecretValue call and no single GetSecretValue (§17.6).
func TestAWSBatchesDataRefs(t *testing.T) {
	ns := env.Namespace(t)
	sm := smClient()
	prefix := fmt.Sprintf("e2e-batch-%d", time.Now().UnixNano())
	es := &esv1.ExternalSecret{ObjectMeta: metav1.ObjectMeta{Name: "batched", Namespace: ns},
		Spec: esv1.ExternalSecretSpec{SecretStoreRef: esv1.SecretStoreRef{Name: "aws"}}}
	want := map[string]string{}
	for i := range 20 {
		name := fmt.Sprintf("%s/%02d", prefix, i)
		_, err := sm.CreateSecret(ctx(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(fmt.Sprintf("value-%02d", i))})
		must(t, err)
		key := fmt.Sprintf("k%02d", i)
		es.Spec.Data = append(es.Spec.Data, esv1.ExternalSecretData{SecretKey: key, RemoteRef: esv1.ExternalSecretDataRemoteRef{Key: name}})
		want[key] = fmt.Sprintf("value-%02d", i)
	}
	create(t,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "aws-creds", Namespace: ns}, StringData: map[string]string{"id": "test", "secret": "test"}},
		&esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: "aws", Namespace: ns}, Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{
			AWS: &esv1.AWSProvider{Service: esv1.AWSServiceSecretsManager, Region: awsRegion, Auth: esv1.AWSAuth{SecretRef: &esv1.AWSAuthSecretRef{
				AccessKeyID:     esmeta.SecretKeySelector{Name: "aws-creds", Key: "id"},
				SecretAccessKey: esmeta.SecretKeySelector{Name: "aws-creds", Key: "secret"},
			}}}}}},
	)
	// Wait for the store first, so the ExternalSecret syncs in one go.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var st esv1.SecretStore
		must(t, env.Client.Get(ctx(), client.ObjectKey{Namespace: ns, Name: "aws"}, &st))
		if len(st.Status.Conditions) > 0 && st.Status.Conditions[0].Status == metav1.ConditionTrue {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("store not Ready: %+v", st.Status.Conditions)
		}
	}
	batchBefore, singleBefore := apiCalls(t, "AWS/SecretsManager", "BatchGetSecretValue"), apiCalls(t, "AWS/SecretsManager", "GetSecretValue")
	create(t, es)
	key := client.ObjectKey{Namespace: ns, Name: "batched"}
	waitReady(t, key, 20*time.Second)
	waitSecret(t, key, want, 5*time.Second)
	batches := apiCalls(t, "AWS/SecretsManager", "BatchGetSecretValue") - batchBefore
	singles := apiCalls(t, "AWS/SecretsManager", "GetSecretValue") - singleBefore
	if batches > 1 || singles != 0 {
		t.Fatalf("20 data[] references cost %v BatchGetSecretValue and %v GetSecretValue calls; want at most 1 and 0", batches, singles)
	}
}

// awsConfig is a client configuration for moto in region.
func awsConfig(region string) aws.Config {
	return aws.Config{Region: region, BaseEndpoint: aws.String(motoURL), Credentials: awscreds.NewStaticCredentialsProvider("test", "test", "")}
}

// TestSeed004AWS applies seed 004's AWS manifests unchanged (v1beta1, IRSA-style jwt auth
// through the external-secrets ServiceAccount, properties, extract, Parameter Store find by
// path) against moto: the controller requests a token for the ServiceAccount, exchanges it
// with STS for the role in its annotation, and syncs all three ExternalSecrets.
func TestSeed004AWS(t *testing.T) {
	const region = "us-east-1" // the seed stores' region
	sm := secretsmanager.NewFromConfig(awsConfig(region))
	ps := ssm.NewFromConfig(awsConfig(region))
	_, err := sm.CreateSecret(ctx(), &secretsmanager.CreateSecretInput{Name: aws.String("production/myapp/database"),
		SecretString: aws.String(`{"username":"app","password":"s3cr3t","port":5432}`)})
	must(t, err)
	t.Cleanup(func() {
		_, _ = sm.DeleteSecret(ctx(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("production/myapp/database"), ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	for name, value := range map[string]string{"/production/myapp/DATABASE_URL": "postgres://db", "/production/myapp/LOG_LEVEL": "info"} {
		_, err := ps.PutParameter(ctx(), &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true)})
		must(t, err)
	}
	ensureNamespace(t, "external-secrets")
	ensureNamespace(t, "production")
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "external-secrets", Namespace: "external-secrets",
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/external-secrets"}}}
	if err := env.Client.Create(ctx(), sa); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	var objs []*unstructured.Unstructured
	objs = append(objs, seed(t, "004-aws-secretsmanager.yaml")...)
	objs = append(objs, seed(t, "004-aws-parameterstore.yaml")...)
	for _, o := range objs {
		create(t, o)
		deleteAfter(t, o)
	}
	for _, name := range []string{"database-credentials", "database-credentials-all", "app-config"} {
		waitReady(t, client.ObjectKey{Namespace: "production", Name: name}, 30*time.Second)
	}
	waitSecret(t, client.ObjectKey{Namespace: "production", Name: "database-credentials"},
		map[string]string{"DB_PASSWORD": "s3cr3t", "DB_USERNAME": "app"}, 5*time.Second)
	waitSecret(t, client.ObjectKey{Namespace: "production", Name: "database-credentials-all"},
		map[string]string{"username": "app", "password": "s3cr3t", "port": "5432"}, 5*time.Second)
	// find returns full parameter names and the default key conversion turns "/" into "_", as
	// upstream does (seed 004's prose expects bare names; a rewrite gives those, see
	// docs/providers/aws.md).
	waitSecret(t, client.ObjectKey{Namespace: "production", Name: "app-config"},
		map[string]string{"_production_myapp_DATABASE_URL": "postgres://db", "_production_myapp_LOG_LEVEL": "info"}, 5*time.Second)
}
