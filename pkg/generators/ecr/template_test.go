package ecr

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
)

// pullSecretES is the ExternalSecret of the user documentation (seed 004's ECR pull secret
// with the template it needs): keep the two identical.
const pullSecretES = `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: ecr-pull-secret
  namespace: production
spec:
  refreshInterval: 6h
  dataFrom:
  - sourceRef:
      generatorRef:
        apiVersion: generators.external-secrets.io/v1alpha1
        kind: ECRAuthorizationToken
        name: ecr-token
  target:
    name: ecr-pull-secret
    template:
      type: kubernetes.io/dockerconfigjson
      data:
        .dockerconfigjson: |
          {"auths":{"{{ .proxy_endpoint }}":{"username":"{{ .username }}","password":"{{ .password }}","auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}
`

// TestGenerator_dockerConfigTemplate runs the documented template over a real token: the
// Secret must be a valid kubernetes.io/dockerconfigjson for the registry's endpoint.
func TestGenerator_dockerConfigTemplate(t *testing.T) {
	needMoto(t)
	var es esv1.ExternalSecret
	if err := yaml.UnmarshalStrict([]byte(pullSecretES), &es); err != nil {
		t.Fatal(err)
	}
	data, _, err := New(WithEndpoint(motoURL)).Generate(ctx(), manifest(t, `{"region":"us-east-1","auth":`+staticAuth+`}`), kubeWith(credsSecret()), testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{}
	if err := template.New().Apply(ctx(), template.ApplyInput{
		Secret: secret, Template: es.Spec.Target.Template, Data: data, CreationPolicy: esv1.CreatePolicyOwner, Namespace: es.Namespace,
	}); err != nil {
		t.Fatal(err)
	}
	if secret.Type != corev1.SecretTypeDockerConfigJson || len(secret.Data) != 1 {
		t.Fatalf("type %s, keys %s; want only %s", secret.Type, keys(secret.Data), corev1.DockerConfigJsonKey)
	}
	var cfg struct {
		Auths map[string]struct{ Username, Password, Auth string }
	}
	if err := json.Unmarshal(secret.Data[corev1.DockerConfigJsonKey], &cfg); err != nil {
		t.Fatalf("%s is not JSON: %v", corev1.DockerConfigJsonKey, err)
	}
	entry, ok := cfg.Auths[string(data[KeyProxyEndpoint])]
	if !ok || len(cfg.Auths) != 1 {
		t.Fatalf("auths = %v, want one entry for %s", cfg.Auths, data[KeyProxyEndpoint])
	}
	auth, _ := base64.StdEncoding.DecodeString(entry.Auth)
	if entry.Username != "AWS" || entry.Password != string(data[KeyPassword]) || string(auth) != "AWS:"+string(data[KeyPassword]) {
		t.Errorf("auth entry = %+v", entry)
	}
}
