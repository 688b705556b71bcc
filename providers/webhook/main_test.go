package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers"
)

const storeNS = "team-a"

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// webhookLabel is the opt-in label every Secret the provider reads must carry.
var webhookLabel = map[string]string{esv1.LabelWebhookSecretType: esv1.LabelWebhookSecretTypeValue}

func secret(ns, name string, labels map[string]string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func newKube(objs ...client.Object) client.Client {
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(objs...).Build()
}

func namespacedStore(spec esv1.WebhookProvider) *esv1.SecretStore {
	return &esv1.SecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.SecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "hook", Namespace: storeNS},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Webhook: &spec}},
	}
}

func clusterStore(spec esv1.WebhookProvider) *esv1.ClusterSecretStore {
	return &esv1.ClusterSecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.ClusterSecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "hook"},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Webhook: &spec}},
	}
}

// calls is a metrics sink: it keeps "provider/call/status" for each observed call.
type calls struct {
	mu  sync.Mutex
	got []string
}

func (c *calls) ObserveAPICall(provider, call string, err error) {
	status := "success"
	if err != nil {
		status = "error"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, provider+"/"+call+"/"+status)
}

func (c *calls) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

// seen is one request as the server received it.
type seen struct {
	Method, Path, RawQuery, Host, Body string
	Header                             http.Header
}

// endpointServer is a plain HTTP API: it records every request and answers with whatever
// reply returns for it.
type endpointServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []seen
}

type reply struct {
	status int
	body   string
}

func newEndpointServer(t *testing.T, tlsServer bool, answer func(seen) reply) *endpointServer {
	t.Helper()
	s := &endpointServer{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req := seen{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Host: r.Host, Body: string(b), Header: r.Header.Clone()}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		rep := answer(req)
		if rep.status == 0 {
			rep.status = http.StatusOK
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	})
	if tlsServer {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *endpointServer) last(t *testing.T) seen {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		t.Fatal("the server received no request")
	}
	return s.requests[len(s.requests)-1]
}

func (s *endpointServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func static(status int, body string) func(seen) reply {
	return func(seen) reply { return reply{status: status, body: body} }
}

// newClient builds a Client the way the controllers do.
func newClient(t *testing.T, p *Provider, store esv1.GenericStore, kube client.Client, namespace string) *Client {
	t.Helper()
	c, err := p.NewClient(ctx(t), store, kube, namespace)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c.(*Client)
}

// noLeak fails when err mentions any of the values.
func noLeak(t *testing.T, err error, values ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, v := range values {
		if strings.Contains(err.Error(), v) {
			t.Fatalf("the error leaks %q: %v", v, err)
		}
	}
}

var _ providers.CallObserver = (*calls)(nil)
