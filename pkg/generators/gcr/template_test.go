package gcr

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
)

// pullSecretES is the ExternalSecret of the user documentation: keep the two identical.
const pullSecretES = `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: gar-pull-secret
  namespace: production
spec:
  refreshInterval: 30m
  dataFrom:
  - sourceRef:
      generatorRef:
        apiVersion: generators.external-secrets.io/v1alpha1
        kind: GCRAccessToken
        name: gar-token
  target:
    name: gar-pull-secret
    template:
      type: kubernetes.io/dockerconfigjson
      data:
        .dockerconfigjson: |
          {"auths":{"europe-docker.pkg.dev":{"username":"{{ .username }}","password":"{{ .password }}","auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}
`

// TestGenerator_dockerConfigTemplate runs the documented template over a generated token.
func TestGenerator_dockerConfigTemplate(t *testing.T) {
	var es esv1.ExternalSecret
	if err := yaml.UnmarshalStrict([]byte(pullSecretES), &es); err != nil {
		t.Fatal(err)
	}
	srv := newTokenServer(t, "ya29.pull")
	data, _, err := New().Generate(ctx(), manifest(t, keyRefSpec), saKube(nil, nil, keySecret(srv.keyJSON(t, nil))), testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{}
	if err := template.New().Apply(ctx(), template.ApplyInput{
		Secret: secret, Template: es.Spec.Target.Template, Data: data, CreationPolicy: esv1.CreatePolicyOwner, Namespace: es.Namespace,
	}); err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Auths map[string]struct{ Username, Password, Auth string }
	}
	if secret.Type != corev1.SecretTypeDockerConfigJson || len(secret.Data) != 1 {
		t.Fatalf("type %s, %d keys", secret.Type, len(secret.Data))
	}
	if err := json.Unmarshal(secret.Data[corev1.DockerConfigJsonKey], &cfg); err != nil {
		t.Fatalf("%s is not JSON: %v", corev1.DockerConfigJsonKey, err)
	}
	entry := cfg.Auths["europe-docker.pkg.dev"]
	auth, _ := base64.StdEncoding.DecodeString(entry.Auth)
	if entry.Username != Username || entry.Password != "ya29.pull" || string(auth) != Username+":ya29.pull" {
		t.Errorf("auth entry = %+v", entry)
	}
}
