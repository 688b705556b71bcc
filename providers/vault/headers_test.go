package vault

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// seen is one request as it reached the recording proxy.
type seen struct {
	method, path string
	header       http.Header
}

// recordingProxy forwards to the test Vault and records every request's headers. Namespaces
// and forwarding to the active node are Vault Enterprise features the open-source dev server
// refuses, so the proxy records X-Vault-Namespace and X-Vault-Inconsistent and drops them
// before forwarding.
type recordingProxy struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newRecordingProxy(t *testing.T) *recordingProxy {
	t.Helper()
	target, _ := url.Parse(vault.Addr)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(vault.CAPEM)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	p := &recordingProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.reqs = append(p.reqs, seen{method: r.Method, path: strings.TrimPrefix(r.URL.Path, "/v1/"), header: r.Header.Clone()})
		p.mu.Unlock()
		r.Header.Del("X-Vault-Namespace")
		r.Header.Del("X-Vault-Inconsistent")
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// find returns the first recorded request whose path starts with prefix.
func (p *recordingProxy) find(t *testing.T, prefix string) seen {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.reqs {
		if strings.HasPrefix(r.path, prefix) {
			return r
		}
	}
	t.Fatalf("no request to %s among %d", prefix, len(p.reqs))
	return seen{}
}

func TestProvider_namespacesAndHeaders(t *testing.T) {
	f := newFixture(t)
	roleID, secretID := appRole(t, f.prefix)
	f.kv2(f.key("app"), map[string]any{"user": "alice"})
	proxy := newRecordingProxy(t)
	store := f.appRoleStore(roleID, secretID)
	spec := store.Spec.Provider.Vault
	spec.Server = proxy.URL
	spec.Namespace = ptrTo("team-a")
	spec.Auth.Namespace = ptrTo("admin")
	spec.Headers = map[string]string{"X-Tenant": "blue"}
	spec.ReadYourWrites, spec.ForwardInconsistent = true, true

	c := f.client(nil, store)
	if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")}); err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	if err := c.Close(ctx(t)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for prefix, ns := range map[string]string{
		"auth/approle/login":     "admin",
		"secret/data/":           "team-a",
		"auth/token/revoke-self": "admin",
	} {
		r := proxy.find(t, prefix)
		if got := r.header.Get("X-Vault-Namespace"); got != ns {
			t.Errorf("%s went to namespace %q, want %q", prefix, got, ns)
		}
		if r.header.Get("X-Tenant") != "blue" || r.header.Get("X-Vault-Inconsistent") != "forward-active-node" || r.header.Get("X-Vault-Request") != "true" {
			t.Errorf("%s headers: %v", prefix, r.header)
		}
	}
	if proxy.find(t, "auth/approle/login").header.Get("X-Vault-Token") != "" {
		t.Error("the login sent a token")
	}

	// Without auth.namespace the login goes to the read namespace.
	spec.Auth.Namespace = nil
	proxy.mu.Lock()
	proxy.reqs = nil
	proxy.mu.Unlock()
	f.client(nil, store)
	if got := proxy.find(t, "auth/approle/login").header.Get("X-Vault-Namespace"); got != "team-a" {
		t.Errorf("login namespace = %q, want team-a", got)
	}
}

// flakyServer answers 502 to the first fails requests, then a KV v2 secret.
func flakyServer(t *testing.T, fails int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= fails {
			http.Error(w, `{"errors":["upstream unavailable"]}`, http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"data":{"user":"alice"},"metadata":{"version":1}}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestProvider_retrySettings(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name      string
		retries   *int32
		wantCalls int32
		wantErr   bool
	}{
		{name: "two retries ride out two failures", retries: ptrTo[int32](2), wantCalls: 3},
		{name: "no retries fail at once", retries: ptrTo[int32](0), wantCalls: 1, wantErr: true},
		{name: "one retry is not enough", retries: ptrTo[int32](1), wantCalls: 2, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := flakyServer(t, 2)
			spec := f.spec(f.rootAuth())
			spec.Server, spec.CABundle = srv.URL, nil
			store := f.store(spec)
			store.Spec.RetrySettings = &esv1.SecretStoreRetrySettings{MaxRetries: tt.retries, RetryInterval: ptrTo("5ms")}
			obs := &countingObserver{}
			c := f.client(New(WithCallObserver(obs)), store)
			_, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "app"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("GetSecret error = %v, wantErr %v", err, tt.wantErr)
			}
			if calls.Load() != tt.wantCalls {
				t.Fatalf("server saw %d requests, want %d", calls.Load(), tt.wantCalls)
			}
			// Retries are one call for the metric.
			if obs.count(callReadSecretData, "success")+obs.count(callReadSecretData, "error") != 1 {
				t.Fatalf("observed %v", obs.calls)
			}
		})
	}
}

func TestClient_observesEveryCall(t *testing.T) {
	f := newFixture(t)
	obs := &countingObserver{}
	c := f.client(New(WithCallObserver(obs)), f.store(f.spec(f.rootAuth())))
	key := f.key("observed")
	if err := c.PushSecret(ctx(t), sourceSecret(), push(key, "user", "user")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Path: &f.prefix}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: key}); err != nil {
		t.Fatal(err)
	}
	for _, call := range []string{callReadSecretData, callWriteSecretData, callListSecrets, callDeleteSecret} {
		if obs.count(call, "success") == 0 {
			t.Errorf("no successful %s observed: %v", call, obs.calls)
		}
	}
	// The push of a new secret first finds no metadata: a 404 is a successful call.
	if obs.count(callReadSecretData, "error") != 0 {
		t.Errorf("not-found reads counted as errors: %v", obs.calls)
	}
}
