package charttest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const (
	controller     = release
	webhook        = release + "-webhook"
	certController = release + "-cert-controller"
	monitoringSM   = "monitoring.coreos.com/v1/ServiceMonitor"
	monitoringPR   = "monitoring.coreos.com/v1/PrometheusRule"
)

// chartCase is one set of values: helm lint and helm template must pass with it, the rendered
// objects must dry-run apply cleanly, and check holds what is specific to it.
type chartCase struct {
	name string
	// values are "key=value" (--set) or "@file" (--values, relative to testdata/).
	values []string
	// apiVersions are served by the cluster in this case (helm's --api-versions).
	apiVersions []string
	check       func(t *testing.T, m *manifest)
}

func TestChart_values(t *testing.T) {
	if helm == "" {
		t.Skip("HELM is not set")
	}
	for _, tc := range chartCases() {
		t.Run(tc.name, func(t *testing.T) {
			values := make([]string, len(tc.values))
			for i, v := range tc.values {
				if file, ok := strings.CutPrefix(v, "@"); ok {
					v = "@" + filepath.Join("testdata", file)
				}
				values[i] = v
			}
			lint(t, values...)
			m := render(t, tc.apiVersions, values...)
			for _, d := range m.all("Deployment") {
				var dep appsv1.Deployment
				mustGet(t, m, "Deployment", d.GetName(), &dep)
				checkHardened(t, &dep)
				checkArgsParse(t, &dep)
			}
			tc.check(t, m)
			applyDryRun(t, m.objs)
		})
	}
}

func chartCases() []chartCase {
	return []chartCase{
		{name: "default values", check: checkDefaults},
		{
			name:        "leaderElect, serviceMonitor and scopedNamespace with scopedRBAC",
			values:      []string{"leaderElect=true", "replicaCount=2", "serviceMonitor.enabled=true", "scopedNamespace=" + scopedNamespace, "scopedRBAC=true", "podDisruptionBudget.enabled=true"},
			apiVersions: []string{monitoringSM},
			check:       checkLeaderElectMonitoringScoped,
		},
		{
			name:   "scopedNamespace alone keeps the ClusterRole",
			values: []string{"scopedNamespace=" + scopedNamespace},
			check: func(t *testing.T, m *manifest) {
				d := m.deployment(t, controller)
				if !hasArg(d, "--namespace="+scopedNamespace) || hasArg(d, "--enable-cluster-store-reconciler=false") {
					t.Errorf("controller args: %v", args(d))
				}
				m.clusterRole(t, controller+"-controller")
			},
		},
		{name: "crds.install=true renders every CRD", values: []string{"crds.install=true"}, check: checkAllCRDs},
		{
			name:   "crds.install=false and installCRDs=false render none",
			values: []string{"crds.install=false"},
			check: func(t *testing.T, m *manifest) {
				if n := m.names("CustomResourceDefinition"); len(n) > 0 {
					t.Errorf("CRDs rendered: %v", n)
				}
				if n := render(t, nil, "installCRDs=false").names("CustomResourceDefinition"); len(n) > 0 {
					t.Errorf("CRDs rendered with installCRDs=false: %v", n)
				}
			},
		},
		{
			name:   "serviceMonitor is skipped when the cluster does not serve it",
			values: []string{"serviceMonitor.enabled=true", "prometheusRule.enabled=true"},
			check: func(t *testing.T, m *manifest) {
				if n := len(m.all("ServiceMonitor")) + len(m.all("PrometheusRule")); n > 0 {
					t.Errorf("%d monitoring objects rendered for a cluster without the Prometheus Operator", n)
				}
				if got := m.names("Service"); len(got) != 4 {
					t.Errorf("want the webhook Service and three metrics Services, got %v", got)
				}
			},
		},
		{
			name:        "prometheusRule and grafanaDashboard ship config/prometheus and config/grafana",
			values:      []string{"prometheusRule.enabled=true", "prometheusRule.additionalLabels.release=kube-prometheus-stack", "grafanaDashboard.enabled=true"},
			apiVersions: []string{monitoringPR},
			check:       checkRulesAndDashboard,
		},
		{
			name:        "metrics over HTTPS with authorization",
			values:      []string{"metrics.secure.enabled=true", "metrics.auth.enabled=true", "serviceMonitor.enabled=true"},
			apiVersions: []string{monitoringSM},
			check: func(t *testing.T, m *manifest) {
				if d := m.deployment(t, controller); !hasArg(d, "--metrics-secure=true") || !hasArg(d, "--metrics-auth=true") {
					t.Errorf("controller args: %v", args(d))
				}
				bound := m.boundRules(t, namespace, controller)
				if _, ok := bound["ClusterRole/"+controller+"-metrics-auth"]; !ok {
					t.Errorf("the controller cannot review tokens: bound to %v", bound)
				}
				sm := m.find("ServiceMonitor", controller)
				if sm == nil {
					t.Fatal("no ServiceMonitor for the controller")
				}
				endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
				if len(endpoints) != 1 || endpoints[0].(map[string]any)["scheme"] != "https" {
					t.Errorf("ServiceMonitor endpoints: %v", endpoints)
				}
			},
		},
		{
			name:   "cert-manager replaces the cert controller",
			values: []string{"webhook.certManager.enabled=true", "webhook.certManager.cert.issuerRef.name=selfsigned"},
			check: func(t *testing.T, m *manifest) {
				if m.find("Deployment", certController) != nil || m.find("ClusterRole", certController) != nil {
					t.Error("the cert controller is rendered although cert-manager issues the certificate")
				}
				if m.find("Certificate", webhook) == nil || m.find("Secret", webhook) != nil {
					t.Errorf("want a Certificate and no empty Secret, got Certificates %v, Secrets %v", m.names("Certificate"), m.names("Secret"))
				}
				for _, vwc := range m.all("ValidatingWebhookConfiguration") {
					if got := vwc.GetAnnotations()["cert-manager.io/inject-ca-from"]; got != namespace+"/"+webhook {
						t.Errorf("%s: inject-ca-from %q", vwc.GetName(), got)
					}
				}
			},
		},
		{
			name:   "webhook.create=false leaves out the webhook and the cert controller",
			values: []string{"webhook.create=false"},
			check: func(t *testing.T, m *manifest) {
				if got := m.names("Deployment"); !reflect.DeepEqual(got, []string{controller}) {
					t.Errorf("Deployments: %v", got)
				}
				if n := m.names("ValidatingWebhookConfiguration"); len(n) > 0 {
					t.Errorf("webhook configurations rendered: %v", n)
				}
			},
		},
		{
			name:   "seed 002's values: AWS web identity through extraEnv; extraArgs",
			values: []string{"@seed-002-values.yaml", "extraArgs.enable-flood-gate=false", "extraArgs.enable-secrets-caching="},
			check: func(t *testing.T, m *manifest) {
				d := m.deployment(t, controller)
				env := map[string]string{}
				for _, e := range d.Spec.Template.Spec.Containers[0].Env {
					env[e.Name] = e.Value
				}
				if env["AWS_WEB_IDENTITY_TOKEN_FILE"] != "/var/run/secrets/kubernetes.io/serviceaccount/token" || env["AWS_ROLE_ARN"] == "" {
					t.Errorf("controller env: %v", env)
				}
				if !hasArg(d, "--enable-flood-gate=false") || !hasArg(d, "--enable-secrets-caching") {
					t.Errorf("extraArgs missing from %v", args(d))
				}
				if sa := d.Spec.Template.Spec.AutomountServiceAccountToken; sa == nil || !*sa {
					t.Error("the token AWS_WEB_IDENTITY_TOKEN_FILE points to is not mounted")
				}
			},
		},
	}
}

// checkDefaults: three Deployments named as in the seeds, the CRDs, and least-privilege RBAC.
func checkDefaults(t *testing.T, m *manifest) {
	if got, want := m.names("Deployment"), []string{controller, certController, webhook}; !reflect.DeepEqual(got, want) {
		t.Errorf("Deployments: got %v, want %v", got, want)
	}
	checkAllCRDs(t, m)
	// The controller's rules are exactly the generated ones, cluster-wide.
	bound := m.boundRules(t, namespace, controller)
	want := map[string][]rbacv1.PolicyRule{"ClusterRole/" + controller + "-controller": generatedControllerRules(t)}
	if !reflect.DeepEqual(bound, want) {
		t.Errorf("controller RBAC:\n got %v\nwant %v", bound, want)
	}
	// The webhook reads nothing: no role at all.
	if bound := m.boundRules(t, namespace, webhook); len(bound) > 0 {
		t.Errorf("the webhook's ServiceAccount is bound to %v", bound)
	}
	// The cert controller reaches Secrets only through its namespaced Role, by name (and create).
	for ref, rules := range m.boundRules(t, namespace, certController) {
		for _, r := range rules {
			if !slices.Contains(r.Resources, "secrets") {
				continue
			}
			if strings.HasPrefix(ref, "ClusterRole/") {
				t.Errorf("%s grants %v on Secrets cluster-wide", ref, r.Verbs)
			}
			if len(r.ResourceNames) == 0 && !reflect.DeepEqual(r.Verbs, []string{"create"}) {
				t.Errorf("%s grants %v on every Secret of the namespace", ref, r.Verbs)
			}
		}
	}
	if d := m.deployment(t, controller); hasArg(d, "--enable-leader-election=true") || m.find("Role", controller+"-leader-election") != nil {
		t.Error("leader election is on by default")
	}
	// The cert controller and the webhook agree on the Service and Secret.
	cc, wh := m.deployment(t, certController), m.deployment(t, webhook)
	if !hasArg(cc, "--service-name="+webhook) || !hasArg(cc, "--secret-namespace="+namespace) ||
		!hasArg(wh, "--dns-name="+webhook+"."+namespace+".svc") || wh.Spec.Template.Spec.Volumes[0].Secret.SecretName != webhook {
		t.Errorf("cert controller args %v, webhook args %v", args(cc), args(wh))
	}
}

func checkAllCRDs(t *testing.T, m *manifest) {
	if got, want := m.names("CustomResourceDefinition"), crdNames(t); !reflect.DeepEqual(got, want) {
		t.Errorf("CRDs:\n got %v\nwant %v", got, want)
	}
	for _, crd := range m.all("CustomResourceDefinition") {
		if crd.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
			t.Errorf("%s is deleted with the release (and every object of its kind with it)", crd.GetName())
		}
	}
}

func checkLeaderElectMonitoringScoped(t *testing.T, m *manifest) {
	d := m.deployment(t, controller)
	for _, a := range []string{
		"--enable-leader-election=true", "--namespace=" + scopedNamespace,
		"--enable-cluster-store-reconciler=false", "--enable-cluster-external-secret-reconciler=false",
		"--enable-cluster-push-secret-reconciler=false",
	} {
		if !hasArg(d, a) {
			t.Errorf("controller args lack %s: %v", a, args(d))
		}
	}
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas %d", *d.Spec.Replicas)
	}
	// Leader election: one Lease by name in the release namespace.
	le := m.role(t, controller+"-leader-election")
	if le.Namespace != namespace || !slices.ContainsFunc(le.Rules, func(r rbacv1.PolicyRule) bool {
		return slices.Contains(r.Resources, "leases") && slices.Equal(r.ResourceNames, []string{"external-secrets-controller"})
	}) {
		t.Errorf("leader-election Role: %+v", le)
	}
	// scopedRBAC: a Role in the watched namespace, no cluster-wide grant.
	for ref := range m.boundRules(t, namespace, controller) {
		if strings.HasPrefix(ref, "ClusterRole/") {
			t.Errorf("scopedRBAC still binds %s", ref)
		}
	}
	if r := m.role(t, controller+"-controller"); r.Namespace != scopedNamespace {
		t.Errorf("controller Role in %q", r.Namespace)
	}
	if got, want := m.names("ServiceMonitor"), []string{controller, certController, webhook}; !reflect.DeepEqual(got, want) {
		t.Errorf("ServiceMonitors: got %v, want %v", got, want)
	}
	for _, name := range []string{controller, webhook, certController} {
		if m.find("Service", name+"-metrics") == nil {
			t.Errorf("no metrics Service for %s", name)
		}
	}
	if len(m.all("PodDisruptionBudget")) != 1 {
		t.Errorf("PodDisruptionBudgets: %v", m.names("PodDisruptionBudget"))
	}
}

func checkRulesAndDashboard(t *testing.T, m *manifest) {
	var source struct {
		Spec map[string]any `json:"spec"`
	}
	if err := yaml.Unmarshal(repoFile(t, "config/prometheus/rules.yaml"), &source); err != nil {
		t.Fatal(err)
	}
	pr := m.find("PrometheusRule", controller)
	if pr == nil {
		t.Fatalf("no PrometheusRule: %v", m.names("PrometheusRule"))
	}
	if !reflect.DeepEqual(normalize(t, pr.Object["spec"]), normalize(t, source.Spec)) {
		t.Error("the PrometheusRule's spec differs from config/prometheus/rules.yaml")
	}
	if pr.GetLabels()["release"] != "kube-prometheus-stack" {
		t.Errorf("additionalLabels not applied: %v", pr.GetLabels())
	}
	cm := m.find("ConfigMap", controller+"-dashboard")
	if cm == nil {
		t.Fatal("no dashboard ConfigMap")
	}
	if cm.GetLabels()["grafana_dashboard"] != "1" {
		t.Errorf("dashboard labels %v", cm.GetLabels())
	}
	data, _, _ := unstructuredString(cm.Object, "data", "external-secrets.json")
	var got, want any
	if err := json.Unmarshal([]byte(data), &got); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if err := json.Unmarshal(repoFile(t, "config/grafana/dashboard.json"), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the dashboard differs from config/grafana/dashboard.json")
	}
}

func unstructuredString(obj map[string]any, fields ...string) (string, bool, error) {
	cur := any(obj)
	for _, f := range fields {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false, nil
		}
		cur = m[f]
	}
	s, ok := cur.(string)
	return s, ok, nil
}

// normalize round-trips v through JSON so that numbers compare equal whatever decoded them.
func normalize(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkArgsParse runs the binary with the container's arguments and --help: cobra parses every
// flag first, so an unknown flag or a bad value fails, and a good set prints help and exits 0.
func checkArgsParse(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	if eso == "" {
		return
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		cmd := exec.Command(eso, append(slices.Clone(c.Args), "--help")...)
		cmd.Env = append(os.Environ(), "KUBECONFIG=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s/%s: the binary rejects its arguments %v: %v\n%s", d.Name, c.Name, c.Args, err, out)
		}
	}
}
