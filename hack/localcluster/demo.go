package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

// demo is the guided tour behind `make demo`: a real Vault dev server, a second namespace read
// through the Kubernetes provider, a fake store, a template, and a force-sync.
type demo struct {
	env       *testenv.Env
	dir       string
	vaultAddr string
	vault     *exec.Cmd
	show      bool
}

// startVault builds (once, cached) and starts a Vault dev server on a free local port.
func startVault(ctx context.Context) (*exec.Cmd, string, error) {
	fmt.Fprintln(os.Stderr, "preparing Vault (built from source once per machine, about 6 minutes the first time) ...")
	out, err := exec.CommandContext(ctx, filepath.Join(testenv.RepoRoot(), "hack", "vault.sh")).Output()
	if err != nil {
		return nil, "", fmt.Errorf("building vault: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	bin := lines[len(lines)-1]
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := l.Addr().String()
	_ = l.Close()
	cmd := exec.CommandContext(ctx, bin, "server", "-dev", "-dev-listen-address="+addr, "-dev-root-token-id=root")
	cmd.Env = append(os.Environ(), "VAULT_DISABLE_MLOCK=true")
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	url := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get(url + "/v1/sys/health"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, url, nil
			}
		}
	}
	_ = cmd.Process.Kill()
	return nil, "", fmt.Errorf("vault did not become ready at %s", url)
}

// vaultWrite writes a KV v2 secret with the root token of the dev server.
func vaultWrite(addr, path string, data map[string]string) error {
	body, _ := json.Marshal(map[string]any{"data": data})
	req, err := http.NewRequest(http.MethodPost, addr+"/v1/secret/data/"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Vault-Token", "root")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("writing %s to vault: HTTP %d", path, resp.StatusCode)
	}
	return nil
}

// run seeds the stores, applies the samples, waits for them, shows a force-sync, and prints
// what a user would look at.
func (d *demo) run(ctx context.Context) error {
	k := d.env.Client
	step := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "==> "+format+"\n", args...) }

	step("seeding Vault (secret/demo/database) and the other-team namespace")
	if err := vaultWrite(d.vaultAddr, "demo/database", map[string]string{"username": "app", "password": "vault-s3cret-v1"}); err != nil {
		return err
	}
	token, err := d.seedCluster(ctx)
	if err != nil {
		return err
	}
	if err := k.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "other-team-reader", Namespace: "demo"},
		Data: map[string][]byte{"token": []byte(token)}}); err != nil {
		return err
	}

	step("applying %s", d.dir)
	vars := map[string]string{
		"VAULT_ADDR": d.vaultAddr, "KUBE_HOST": d.env.Config.Host,
		"KUBE_CA": base64.StdEncoding.EncodeToString(d.env.Config.CAData),
	}
	if err := applyDir(ctx, k, d.dir, vars); err != nil {
		return err
	}
	step("waiting for the ExternalSecrets to be Ready")
	if err := waitAllReady(ctx, k, "demo", 3); err != nil {
		return err
	}
	d.printState(ctx)

	step("rotating the password in Vault and forcing a sync: kubectl annotate es database force-sync=$(date +%%s) --overwrite")
	if err := vaultWrite(d.vaultAddr, "demo/database", map[string]string{"username": "app", "password": "vault-s3cret-v2"}); err != nil {
		return err
	}
	if err := forceSync(ctx, k, client.ObjectKey{Namespace: "demo", Name: "database"}); err != nil {
		return err
	}
	if err := waitValue(ctx, k, client.ObjectKey{Namespace: "demo", Name: "database"}, "password", "vault-s3cret-v2"); err != nil {
		return err
	}
	step("the Secret follows Vault:")
	d.printSecret(ctx, client.ObjectKey{Namespace: "demo", Name: "database"})
	fmt.Fprintf(os.Stderr, "\nAll set. Try it yourself:\n  export KUBECONFIG=%s\n  alias kubectl=%s\n  kubectl -n demo get es\n  kubectl -n demo describe es database\n  VAULT_ADDR=%s VAULT_TOKEN=root (the Vault dev server)\nCtrl-C stops the controller, the control plane and Vault.\n",
		d.env.Kubeconfig, filepath.Join(d.env.AssetsDir, "kubectl"), d.vaultAddr)
	return nil
}

// seedCluster creates the demo namespaces, the other team's Secret, and a ServiceAccount token
// allowed to read it.
func (d *demo) seedCluster(ctx context.Context) (string, error) {
	k := d.env.Client
	for _, ns := range []string{"demo", "other-team"} {
		if err := k.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			return "", err
		}
	}
	objs := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "api-credentials", Namespace: "other-team"}, StringData: map[string]string{"key": "team-api-key-123"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: "other-team"}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: "other-team"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: "other-team"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "reader", Namespace: "other-team"}}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "vault-token", Namespace: "default"}, StringData: map[string]string{"token": "root"}},
	}
	for _, o := range objs {
		if err := k.Create(ctx, o); err != nil {
			return "", err
		}
	}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](24 * 3600)}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: "other-team"}}
	if err := k.SubResource("token").Create(ctx, sa, req); err != nil {
		return "", err
	}
	return req.Status.Token, nil
}

func applyDir(ctx context.Context, k client.Client, dir string, vars map[string]string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		objs, err := readManifests(f, vars)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if err := k.Create(ctx, o); err != nil {
				return fmt.Errorf("applying %s %s: %w", o.GetKind(), o.GetName(), err)
			}
			fmt.Fprintf(os.Stderr, "    %s %s created\n", strings.ToLower(o.GetKind()), o.GetName())
		}
	}
	return nil
}

func waitAllReady(ctx context.Context, k client.Client, ns string, n int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var list esv1.ExternalSecretList
		if err := k.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return err
		}
		ready := 0
		for _, es := range list.Items {
			if meta.IsStatusConditionTrue(es.Status.Conditions, esv1.ExternalSecretReady) {
				ready++
			}
		}
		fmt.Fprintf(os.Stderr, "\r    %d/%d Ready", ready, n)
		if ready == n {
			fmt.Fprintln(os.Stderr)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d ExternalSecrets became Ready", ready, n)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func forceSync(ctx context.Context, k client.Client, key client.ObjectKey) error {
	var es esv1.ExternalSecret
	if err := k.Get(ctx, key, &es); err != nil {
		return err
	}
	patch := client.MergeFrom(es.DeepCopy())
	if es.Annotations == nil {
		es.Annotations = map[string]string{}
	}
	es.Annotations[esv1.AnnotationForceSync] = fmt.Sprint(time.Now().Unix())
	return k.Patch(ctx, &es, patch)
}

func waitValue(ctx context.Context, k client.Client, key client.ObjectKey, field, want string) error {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var s corev1.Secret
		if err := k.Get(ctx, key, &s); err == nil && string(s.Data[field]) == want {
			return nil
		}
	}
	return fmt.Errorf("secret %s did not get the new value", key)
}

// printState shows the kubectl view of the objects and the synced Secrets.
func (d *demo) printState(ctx context.Context) {
	kubectl := exec.CommandContext(ctx, filepath.Join(d.env.AssetsDir, "kubectl"), "--kubeconfig", d.env.Kubeconfig, "get", "es,ss", "-n", "demo")
	kubectl.Stdout, kubectl.Stderr = os.Stdout, os.Stderr
	_ = kubectl.Run()
	kubectl = exec.CommandContext(ctx, filepath.Join(d.env.AssetsDir, "kubectl"), "--kubeconfig", d.env.Kubeconfig, "get", "css")
	kubectl.Stdout, kubectl.Stderr = os.Stdout, os.Stderr
	_ = kubectl.Run()
	for _, name := range []string{"database", "shared-api-key", "feature-flags"} {
		d.printSecret(ctx, client.ObjectKey{Namespace: "demo", Name: name})
	}
}

// printSecret prints a Secret's keys with masked values (DEMO_SHOW_VALUES=1 shows them).
func (d *demo) printSecret(ctx context.Context, key client.ObjectKey) {
	var s corev1.Secret
	if err := d.env.Client.Get(ctx, key, &s); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	keys := make([]string, 0, len(s.Data))
	for k := range s.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(os.Stdout, "\nSecret %s:\n", key)
	for _, k := range keys {
		fmt.Fprintf(os.Stdout, "  %-14s %s\n", k, mask(string(s.Data[k]), d.show))
	}
}

func mask(v string, show bool) string {
	if show || len(v) <= 4 {
		if show {
			return v
		}
		return "****"
	}
	return v[:3] + strings.Repeat("*", min(len(v)-3, 12)) + fmt.Sprintf(" (%d bytes; DEMO_SHOW_VALUES=1 to show)", len(v))
}
