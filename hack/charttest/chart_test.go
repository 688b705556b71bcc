package charttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

const (
	// release and namespace are those of the seeds: `helm install external-secrets ... -n external-secrets`.
	release   = "external-secrets"
	namespace = "external-secrets"
	// scopedNamespace is the namespace of the scopedNamespace variants.
	scopedNamespace = "team-a"
	fieldOwner      = "charttest"
)

var (
	env *testenv.Env
	// helm is the helm binary (HELM); eso the external-secrets binary (ESO_BINARY), optional.
	helm, eso string
	// kubeVersion is the test apiserver's version, given to helm as --kube-version.
	kubeVersion string
	// warnings collects the API server's warnings to dryRun.
	warnings = &warningRecorder{}
	// dryRun is an admin client whose warnings land in warnings.
	dryRun client.Client
)

func TestMain(m *testing.M) {
	helm = os.Getenv("HELM")
	if helm == "" {
		fmt.Println("charttest: HELM is not set, skipping (run `make test-chart`)")
		os.Exit(m.Run())
	}
	eso = os.Getenv("ESO_BINARY")
	// helm keeps no state between runs here: no repositories, no registry logins.
	home, err := os.MkdirTemp("", "charttest-helm-")
	if err != nil {
		exit(err)
	}
	for _, v := range []string{"HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"} {
		_ = os.Setenv(v, filepath.Join(home, v))
	}
	if env, err = testenv.Start(); err != nil {
		exit(err)
	}
	code := 1
	if err := setUp(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	_ = env.Stop()
	_ = os.RemoveAll(home)
	os.Exit(code)
}

func exit(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// setUp prepares the cluster the way a real one would look to the chart: the release and
// team namespaces (with the restricted Pod Security level in warn mode, so that any pod the
// chart would run outside that level is reported), and the CRDs of the other operators the
// chart can talk to (Prometheus Operator, cert-manager), reduced to schemas that accept any
// spec. Their own validation is not tested here; the objects' kinds, names and namespaces are.
func setUp() error {
	ctx := context.Background()
	dc, err := discovery.NewDiscoveryClientForConfig(env.Config)
	if err != nil {
		return err
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return err
	}
	kubeVersion = v.GitVersion
	cfg := rest.CopyConfig(env.Config)
	cfg.WarningHandler = warnings
	if dryRun, err = client.New(cfg, client.Options{Scheme: env.Scheme}); err != nil {
		return err
	}
	for _, ns := range []string{namespace, scopedNamespace} {
		err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
			"pod-security.kubernetes.io/enforce": "restricted",
			"pod-security.kubernetes.io/warn":    "restricted",
		}}})
		if err != nil {
			return err
		}
	}
	for _, crd := range []struct{ group, kind, plural string }{
		{"monitoring.coreos.com", "ServiceMonitor", "servicemonitors"},
		{"monitoring.coreos.com", "PrometheusRule", "prometheusrules"},
		{"cert-manager.io", "Certificate", "certificates"},
	} {
		if err := env.Client.Create(ctx, openCRD(crd.group, crd.kind, crd.plural)); err != nil {
			return fmt.Errorf("installing the %s CRD: %w", crd.kind, err)
		}
	}
	return waitForKinds(ctx, dc, "monitoring.coreos.com/v1", "cert-manager.io/v1")
}

// openCRD is a namespaced v1 CRD whose schema accepts anything.
func openCRD(group, kind, plural string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": plural + "." + group},
		"spec": map[string]any{
			"group": group,
			"scope": "Namespaced",
			"names": map[string]any{"kind": kind, "plural": plural, "singular": strings.ToLower(kind), "listKind": kind + "List"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object", "x-kubernetes-preserve-unknown-fields": true,
				}},
			}},
		},
	}}
}

func waitForKinds(ctx context.Context, dc discovery.DiscoveryInterface, groupVersions ...string) error {
	for _, gv := range groupVersions {
		var err error
		for range 100 {
			if _, err = dc.ServerResourcesForGroupVersion(gv); err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		if err != nil {
			return fmt.Errorf("waiting for %s to be served: %w", gv, err)
		}
	}
	return nil
}

// chartDir is the chart under test.
func chartDir() string { return filepath.Join(testenv.RepoRoot(), "charts", "external-secrets") }

// runHelm runs helm and returns its standard output; a failure ends the test with helm's output.
func runHelm(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(helm, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.Bytes()
}

// lint runs `helm lint --strict` with the values of a case.
func lint(t *testing.T, values ...string) {
	t.Helper()
	args := append([]string{"lint", chartDir(), "--strict", "--quiet", "--kube-version", kubeVersion, "--namespace", namespace}, valueArgs(values)...)
	runHelm(t, args...)
}

// render runs `helm template` as `helm install external-secrets -n external-secrets` would
// render against the test apiserver; apiVersions adds API versions to the capabilities
// (--api-versions), as if the cluster served them.
func render(t *testing.T, apiVersions []string, values ...string) *manifest {
	t.Helper()
	return renderAs(t, release, namespace, apiVersions, values...)
}

// renderAs is render for another release name and namespace.
func renderAs(t *testing.T, release, namespace string, apiVersions []string, values ...string) *manifest {
	t.Helper()
	args := []string{"template", release, chartDir(), "--namespace", namespace, "--kube-version", kubeVersion}
	for _, v := range apiVersions {
		args = append(args, "--api-versions", v)
	}
	objs, err := decode(runHelm(t, append(args, valueArgs(values)...)...))
	if err != nil {
		t.Fatalf("decoding the rendered chart: %v", err)
	}
	return &manifest{objs: objs}
}

// valueArgs turns "key=value" into --set and "@path" into --values.
func valueArgs(values []string) []string {
	var args []string
	for _, v := range values {
		if path, ok := strings.CutPrefix(v, "@"); ok {
			args = append(args, "--values", path)
		} else {
			args = append(args, "--set", v)
		}
	}
	return args
}

func decode(raw []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var out []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(obj) > 0 {
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
}

// applyDryRun sends every object to the API server as a server-side apply with dryRun=All:
// schema validation, admission (including Pod Security warnings on the Deployments) and RBAC
// escalation checks run, nothing is stored. Any warning fails the test.
func applyDryRun(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	for _, o := range objs {
		warnings.reset()
		obj := o.DeepCopy()
		err := dryRun.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.DryRunAll, client.ForceOwnership, client.FieldOwner(fieldOwner))
		if err != nil {
			t.Errorf("dry-run apply of %s: %v", describe(o), err)
			continue
		}
		if w := warnings.take(); len(w) > 0 {
			t.Errorf("dry-run apply of %s: the API server warned:\n  %s", describe(o), strings.Join(w, "\n  "))
		}
	}
}

func describe(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + " " + o.GetName()
	}
	return o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
}

// warningRecorder collects the Warning headers of API responses.
type warningRecorder struct {
	mu   sync.Mutex
	msgs []string
}

// HandleWarningHeader implements rest.WarningHandler.
func (w *warningRecorder) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

func (w *warningRecorder) reset() { _ = w.take() }

func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.msgs
	w.msgs = nil
	return m
}
