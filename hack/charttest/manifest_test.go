package charttest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

// manifest is a rendered chart (or kustomization): its objects, with lookups for assertions.
type manifest struct {
	objs []*unstructured.Unstructured
}

// all returns the objects of kind, in the order they were rendered.
func (m *manifest) all(kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range m.objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// find returns the object of kind and name, or nil.
func (m *manifest) find(kind, name string) *unstructured.Unstructured {
	for _, o := range m.all(kind) {
		if o.GetName() == name {
			return o
		}
	}
	return nil
}

// names returns the names of the objects of kind, sorted.
func (m *manifest) names(kind string) []string {
	var out []string
	for _, o := range m.all(kind) {
		out = append(out, o.GetName())
	}
	slices.Sort(out)
	return out
}

// deployment returns the named Deployment, converted, failing the test when it is missing.
func (m *manifest) deployment(t *testing.T, name string) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	mustGet(t, m, "Deployment", name, &d)
	return &d
}

// clusterRole and role return the named (Cluster)Role, converted, failing when missing.
func (m *manifest) clusterRole(t *testing.T, name string) *rbacv1.ClusterRole {
	t.Helper()
	var r rbacv1.ClusterRole
	mustGet(t, m, "ClusterRole", name, &r)
	return &r
}

func (m *manifest) role(t *testing.T, name string) *rbacv1.Role {
	t.Helper()
	var r rbacv1.Role
	mustGet(t, m, "Role", name, &r)
	return &r
}

func mustGet(t *testing.T, m *manifest, kind, name string, into any) {
	t.Helper()
	o := m.find(kind, name)
	if o == nil {
		t.Fatalf("no %s %s rendered; have %s: %v", kind, name, kind, m.names(kind))
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
		t.Fatalf("converting %s %s: %v", kind, name, err)
	}
}

// boundRules returns the rules granted to the ServiceAccount namespace/name by the rendered
// bindings, keyed "ClusterRole/<name>" or "Role/<namespace>/<name>".
func (m *manifest) boundRules(t *testing.T, ns, sa string) map[string][]rbacv1.PolicyRule {
	t.Helper()
	out := map[string][]rbacv1.PolicyRule{}
	for _, kind := range []string{"ClusterRoleBinding", "RoleBinding"} {
		for _, o := range m.all(kind) {
			var b rbacv1.RoleBinding // the same fields as a ClusterRoleBinding
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &b); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(b.Subjects, func(s rbacv1.Subject) bool {
				return s.Kind == "ServiceAccount" && s.Name == sa && s.Namespace == ns
			}) {
				continue
			}
			if b.RoleRef.Kind == "ClusterRole" {
				out["ClusterRole/"+b.RoleRef.Name] = m.clusterRole(t, b.RoleRef.Name).Rules
			} else {
				out["Role/"+b.Namespace+"/"+b.RoleRef.Name] = m.role(t, b.RoleRef.Name).Rules
			}
		}
	}
	return out
}

// repoFile reads a file of the repository.
func repoFile(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), path))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// generatedControllerRules are the rules of config/rbac/role.yaml, generated from the markers.
func generatedControllerRules(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	var r rbacv1.ClusterRole
	if err := yaml.Unmarshal(repoFile(t, "config/rbac/role.yaml"), &r); err != nil {
		t.Fatal(err)
	}
	return r.Rules
}

// crdNames are the names of the CRDs in config/crd/bases, sorted.
func crdNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	var names []string
	for _, f := range files {
		var crd struct {
			Metadata struct{ Name string } `json:"metadata"`
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(raw, &crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		names = append(names, crd.Metadata.Name)
	}
	slices.Sort(names)
	return names
}

// args returns the arguments of the first container of d.
func args(d *appsv1.Deployment) []string { return d.Spec.Template.Spec.Containers[0].Args }

// hasArg reports whether the Deployment's first container has the argument a.
func hasArg(d *appsv1.Deployment, a string) bool { return slices.Contains(args(d), a) }

// argWithPrefix returns the first argument starting with prefix, or "".
func argWithPrefix(d *appsv1.Deployment, prefix string) string {
	for _, a := range args(d) {
		if strings.HasPrefix(a, prefix) {
			return a
		}
	}
	return ""
}

// checkHardened fails unless every container of d runs as non-root (non-zero user), on a
// read-only root filesystem, without privilege escalation or capabilities, under the
// RuntimeDefault seccomp profile.
func checkHardened(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	for _, c := range pod.Containers {
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("%s/%s: no securityContext", d.Name, c.Name)
			continue
		}
		runAsNonRoot := sc.RunAsNonRoot
		if runAsNonRoot == nil && pod.SecurityContext != nil {
			runAsNonRoot = pod.SecurityContext.RunAsNonRoot
		}
		seccomp := sc.SeccompProfile
		if seccomp == nil && pod.SecurityContext != nil {
			seccomp = pod.SecurityContext.SeccompProfile
		}
		switch {
		case runAsNonRoot == nil || !*runAsNonRoot:
			t.Errorf("%s/%s: runAsNonRoot is not true", d.Name, c.Name)
		case sc.RunAsUser != nil && *sc.RunAsUser == 0:
			t.Errorf("%s/%s: runAsUser 0", d.Name, c.Name)
		case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
			t.Errorf("%s/%s: the root filesystem is writable", d.Name, c.Name)
		case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
			t.Errorf("%s/%s: allowPrivilegeEscalation is not false", d.Name, c.Name)
		case sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, corev1.Capability("ALL")) || len(sc.Capabilities.Add) > 0:
			t.Errorf("%s/%s: capabilities are not dropped: %+v", d.Name, c.Name, sc.Capabilities)
		case seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault:
			t.Errorf("%s/%s: seccomp profile is not RuntimeDefault", d.Name, c.Name)
		}
	}
}
