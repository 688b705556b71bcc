package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers"
	webhookprovider "github.com/seedb5e69c69/external-secrets/providers/webhook"
)

const genNS = "apps"

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func manifest(t *testing.T, spec esv1.WebhookProvider) *apiextensionsv1.JSON {
	t.Helper()
	obj := genv1alpha1.Webhook{
		TypeMeta:   metav1.TypeMeta{APIVersion: genv1alpha1.GroupVersion.String(), Kind: genv1alpha1.WebhookKind},
		ObjectMeta: metav1.ObjectMeta{Name: "token", Namespace: genNS},
		Spec:       genv1alpha1.WebhookSpec{WebhookProvider: spec},
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return &apiextensionsv1.JSON{Raw: raw}
}

func kubeWith(objs ...client.Object) client.Client {
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(objs...).Build()
}

func labelled(ns, name string, labels map[string]string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

var webhookLabel = map[string]string{esv1.LabelWebhookSecretType: esv1.LabelWebhookSecretTypeValue}

// tokenServer hands out a token to callers that present the API key, like an identity
// service would; it records what it received.
type tokenServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newTokenServer(t *testing.T) *tokenServer {
	t.Helper()
	s := &tokenServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b))
		s.mu.Unlock()
		if r.Header.Get("X-Api-Key") != "api-key-123" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, "denied api-key-123")
			return
		}
		switch r.URL.Path {
		case "/token":
			_, _ = io.WriteString(w, `{"token":"tk-1","expires":3600,"scopes":["read","write"],"meta":{"region":"eu"},"none":null}`)
		case "/wrapped":
			_, _ = io.WriteString(w, `{"result":{"token":"tk-2","ttl":60}}`)
		case "/scalar":
			_, _ = io.WriteString(w, `"tk-3"`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *tokenServer) lastBody() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bodies) == 0 {
		return ""
	}
	return s.bodies[len(s.bodies)-1]
}

func specFor(url string) esv1.WebhookProvider {
	return esv1.WebhookProvider{
		URL:     url,
		Method:  http.MethodPost,
		Body:    `{"client":"{{ .creds.client }}","ns":"{{ .remoteRef.namespace }}"}`,
		Headers: map[string]string{"X-Api-Key": "{{ .creds.apikey }}"},
		Secrets: []esv1.WebhookSecret{{Name: "creds", SecretRef: esmeta.SecretKeySelector{Name: "token-api"}}},
	}
}

type calls struct {
	mu  sync.Mutex
	got []string
}

func (c *calls) ObserveAPICall(provider, call string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	status := "success"
	if err != nil {
		status = "error"
	}
	c.got = append(c.got, provider+"/"+call+"/"+status)
}

func TestGenerator_Generate(t *testing.T) {
	srv := newTokenServer(t)
	kube := kubeWith(labelled(genNS, "token-api", webhookLabel, map[string]string{"apikey": "api-key-123", "client": "ci"}))
	tests := []struct {
		name, path, jsonPath string
		want                 map[string]string
		wantErr              string
		errIs                error
	}{
		{name: "the response object is flattened: strings raw, everything else JSON", path: "/token",
			want: map[string]string{"token": "tk-1", "expires": "3600", "scopes": `["read","write"]`, "meta": `{"region":"eu"}`, "none": "null"}},
		{name: "jsonPath selects the object", path: "/wrapped", jsonPath: "$.result",
			want: map[string]string{"token": "tk-2", "ttl": "60"}},
		{name: "a response that is not an object is an error", path: "/scalar", wantErr: "not a JSON object"},
		{name: "a 404 is an error", path: "/missing", errIs: providers.ErrSecretNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := specFor(srv.URL + tt.path)
			spec.Result.JSONPath = tt.jsonPath
			obs := &calls{}
			g := New(webhookprovider.WithCallObserver(obs))
			got, state, err := g.Generate(ctx(t), manifest(t, spec), kube, genNS)
			if state != nil {
				t.Fatalf("the generator keeps no state, got %s", state.Raw)
			}
			if tt.wantErr != "" || tt.errIs != nil {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || (tt.errIs != nil && !errors.Is(err, tt.errIs)) {
					t.Fatalf("error %v, want %q / %v", err, tt.wantErr, tt.errIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			out := map[string]string{}
			for k, v := range got {
				out[k] = string(v)
			}
			if !reflect.DeepEqual(out, tt.want) {
				t.Fatalf("got %v, want %v", out, tt.want)
			}
			if body := srv.lastBody(); body != `{"client":"ci","ns":"apps"}` {
				t.Fatalf("request body = %s", body)
			}
			if !reflect.DeepEqual(obs.got, []string{"Webhook/HTTPRequest/success"}) {
				t.Fatalf("observed %v", obs.got)
			}
		})
	}
}

// TestGenerator_Generate_secretsRules: referenced Secrets are read in the generator's
// namespace (a namespace in the reference is ignored, as for a namespaced store) and must
// carry the webhook label.
func TestGenerator_Generate_secretsRules(t *testing.T) {
	srv := newTokenServer(t)
	t.Run("an unlabelled Secret is refused before any call", func(t *testing.T) {
		kube := kubeWith(labelled(genNS, "token-api", nil, map[string]string{"apikey": "api-key-123", "client": "ci"}))
		_, _, err := Generator{}.Generate(ctx(t), manifest(t, specFor(srv.URL+"/token")), kube, genNS)
		if !errors.Is(err, webhookprovider.ErrSecretNotLabelled) {
			t.Fatalf("got %v", err)
		}
		if strings.Contains(err.Error(), "api-key-123") {
			t.Fatalf("the error leaks the key: %v", err)
		}
		if srv.lastBody() != "" {
			t.Fatal("the endpoint was called")
		}
	})
	t.Run("a namespace in the reference does not reach another namespace", func(t *testing.T) {
		kube := kubeWith(
			labelled(genNS, "token-api", webhookLabel, map[string]string{"apikey": "api-key-123", "client": "own"}),
			labelled("other", "token-api", webhookLabel, map[string]string{"apikey": "api-key-123", "client": "foreign"}),
		)
		spec := specFor(srv.URL + "/token")
		spec.Secrets[0].SecretRef.Namespace = ptr.To("other")
		if _, _, err := (Generator{}).Generate(ctx(t), manifest(t, spec), kube, genNS); err != nil {
			t.Fatalf("Generate: %v", err)
		}
		if body := srv.lastBody(); !strings.Contains(body, `"client":"own"`) {
			t.Fatalf("request body = %s", body)
		}
	})
	t.Run("a refusal does not repeat the response", func(t *testing.T) {
		kube := kubeWith(labelled(genNS, "token-api", webhookLabel, map[string]string{"apikey": "wrong-key-999", "client": "ci"}))
		_, _, err := Generator{}.Generate(ctx(t), manifest(t, specFor(srv.URL+"/token")), kube, genNS)
		if !errors.Is(err, providers.ErrUnauthorized) || strings.Contains(err.Error(), "denied") || strings.Contains(err.Error(), "wrong-key-999") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestGenerator_Cleanup(t *testing.T) {
	if err := (Generator{}).Cleanup(ctx(t), nil, nil, nil, genNS); err != nil {
		t.Fatal(err)
	}
}

func TestGenerator_Generate_badManifest(t *testing.T) {
	_, _, err := Generator{}.Generate(ctx(t), &apiextensionsv1.JSON{Raw: []byte(`{"spec":`)}, kubeWith(), genNS)
	if err == nil {
		t.Fatal("want an error for a truncated manifest")
	}
}
