package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

// admissionCase is an invalid manifest and the message its rejection must contain. by says
// who rejects it when the apiserver is asked: "webhook" for rules only the webhook has, or
// "schema" for rules the CRDs' CEL also enforces, which the apiserver checks before it calls
// any validating webhook (their messages start with the webhook's).
type admissionCase struct {
	name string
	kind string
	spec string // the spec as a YAML flow mapping
	want string
	by   string
}

var invalidManifests = []admissionCase{
	{name: "Delete with Merge", kind: "ExternalSecret", spec: `{target: {creationPolicy: Merge, deletionPolicy: Delete}, data: [{secretKey: a, remoteRef: {key: k}}]}`, want: msgDeleteNotOwner, by: "schema"},
	{name: "Delete with None", kind: "ExternalSecret", spec: `{target: {creationPolicy: None, deletionPolicy: Delete}, data: [{secretKey: a, remoteRef: {key: k}}]}`, want: msgDeleteNotOwner, by: "schema"},
	{name: "Delete with CreateOrMerge", kind: "ExternalSecret", spec: `{target: {creationPolicy: CreateOrMerge, deletionPolicy: Delete}, data: [{secretKey: a, remoteRef: {key: k}}]}`, want: msgDeleteNotOwner, by: "schema"},
	{name: "Merge with None", kind: "ExternalSecret", spec: `{target: {creationPolicy: None, deletionPolicy: Merge}, data: [{secretKey: a, remoteRef: {key: k}}]}`, want: msgMergeWithNone, by: "schema"},
	{name: "no data", kind: "ExternalSecret", spec: `{secretStoreRef: {name: s}}`, want: msgNoData, by: "schema"},
	{name: "service-account token with the account annotation", kind: "ExternalSecret",
		spec: `{target: {template: {type: kubernetes.io/service-account-token, metadata: {annotations: {kubernetes.io/service-account.name: default}}}}, data: [{secretKey: a, remoteRef: {key: k}}]}`,
		want: `template.type="kubernetes.io/service-account-token" with annotation "kubernetes.io/service-account.name" is not allowed`, by: "schema"},
	{name: "service-account token with templateFrom into annotations", kind: "ExternalSecret",
		spec: `{target: {template: {type: kubernetes.io/service-account-token, templateFrom: [{literal: "a: b", target: Annotations}]}}, data: [{secretKey: a, remoteRef: {key: k}}]}`,
		want: `template.type="kubernetes.io/service-account-token" with templateFrom target="Annotations" is not allowed`, by: "webhook"},
	{name: "bootstrap token", kind: "ExternalSecret", spec: `{target: {template: {type: bootstrap.kubernetes.io/token}}, data: [{secretKey: a, remoteRef: {key: k}}]}`,
		want: `template.type="bootstrap.kubernetes.io/token" is not allowed`, by: "schema"},
	{name: "templateFrom target a Secret does not have", kind: "ExternalSecret",
		spec: `{target: {template: {templateFrom: [{literal: "a: b", target: Spec}]}}, data: [{secretKey: a, remoteRef: {key: k}}]}`,
		want: `templateFrom target="Spec" is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"`, by: "webhook"},
	{name: "extract and find at once", kind: "ExternalSecret", spec: `{dataFrom: [{extract: {key: k}, find: {path: p}}]}`, want: msgSourcesAtOnce, by: "schema"},
	{name: "extract and generator at once", kind: "ExternalSecret",
		spec: `{dataFrom: [{extract: {key: k}, sourceRef: {generatorRef: {kind: Password, name: p}}}]}`, want: msgSourcesAtOnce, by: "schema"},
	{name: "dataFrom without a source", kind: "ExternalSecret", spec: `{dataFrom: [{rewrite: [{regexp: {source: a, target: b}}]}]}`, want: msgNoSource, by: "schema"},
	{name: "dataFrom with an empty sourceRef", kind: "ExternalSecret", spec: `{dataFrom: [{sourceRef: {}}]}`, want: msgEmptySourceRef, by: "schema"},
	{name: "duplicate secretKey", kind: "ExternalSecret", spec: `{data: [{secretKey: a, remoteRef: {key: k}}, {secretKey: a, remoteRef: {key: l}}]}`,
		want: "duplicate secretKey found: a", by: "webhook"},
	{name: "generator in data", kind: "ExternalSecret", spec: `{data: [{secretKey: a, remoteRef: {key: k}, sourceRef: {generatorRef: {kind: Password, name: p}}}]}`,
		want: msgDataGenerator, by: "schema"},

	{name: "namespace regex that does not compile", kind: "ClusterSecretStore",
		spec: `{provider: {fake: {data: []}}, conditions: [{namespaces: [a]}, {namespaceRegexes: ["^ok$", "(unclosed"]}]}`,
		want: "failed to compile 1th namespace regex in 1th condition: error parsing regexp: missing closing )", by: "webhook"},
	{name: "refreshInterval out of range", kind: "SecretStore", spec: `{provider: {fake: {data: []}}, refreshInterval: 99999999999h}`,
		want: `invalid refreshInterval: time: invalid duration "99999999999h"`, by: "webhook"},
	{name: "refreshInterval out of range", kind: "ClusterSecretStore", spec: `{provider: {fake: {data: []}}, refreshInterval: 99999999999h}`,
		want: `invalid refreshInterval: time: invalid duration "99999999999h"`, by: "webhook"},
	{name: "provider rules: a namespaced store reads only its own namespace", kind: "SecretStore",
		spec: `{provider: {kubernetes: {auth: {token: {bearerToken: {name: t, key: k, namespace: elsewhere}}}}}}`,
		want: "auth.token.bearerToken: namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore", by: "webhook"},
	{name: "provider rules: fake data needs keys", kind: "ClusterSecretStore", spec: `{provider: {fake: {data: [{key: "", value: v}]}}}`,
		want: "data[0]: key must not be empty", by: "webhook"},
	{name: "provider not served by this binary", kind: "SecretStore", spec: `{provider: {gcpsm: {projectID: p}}}`,
		want: "failed to find registered store backend for type: gcpsm", by: "webhook"},
	// The CRDs phrase "exactly one provider" themselves (see SecretStoreProvider); the
	// webhook's upstream message is checked by TestStoreValidator_Validate.
	{name: "two providers", kind: "SecretStore", spec: `{provider: {fake: {data: []}, kubernetes: {authRef: {name: k, key: k}}}}`,
		want: "more than one provider is set in spec.provider", by: "schema"},
	{name: "no provider", kind: "ClusterSecretStore", spec: `{provider: {}}`, want: "no provider is set in spec.provider", by: "schema"},
}

func manifest(t *testing.T, version, kind, namespace, spec string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("external-secrets.io/" + version)
	u.SetKind(kind)
	u.SetGenerateName("invalid-")
	if kind != esv1.ClusterSecretStoreKind {
		u.SetNamespace(namespace)
	}
	var s map[string]any
	if err := yaml.Unmarshal([]byte(spec), &s); err != nil {
		t.Fatalf("spec %s: %v", spec, err)
	}
	if kind == esv1.ExternalSecretKind {
		if _, ok := s["secretStoreRef"]; !ok {
			s["secretStoreRef"] = map[string]any{"name": "store"}
		}
	}
	u.Object["spec"] = s
	return u
}

func TestAdmission_rejectsInvalidManifests(t *testing.T) {
	ns := env.Namespace(t)
	for _, version := range []string{"v1", "v1beta1"} {
		for _, tc := range invalidManifests {
			t.Run(version+"/"+tc.kind+"/"+tc.name, func(t *testing.T) {
				obj := manifest(t, version, tc.kind, ns, tc.spec)
				err := env.Client.Create(context.Background(), obj)
				if err == nil {
					_ = env.Client.Delete(context.Background(), obj)
					t.Fatalf("accepted; want a rejection with %q", tc.want)
				}
				if !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("rejected with\n  %v\nwant it to contain\n  %s", err, tc.want)
				}
				fromWebhook := strings.Contains(err.Error(), `admission webhook "validate`) && strings.Contains(err.Error(), "denied the request")
				if fromWebhook != (tc.by == "webhook") {
					t.Errorf("rejected by the webhook: %v, want the %s to reject it: %v", fromWebhook, tc.by, err)
				}
			})
		}
	}
}

func TestAdmission_rejectsInvalidUpdates(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	for _, version := range []string{"v1", "v1beta1"} {
		obj := manifest(t, version, esv1.ExternalSecretKind, ns, `{data: [{secretKey: a, remoteRef: {key: k}}]}`)
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatalf("%s: creating a valid ExternalSecret: %v", version, err)
		}
		data, _, _ := unstructured.NestedSlice(obj.Object, "spec", "data")
		_ = unstructured.SetNestedSlice(obj.Object, append(data, data[0]), "spec", "data")
		err := env.Client.Update(ctx, obj)
		if err == nil || !strings.Contains(err.Error(), "duplicate secretKey found: a") {
			t.Errorf("%s: update with a duplicate key: %v", version, err)
		}
		if err := env.Client.Delete(ctx, obj); err != nil {
			t.Errorf("%s: delete: %v", version, err)
		}
	}
}

// warnings collects the warnings the apiserver relays from admission webhooks.
type warnings struct {
	mu   sync.Mutex
	seen []string
}

func (w *warnings) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

func TestAdmission_relaysMaintenanceWarnings(t *testing.T) {
	ns := env.Namespace(t)
	w := &warnings{}
	cfg := rest.CopyConfig(env.Config)
	cfg.WarningHandlerWithContext = w
	c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{"v1", "v1beta1"} {
		w.seen = nil
		if err := c.Create(context.Background(), manifest(t, version, esv1.SecretStoreKind, ns, `{provider: {fake: {data: []}}}`)); err != nil {
			t.Fatalf("%s: %v", version, err)
		}
		// v1beta1 also carries the CRD's own deprecation warning.
		want := "store fake isn't currently maintained. Please plan and prepare accordingly."
		if !slices.Contains(w.seen, want) {
			t.Errorf("%s: warnings %q lack %q", version, w.seen, want)
		}
	}
}

// TestAdmission_acceptsSeedManifests applies every manifest our users wrote (v1 and
// v1beta1, several documents per file), unchanged, through the webhook.
func TestAdmission_acceptsSeedManifests(t *testing.T) {
	ctx := context.Background()
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "..", "shared", "seed-manifests", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed manifests: %v", err)
	}
	validated := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			for _, obj := range readObjects(t, f) {
				ensureNamespace(t, obj.GetNamespace())
				if err := env.Client.Create(ctx, obj); err != nil {
					t.Errorf("%s %s/%s rejected: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
					continue
				}
				// Cluster-scoped names repeat across files.
				t.Cleanup(func() { _ = env.Client.Delete(ctx, obj) })
				if obj.GroupVersionKind().Group == group {
					validated++
				}
			}
		})
	}
	if validated < 15 {
		t.Errorf("only %d seed objects went through the webhook", validated)
	}
}

func readObjects(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(path) //nolint:gosec // a test fixture
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
