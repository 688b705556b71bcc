package charttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The chart's RBAC is meant to be all the controller needs. This runs the built binary, with
// the arguments of the rendered Deployment, as the chart's ServiceAccount (a client certificate
// for system:serviceaccount:<namespace>:<name>, which RBAC treats as that ServiceAccount) with
// nothing but the rendered roles, and requires an ExternalSecret to sync.
func TestChart_controllerSyncsWithOnlyTheChartRBAC(t *testing.T) {
	if helm == "" || eso == "" {
		t.Skip("HELM and ESO_BINARY are not set")
	}
	cases := []struct {
		name, release, namespace, workloads string
		values                              []string
		// pending says why the case cannot pass yet; it is skipped until that is fixed.
		pending string
	}{
		{
			name: "ClusterRole, with leader election", release: "external-secrets-rbac1", namespace: "rbac-cluster", workloads: "rbac-apps",
			values: []string{"leaderElect=true"},
		},
		{
			name: "scopedRBAC Role", release: "external-secrets-rbac2", namespace: "rbac-scoped", workloads: "rbac-team",
			values: []string{"scopedNamespace=rbac-team", "scopedRBAC=true"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.pending != "" {
				t.Skip("pending: " + tc.pending)
			}
			ctx := context.Background()
			for _, ns := range []string{tc.namespace, tc.workloads} {
				createNamespace(t, ns)
			}
			values := append([]string{"webhook.create=false", "crds.install=false", "rbac.aggregateToView=false", "rbac.aggregateToEdit=false"}, tc.values...)
			m := renderAs(t, tc.release, tc.namespace, nil, values...)
			for _, o := range m.objs {
				if !slices.Contains([]string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}, o.GetKind()) {
					continue
				}
				obj := o.DeepCopy()
				if err := env.Client.Create(ctx, obj); err != nil {
					t.Fatalf("creating %s: %v", describe(o), err)
				}
				t.Cleanup(func() { _ = env.Client.Delete(ctx, obj) })
			}
			checkLeaderElectionAccess(t, m, tc.namespace, tc.release)
			kubeconfig := serviceAccountKubeconfig(t, tc.namespace, tc.release)
			d := m.deployment(t, tc.release)
			logs := startController(t, kubeconfig, args(d))
			if err := syncOneSecret(ctx, tc.workloads); err != nil {
				t.Fatalf("%v\ncontroller log:\n%s", err, logs.String())
			}
		})
	}
}

func createNamespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := env.Client.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// serviceAccountKubeconfig writes a kubeconfig that authenticates as the ServiceAccount
// namespace/name, with the groups the API server gives ServiceAccounts.
func serviceAccountKubeconfig(t *testing.T, namespace, name string) string {
	t.Helper()
	cfg, err := env.UserConfig("system:serviceaccount:"+namespace+":"+name,
		"system:serviceaccounts", "system:serviceaccounts:"+namespace, "system:authenticated")
	if err != nil {
		t.Fatal(err)
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["sa"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["sa"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "sa"}
	kc.CurrentContext = "sa"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// startController runs the binary with the Deployment's arguments, except that the metrics and
// health servers are off (several tests share this machine's ports) and so is leader election.
// It is stopped at cleanup.
func startController(t *testing.T, kubeconfig string, deploymentArgs []string) *syncBuffer {
	t.Helper()
	var runArgs []string
	for _, a := range deploymentArgs {
		// Leader election needs the pod's namespace file, so it only works in a pod; its RBAC
		// is checked by checkLeaderElectionAccess instead.
		if !strings.HasPrefix(a, "--metrics-addr=") && !strings.HasPrefix(a, "--live-addr=") && !strings.HasPrefix(a, "--enable-leader-election") {
			runArgs = append(runArgs, a)
		}
	}
	runArgs = append(runArgs, "--metrics-addr=0", "--live-addr=0")
	logs := &syncBuffer{}
	cmd := exec.Command(eso, runArgs...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return logs
}

// syncOneSecret creates a fake store and an ExternalSecret in namespace (as the admin) and
// waits for the controller to write the target Secret.
func syncOneSecret(ctx context.Context, namespace string) error {
	store := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "external-secrets.io/v1", "kind": "SecretStore",
		"metadata": map[string]any{"name": "fake", "namespace": namespace},
		"spec": map[string]any{"provider": map[string]any{"fake": map[string]any{
			"data": []any{map[string]any{"key": "/db/password", "value": "s3cr3t"}},
		}}},
	}}
	es := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
		"metadata": map[string]any{"name": "db", "namespace": namespace},
		"spec": map[string]any{
			"refreshInterval": "1h",
			"secretStoreRef":  map[string]any{"name": "fake", "kind": "SecretStore"},
			"target":          map[string]any{"name": "db"},
			"data":            []any{map[string]any{"secretKey": "password", "remoteRef": map[string]any{"key": "/db/password"}}},
		},
	}}
	for _, o := range []client.Object{store, es} {
		if err := env.Client.Create(ctx, o); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		var s corev1.Secret
		err := env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "db"}, &s)
		if err == nil && string(s.Data["password"]) == "s3cr3t" {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("it holds other data")
			}
			_ = env.Client.Get(ctx, client.ObjectKeyFromObject(es), es)
			return fmt.Errorf("the Secret %s/db was not synced (last error: %w); ExternalSecret status: %v", namespace, err, es.Object["status"])
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// checkLeaderElectionAccess asks the API server whether the ServiceAccount may do what
// leader election does with its Lease, and that it may not touch other Leases, when the
// Deployment enables leader election.
func checkLeaderElectionAccess(t *testing.T, m *manifest, namespace, sa string) {
	t.Helper()
	d := m.deployment(t, sa)
	if !hasArg(d, "--enable-leader-election=true") {
		return
	}
	lease := strings.TrimPrefix(argWithPrefix(d, "--leader-election-id="), "--leader-election-id=")
	if lease == "" {
		lease = "external-secrets-controller"
	}
	for _, c := range []struct {
		verb, name string
		want       bool
	}{
		{"get", lease, true}, {"update", lease, true}, {"create", "", true},
		{"get", "someone-elses-lease", false}, {"delete", lease, false},
	} {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   "system:serviceaccount:" + namespace + ":" + sa,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: namespace, Verb: c.verb, Group: "coordination.k8s.io", Resource: "leases", Name: c.name,
			},
		}}
		if err := env.Client.Create(context.Background(), sar); err != nil {
			t.Fatal(err)
		}
		if sar.Status.Allowed != c.want {
			t.Errorf("%s lease %q in %s: allowed=%v, want %v", c.verb, c.name, namespace, sar.Status.Allowed, c.want)
		}
	}
}
