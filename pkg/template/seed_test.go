package template

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// seedExternalSecrets reads the ExternalSecrets of a seed manifest (copied unchanged from
// the shared seed manifests into testdata). v1beta1 has the same schema as v1.
func seedExternalSecrets(t *testing.T, file string) map[string]*esv1.ExternalSecret {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*esv1.ExternalSecret{}
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		var es esv1.ExternalSecret
		if err := yaml.UnmarshalStrict([]byte(doc), &es); err != nil || es.Kind != "ExternalSecret" {
			continue // the generator of the same file
		}
		out[es.Name] = &es
	}
	return out
}

func applySeed(t *testing.T, es *esv1.ExternalSecret, data map[string]string) *corev1.Secret {
	t.Helper()
	if es == nil {
		t.Fatal("ExternalSecret not found in the seed manifest")
	}
	provider := map[string][]byte{}
	for k, v := range data {
		provider[k] = []byte(v)
	}
	secret := &corev1.Secret{}
	err := New().Apply(context.Background(), ApplyInput{
		Secret: secret, Template: es.Spec.Target.Template, Data: provider,
		ESLabels: es.Labels, ESAnnotations: es.Annotations, CreationPolicy: esv1.CreatePolicyOwner, Namespace: es.Namespace,
	})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestSeed004_templates(t *testing.T) {
	ess := seedExternalSecrets(t, "testdata/seed-004-templates.yaml")
	t.Run("app-credentials", func(t *testing.T) {
		s := applySeed(t, ess["app-credentials"], map[string]string{
			"username": "u", "password": "p", "host": "h", "port": "5432", "dbname": "d", "api_key": "k",
		})
		want := map[string]string{
			"DATABASE_URL": "postgresql://u:p@h:5432/d?sslmode=require",
			"ENCODED_KEY":  "aw==", // base64("k")
		}
		if s.Type != corev1.SecretTypeOpaque || len(s.Data) != len(want) {
			t.Fatalf("type %s, data %v", s.Type, s.Data)
		}
		for k, v := range want {
			if string(s.Data[k]) != v {
				t.Errorf("%s = %q, want %q", k, s.Data[k], v)
			}
		}
	})
	t.Run("registry-credentials", func(t *testing.T) {
		s := applySeed(t, ess["registry-credentials"], map[string]string{
			"registry": "registry.example.com", "username": "u", "password": "p",
		})
		want := "{\n" +
			"  \"auths\": {\n" +
			"    \"registry.example.com\": {\n" +
			"      \"username\": \"u\",\n" +
			"      \"password\": \"p\",\n" +
			"      \"auth\": \"dTpw\"\n" + // base64("u:p")
			"    }\n" +
			"  }\n" +
			"}\n"
		got := s.Data[corev1.DockerConfigJsonKey]
		if s.Type != corev1.SecretTypeDockerConfigJson || string(got) != want || len(s.Data) != 1 {
			t.Fatalf("type %s, data %q, want %q", s.Type, got, want)
		}
		if !json.Valid(got) {
			t.Fatal("not valid JSON")
		}
	})
}

func TestSeed004_generatorTemplateKeepsGeneratorData(t *testing.T) {
	es := seedExternalSecrets(t, "testdata/seed-004-generators.yaml")["ecr-pull-secret"]
	s := applySeed(t, es, map[string]string{"username": "AWS", "password": "token", "proxy_endpoint": "https://x", "expires_at": "1"})
	// The template sets only the type, so the generator's keys are stored as they are; there
	// is no .dockerconfigjson key and the apiserver will refuse the Secret, which the
	// controller must report (the seed's expectation).
	if s.Type != corev1.SecretTypeDockerConfigJson || len(s.Data) != 4 || string(s.Data["password"]) != "token" {
		t.Fatalf("type %s, data %v", s.Type, s.Data)
	}
	if _, ok := s.Data[corev1.DockerConfigJsonKey]; ok {
		t.Fatal("unexpected .dockerconfigjson")
	}
}
