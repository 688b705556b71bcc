package apis_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Run(m, &env) }

// seedManifestDir is where the users' manifests live: next to the repository in CI and on a
// developer's machine (../shared).
func seedManifestDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(), "..", "shared", "seed-manifests")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("seed manifests not found at %s: %v", dir, err)
	}
	return dir
}

func readObjects(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("%s: %v", path, err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

func ensureNamespace(t *testing.T, name string) {
	t.Helper()
	if name == "" {
		return
	}
	err := env.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// TestSeedManifests_applyUnchanged applies every user manifest exactly as written (v1 and
// v1beta1) and reads each object back at the version the controllers use.
func TestSeedManifests_applyUnchanged(t *testing.T) {
	ctx := context.Background()
	files, err := filepath.Glob(filepath.Join(seedManifestDir(t), "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed manifests: %v", err)
	}
	applied := 0
	for _, f := range files {
		for _, obj := range readObjects(t, f) {
			name := filepath.Base(f) + "/" + obj.GetKind() + "/" + obj.GetName()
			ensureNamespace(t, obj.GetNamespace())
			if err := env.Client.Create(ctx, obj); err != nil {
				t.Errorf("%s: rejected: %v", name, err)
				continue
			}
			applied++
			readBack(t, name, obj)
		}
	}
	if applied < 15 {
		t.Fatalf("applied only %d seed objects; expected every object of every file", applied)
	}
}

// readBack reads an applied object at the storage version and checks that the fields the
// user wrote survived, and that the schema defaults were filled in.
func readBack(t *testing.T, name string, obj *unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	key := client.ObjectKeyFromObject(obj)
	switch obj.GetKind() {
	case "ExternalSecret":
		var es esv1.ExternalSecret
		if err := env.Client.Get(ctx, key, &es); err != nil {
			t.Fatalf("%s: reading at v1: %v", name, err)
		}
		if es.Spec.Target.CreationPolicy != esv1.CreatePolicyOwner && es.Spec.Target.CreationPolicy != "" {
			t.Errorf("%s: creationPolicy %q", name, es.Spec.Target.CreationPolicy)
		}
		if es.Spec.Target.CreationPolicy == "" || es.Spec.Target.DeletionPolicy == "" {
			t.Errorf("%s: target defaults not applied: %+v", name, es.Spec.Target)
		}
		if es.Spec.RefreshInterval == nil {
			t.Errorf("%s: refreshInterval default not applied", name)
		}
		compareSpec(t, name, obj, &es)
	case "SecretStore":
		var ss esv1.SecretStore
		if err := env.Client.Get(ctx, key, &ss); err != nil {
			t.Fatalf("%s: reading at v1: %v", name, err)
		}
		compareSpec(t, name, obj, &ss)
	case "ClusterSecretStore":
		var css esv1.ClusterSecretStore
		if err := env.Client.Get(ctx, key, &css); err != nil {
			t.Fatalf("%s: reading at v1: %v", name, err)
		}
		compareSpec(t, name, obj, &css)
	case "ECRAuthorizationToken":
		var g genv1alpha1.ECRAuthorizationToken
		if err := env.Client.Get(ctx, key, &g); err != nil {
			t.Fatalf("%s: reading: %v", name, err)
		}
		compareSpec(t, name, obj, &g)
	default:
		t.Fatalf("%s: no read-back check for kind %s", name, obj.GetKind())
	}
}

// compareSpec checks that every field the user wrote in spec reads back with the same value
// through the typed v1 object (defaults may add fields, never change written ones).
func compareSpec(t *testing.T, name string, written *unstructured.Unstructured, typed client.Object) {
	t.Helper()
	raw, err := yaml.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := yaml.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if missing := subsetDiff("spec", written.Object["spec"], back["spec"]); missing != "" {
		t.Errorf("%s: field lost or changed reading back at v1: %s", name, missing)
	}
}

// subsetDiff returns the path of the first value of want that got does not hold, or "".
func subsetDiff(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path
		}
		for k, v := range w {
			if d := subsetDiff(path+"."+k, v, g[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path
		}
		for i := range w {
			if d := subsetDiff(path+"[]", w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	default:
		if sameScalar(want, got) {
			return ""
		}
		wb, _ := yaml.Marshal(want)
		gb, _ := yaml.Marshal(got)
		if !bytes.Equal(wb, gb) {
			return path + " (wrote " + strings.TrimSpace(string(wb)) + ", read " + strings.TrimSpace(string(gb)) + ")"
		}
		return ""
	}
}

// sameScalar reports whether two leaf values mean the same thing to the API: durations
// are normalised by metav1.Duration ("1h" reads back as "1h0m0s") and an explicit false
// or zero reads back as an omitted field.
func sameScalar(want, got any) bool {
	if ws, ok := want.(string); ok {
		if gs, ok := got.(string); ok {
			wd, werr := time.ParseDuration(ws)
			gd, gerr := time.ParseDuration(gs)
			return werr == nil && gerr == nil && wd == gd
		}
	}
	if got == nil {
		switch w := want.(type) {
		case bool:
			return !w
		case float64:
			return w == 0
		case int64:
			return w == 0
		}
	}
	return false
}

func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(env.AssetsDir, "kubectl"), append([]string{"--kubeconfig", env.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestKubectl_printerColumnsAndExplain checks what a user sees in kubectl.
func TestKubectl_printerColumnsAndExplain(t *testing.T) {
	ns := env.Namespace(t)
	apply := func(doc string) {
		t.Helper()
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		if u.GetNamespace() == "NS" {
			u.SetNamespace(ns)
		}
		if err := env.Client.Create(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	apply(`{"apiVersion":"external-secrets.io/v1","kind":"SecretStore","metadata":{"name":"fake","namespace":"NS"},
	  "spec":{"provider":{"fake":{"data":[{"key":"k","value":"v"}]}}}}`)
	apply(`{"apiVersion":"external-secrets.io/v1","kind":"ClusterSecretStore","metadata":{"name":"printer-columns"},
	  "spec":{"provider":{"fake":{"data":[{"key":"k","value":"v"}]}}}}`)
	apply(`{"apiVersion":"external-secrets.io/v1","kind":"ExternalSecret","metadata":{"name":"es","namespace":"NS"},
	  "spec":{"secretStoreRef":{"name":"fake"},"refreshInterval":"15m","data":[{"secretKey":"a","remoteRef":{"key":"k"}}]}}`)

	out := kubectl(t, "get", "es,ss", "-n", ns)
	for _, col := range []string{"STORETYPE", "STORE", "REFRESH INTERVAL", "STATUS", "READY", "LAST SYNC", "AGE", "CAPABILITIES"} {
		if !strings.Contains(out, col) {
			t.Errorf("kubectl get es,ss lacks column %q:\n%s", col, out)
		}
	}
	if !strings.Contains(out, "15m") {
		t.Errorf("kubectl get es does not show the refresh interval:\n%s", out)
	}
	out = kubectl(t, "get", "css", "printer-columns")
	for _, col := range []string{"AGE", "STATUS", "CAPABILITIES", "READY"} {
		if !strings.Contains(out, col) {
			t.Errorf("kubectl get css lacks column %q:\n%s", col, out)
		}
	}
	out = kubectl(t, "get", "externalsecrets.external-secrets.io", "-n", ns, "--field-selector", "spec.secretStoreRef.name=fake", "-o", "name")
	if strings.TrimSpace(out) != "externalsecret.external-secrets.io/es" {
		t.Errorf("field selector on spec.secretStoreRef.name: got %q", out)
	}

	out = kubectl(t, "explain", "externalsecret.spec.target")
	for _, field := range []string{"creationPolicy", "deletionPolicy", "template", "immutable"} {
		if !strings.Contains(out, field) {
			t.Errorf("kubectl explain externalsecret.spec.target lacks %q:\n%s", field, out)
		}
	}
	if !strings.Contains(out, "DESCRIPTION:") || len(strings.Fields(out)) < 60 {
		t.Errorf("kubectl explain shows no field descriptions:\n%s", out)
	}
}
