package charttest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

// config/default is the same installation as the chart with its default values: it builds
// with kubectl's kustomize, dry-run applies cleanly (restricted Pod Security included), and
// its objects and arguments match the chart's.
func TestKustomize_defaultMatchesTheChart(t *testing.T) {
	if helm == "" {
		t.Skip("HELM is not set")
	}
	k := kustomize(t, "config/default")
	applyDryRun(t, k.objs)
	for _, d := range k.all("Deployment") {
		dep := k.deployment(t, d.GetName())
		checkHardened(t, dep)
		checkArgsParse(t, dep)
	}

	h := render(t, nil, "leaderElect=true")
	for _, kind := range []string{"CustomResourceDefinition", "Deployment", "ValidatingWebhookConfiguration", "ServiceAccount", "Service", "Secret"} {
		if got, want := k.names(kind), h.names(kind); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: kustomize has %v, the chart %v", kind, got, want)
		}
	}
	if !reflect.DeepEqual(k.clusterRole(t, "external-secrets-controller").Rules, generatedControllerRules(t)) {
		t.Error("config/default's controller ClusterRole is not config/rbac/role.yaml")
	}
	// The chart adds logging flags with their defaults; every argument of config/ must be in
	// the chart's Deployment too, and the webhook's and cert controller's are the same.
	for _, name := range []string{controller, webhook, certController} {
		ka, ha := args(k.deployment(t, name)), args(h.deployment(t, name))
		for _, a := range ka {
			if !slices.Contains(ha, a) {
				t.Errorf("%s: config/ passes %s, the chart does not (chart: %v)", name, a, ha)
			}
		}
	}
	for _, kind := range []string{"ClusterRole", "Role"} {
		for _, name := range []string{certController, controller + "-leader-election"} {
			ko, ho := k.find(kind, name), h.find(kind, name)
			if (ko == nil) != (ho == nil) {
				t.Errorf("%s %s: in config/ %v, in the chart %v", kind, name, ko != nil, ho != nil)
				continue
			}
			if ko != nil && !reflect.DeepEqual(normalize(t, ko.Object["rules"]), normalize(t, ho.Object["rules"])) {
				t.Errorf("%s %s: the rules of config/ and of the chart differ", kind, name)
			}
		}
	}
}

// Every generated CRD is in config/crd/kustomization.yaml (kustomize lists files one by one).
func TestKustomize_crdKustomizationListsEveryCRD(t *testing.T) {
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(repoFile(t, "config/crd/kustomization.yaml"), &k); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		want = append(want, "bases/"+filepath.Base(f))
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(k.Resources))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config/crd/kustomization.yaml lists\n %v\nconfig/crd/bases has\n %v", got, want)
	}
}

// kustomize builds dir with the kubectl of the test control plane.
func kustomize(t *testing.T, dir string) *manifest {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(filepath.Join(env.AssetsDir, "kubectl"), "kustomize", filepath.Join(testenv.RepoRoot(), dir))
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Env = os.Environ()
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, errOut.String())
	}
	objs, err := decode(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return &manifest{objs: objs}
}
