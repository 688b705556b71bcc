// Package testenv starts the real test control plane (kube-apiserver + etcd, built from source
// by hack/envtest.sh) with this project's CRDs installed. Every package whose tests need an
// apiserver calls Run from its TestMain, so the ~3 s start-up is paid once per package.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
)

// Env is a running control plane and what a test needs to talk to it.
type Env struct {
	// Config reaches the apiserver as a cluster admin.
	Config *rest.Config
	// Client is an uncached client with Scheme registered, for arranging and asserting.
	Client client.Client
	// Scheme knows the built-in kinds and every kind of this project.
	Scheme *k8sruntime.Scheme
	// AssetsDir holds the kube-apiserver, etcd and kubectl binaries.
	AssetsDir string
	// Kubeconfig is the path of a kubeconfig file for the admin user, for tools like kubectl.
	Kubeconfig string

	// WebhookHost and WebhookPort are where the apiserver calls the admission webhooks
	// installed with WithWebhooks; a test serves them there. Zero without WithWebhooks.
	WebhookHost string
	// WebhookPort: see WebhookHost.
	WebhookPort int
	// WebhookCertDir holds tls.crt and tls.key of a serving certificate for WebhookHost
	// that the installed webhook configurations trust. Empty without WithWebhooks.
	WebhookCertDir string

	env *envtest.Environment
}

// RepoRoot finds the repository root from this source file's location, so tests work from
// any package directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Assets returns the directory of the control-plane binaries: KUBEBUILDER_ASSETS when set,
// otherwise whatever hack/envtest.sh prints (it builds them once, then reuses the cache).
func Assets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(filepath.Join(RepoRoot(), "hack", "envtest.sh"))
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building the test control plane: %w: %s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1], nil
}

// Option changes how Start sets up the control plane. Start without options gives the
// plain control plane most packages need.
type Option func(*envtest.Environment)

// WithWebhooks installs the ValidatingWebhookConfigurations found in paths (YAML files, or
// directories of them; other kinds are skipped), rewritten by envtest to call
// https://WebhookHost:WebhookPort<path> and to trust the certificate in WebhookCertDir. The
// apiserver then calls the test's webhook server for every matching request, so a package
// testing admission must serve them before it creates matching objects.
func WithWebhooks(paths ...string) Option {
	return func(e *envtest.Environment) {
		e.WebhookInstallOptions.Paths = append(e.WebhookInstallOptions.Paths, paths...)
	}
}

// Start launches etcd and kube-apiserver with the CRDs of config/crd/bases installed.
func Start(opts ...Option) (*Env, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	scheme := esscheme.New()
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme,
	}
	for _, opt := range opts {
		opt(env)
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the test control plane: %w", err)
	}
	e := &Env{Config: cfg, Scheme: scheme, AssetsDir: assets, env: env}
	if len(env.WebhookInstallOptions.Paths) > 0 {
		w := env.WebhookInstallOptions
		e.WebhookHost, e.WebhookPort, e.WebhookCertDir = w.LocalServingHost, w.LocalServingPort, w.LocalServingCertDir
	}
	if e.Client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return nil, errors.Join(err, e.Stop())
	}
	if e.Kubeconfig, err = e.writeKubeconfig(); err != nil {
		return nil, errors.Join(err, e.Stop())
	}
	return e, nil
}

// Stop shuts the control plane down and removes its temporary files.
func (e *Env) Stop() error {
	if e.Kubeconfig != "" {
		_ = os.RemoveAll(filepath.Dir(e.Kubeconfig))
	}
	return e.env.Stop()
}

func (e *Env) writeKubeconfig() (string, error) {
	user, err := e.env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", err
	}
	raw, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "eso-kubeconfig-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "kubeconfig")
	return path, os.WriteFile(path, raw, 0o600)
}

// UserConfig returns a config that authenticates as the user name in groups, with no
// permission beyond what RBAC objects grant it, so a test can prove that a component works
// with exactly the roles it ships. A ServiceAccount's username is
// "system:serviceaccount:<namespace>:<name>".
func (e *Env) UserConfig(name string, groups ...string) (*rest.Config, error) {
	user, err := e.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return nil, err
	}
	return user.Config(), nil
}

// Run is the body of a TestMain: it starts the control plane, runs the package's tests, stops
// it and exits. The started Env is stored in *env for the tests to use.
func Run(m *testing.M, env **Env, opts ...Option) {
	e, err := Start(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*env = e
	code := m.Run()
	if err := e.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the test control plane:", err)
	}
	os.Exit(code)
}

// Namespace creates a namespace with a generated name for one test and deletes it afterwards.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	if err := e.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	t.Cleanup(func() { _ = e.Client.Delete(context.Background(), ns) })
	return ns.Name
}
