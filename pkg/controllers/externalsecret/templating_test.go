package externalsecret_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

// seedExternalSecrets reads the ExternalSecrets of a seed manifest file unchanged, except that
// they are moved to ns and read from the test's fake store.
func seedExternalSecrets(t *testing.T, file, ns, storeName string) []*esv1.ExternalSecret {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "..", "shared", "seed-manifests", file))
	must(t, err)
	dec := utilyaml.NewYAMLOrJSONDecoder(bytesReader(raw), 4096)
	var out []*esv1.ExternalSecret
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			break
		}
		if obj["kind"] != "ExternalSecret" {
			continue
		}
		var es esv1.ExternalSecret
		must(t, runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &es))
		es.Namespace, es.APIVersion = ns, ""
		es.Spec.SecretStoreRef = esv1.SecretStoreRef{Name: storeName, Kind: esv1.SecretStoreKind}
		out = append(out, &es)
	}
	if len(out) == 0 {
		t.Fatalf("no ExternalSecret in %s", file)
	}
	return out
}

// TestSeed004_templatesProduceTheExpectedBytes runs seed 004's templates unchanged.
func TestSeed004_templatesProduceTheExpectedBytes(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{
		"production/myapp/database": `{"username":"u","password":"p","host":"h","port":"5432","dbname":"d","api_key":"k"}`,
		"production/registry":       `{"registry":"registry.example.com","username":"u","password":"p"}`,
	})
	for _, es := range seedExternalSecrets(t, "004-templates.yaml", ns, "store") {
		must(t, k.Create(context.Background(), es))
	}

	app := waitData(t, ns, "app-credentials", kv{
		"DATABASE_URL": "postgresql://u:p@h:5432/d?sslmode=require",
		"ENCODED_KEY":  base64.StdEncoding.EncodeToString([]byte("k")),
	}, 10*time.Second)
	if app.Type != corev1.SecretTypeOpaque {
		t.Fatalf("type %q", app.Type)
	}
	wantDocker := `{
  "auths": {
    "registry.example.com": {
      "username": "u",
      "password": "p",
      "auth": "` + base64.StdEncoding.EncodeToString([]byte("u:p")) + `"
    }
  }
}
`
	reg := waitData(t, ns, "registry-credentials", kv{".dockerconfigjson": wantDocker}, 10*time.Second)
	if reg.Type != corev1.SecretTypeDockerConfigJson {
		t.Fatalf("type %q", reg.Type)
	}
}

// TestTemplateFrom_configMapChangeReRenders: editing a ConfigMap used by templateFrom
// re-renders the Secret without waiting for the refresh interval.
func TestTemplateFrom_configMapChangeReRenders(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{"/user": "alice"})
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "tpl", Namespace: ns}, Data: map[string]string{"greeting": "hello {{ .user }}"}}
	must(t, k.Create(context.Background(), cm))
	newES(t, ns, "es", "store", withData("user", "/user"), func(es *esv1.ExternalSecret) {
		es.Spec.Target.Template = &esv1.ExternalSecretTemplate{TemplateFrom: []esv1.TemplateFrom{{
			ConfigMap: &esv1.TemplateRef{Name: "tpl", Items: []esv1.TemplateRefItem{{Key: "greeting"}}},
		}}}
	})
	waitData(t, ns, "es", kv{"greeting": "hello alice"}, 10*time.Second)

	must(t, k.Get(context.Background(), client.ObjectKeyFromObject(cm), cm))
	cm.Data["greeting"] = "bye {{ .user }}"
	must(t, k.Update(context.Background(), cm))
	waitData(t, ns, "es", kv{"greeting": "bye alice"}, 2*time.Second)
}

// TestTemplate_errorLeavesSecretUntouched: a template that stops working reports Ready=False
// and keeps the Secret as it was.
func TestTemplate_errorLeavesSecretUntouched(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{"/user": "alice"})
	es := newES(t, ns, "es", "store", withData("user", "/user"), func(es *esv1.ExternalSecret) {
		es.Spec.Target.Template = &esv1.ExternalSecretTemplate{Data: map[string]string{"out": "{{ .user }}"}}
	})
	before := waitData(t, ns, "es", kv{"out": "alice"}, 10*time.Second)
	eventually(t, 5*time.Second, func() error {
		cur := getES(t, es)
		cur.Spec.Target.Template.Data["out"] = "{{ .nope }"
		return k.Update(context.Background(), cur)
	})
	waitMessage(t, es, "could not update secret")
	waitEvent(t, ns, "es", "UpdateFailed", "unable to parse template at key out")
	if after := getSecret(t, ns, "es"); after.ResourceVersion != before.ResourceVersion {
		t.Fatal("a broken template modified the Secret")
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
