package webhook

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestClient_GetSecret_rendersURLBodyAndHeaders(t *testing.T) {
	srv := newEndpointServer(t, false, static(200, `{"value":"v1"}`))
	kube := newKube(secret(storeNS, "api-creds", webhookLabel, map[string]string{"token": "tok-123456", "user": "bob"}))
	spec := esv1.WebhookProvider{
		Method: http.MethodPost,
		URL:    srv.URL + "/secrets/{{ .remoteRef.key }}?version={{ .remoteRef.version }}&p={{ .remoteRef.property }}&ns={{ .remoteRef.namespace }}",
		Body:   `{"key":"{{ .remoteRef.key }}","user":"{{ .creds.user }}","property":"{{ .remoteRef.property }}"}`,
		Headers: map[string]string{
			"Authorization": "Bearer {{ .creds.token }}",
			"X-Key":         "{{ .remoteRef.key | upper }}",
			"Host":          "api.example.com",
		},
		Secrets: []esv1.WebhookSecret{{Name: "creds", SecretRef: esmeta.SecretKeySelector{Name: "api-creds"}}},
	}
	c := newClient(t, New(), namespacedStore(spec), kube, storeNS)
	got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "db pass&x", Version: "v/2", Property: "a=b"})
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	if string(got) != `{"value":"v1"}` {
		t.Errorf("without jsonPath the body comes back as is, got %q", got)
	}
	req := srv.last(t)
	if req.Method != http.MethodPost {
		t.Errorf("method = %s", req.Method)
	}
	// In the url the reference is query-escaped, so a key cannot add a query parameter.
	if req.Path != "/secrets/db+pass&x" || req.RawQuery != "version=v%2F2&p=a%3Db&ns=team-a" {
		t.Errorf("path = %q, query = %q", req.Path, req.RawQuery)
	}
	if want := `{"key":"db pass&x","user":"bob","property":"a=b"}`; req.Body != want {
		t.Errorf("body = %s, want %s (raw values)", req.Body, want)
	}
	if req.Header.Get("Authorization") != "Bearer tok-123456" || req.Header.Get("X-Key") != "DB PASS&X" {
		t.Errorf("headers = %v", req.Header)
	}
	if req.Host != "api.example.com" {
		t.Errorf("a Host header sets the request's host, got %q", req.Host)
	}
}

func TestClient_GetSecret_defaultsToGETWithoutBody(t *testing.T) {
	srv := newEndpointServer(t, false, static(200, "plain text value"))
	c := newClient(t, New(), namespacedStore(esv1.WebhookProvider{URL: srv.URL + "/{{ .remoteRef.key }}"}), newKube(), storeNS)
	got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"})
	if err != nil || string(got) != "plain text value" {
		t.Fatalf("GetSecret = %q, %v", got, err)
	}
	if req := srv.last(t); req.Method != http.MethodGet || req.Body != "" {
		t.Errorf("request = %s with body %q", req.Method, req.Body)
	}
}

func TestClient_GetSecret_jsonPath(t *testing.T) {
	const doc = `{
		"data": {"password": "p@ss<>", "port": 5432, "ratio": 1.5, "big": 12345678901234567890, "on": true, "none": null,
		         "nested": {"b": 1, "a": "x&y"}, "list": ["first", "second"], "empty": [], "dotted.key": "dk"},
		"items": [{"name": "a", "value": "va"}, {"name": "b", "value": "vb"}]
	}`
	srv := newEndpointServer(t, false, static(200, doc))
	tests := []struct {
		name, path, property string
		want                 string
		wantErr              error
		errContains          string
	}{
		{name: "a string is returned raw", path: "$.data.password", want: "p@ss<>"},
		{name: "an integer keeps its digits", path: "$.data.port", want: "5432"},
		{name: "a fraction is formatted without loss", path: "$.data.ratio", want: "1.5"},
		{name: "a large number is written out", path: "$.data.big", want: "12345678901234567000"},
		{name: "a boolean", path: "$.data.on", want: "true"},
		{name: "null is empty", path: "$.data.none", want: ""},
		{name: "an object is JSON without HTML escaping", path: "$.data.nested", want: `{"a":"x&y","b":1}`},
		{name: "an array stands for its first element", path: "$.data.list", want: "first"},
		{name: "an index picks another element", path: "$.data.list[1]", want: "second"},
		{name: "a filter selects a matching item", path: `$.items[?(@.name=="b")].value`, want: "vb"},
		{name: "a negative index counts from the end", path: "$.items[-1].name", want: "b"},
		{name: "a bracket key", path: `$['data']['port']`, want: "5432"},
		{name: "an escaped dot is part of the key", path: `$.data.dotted\.key`, want: "dk"},
		{name: "the Kubernetes template form works too", path: "{.data.password}", want: "p@ss<>"},
		{name: "the path is a template", path: "$.data.{{ .remoteRef.property }}", property: "port", want: "5432"},
		{name: "a missing field matches nothing", path: "$.data.nope", wantErr: ErrNoMatch},
		{name: "a filter without match matches nothing", path: `$.items[?(@.name=="z")].value`, wantErr: ErrNoMatch},
		{name: "an empty array matches nothing", path: "$.data.empty", wantErr: ErrNoMatch},
		{name: "an index out of range matches nothing", path: "$.data.list[5]", wantErr: ErrNoMatch},
		{name: "an invalid expression is reported", path: "$.data[", errContains: "not a valid JSONPath"},
		{name: "text around the expression is refused", path: "{.data.port}-{.data.on}", errContains: "one expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := esv1.WebhookProvider{URL: srv.URL, Result: esv1.WebhookResult{JSONPath: tt.path}}
			c := newClient(t, New(), namespacedStore(spec), newKube(), storeNS)
			got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k", Property: tt.property})
			switch {
			case tt.wantErr != nil || tt.errContains != "":
				if err == nil {
					t.Fatalf("want an error, got %q", got)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v does not wrap %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errContains) {
					t.Fatalf("error %q does not say %q", err, tt.errContains)
				}
				if errors.Is(err, providers.ErrSecretNotFound) {
					t.Fatalf("a jsonPath miss must not read as a missing secret: %v", err)
				}
			case err != nil:
				t.Fatalf("GetSecret: %v", err)
			case string(got) != tt.want:
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClient_GetSecret_nonJSONResponseWithJSONPath(t *testing.T) {
	srv := newEndpointServer(t, false, static(200, "token=hunter22-secret"))
	spec := esv1.WebhookProvider{URL: srv.URL, Result: esv1.WebhookResult{JSONPath: "$.token"}}
	c := newClient(t, New(), namespacedStore(spec), newKube(), storeNS)
	_, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"})
	if err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Fatalf("want a not-JSON error, got %v", err)
	}
	noLeak(t, err, "hunter22", "token=")
}

func TestClient_GetSecretMap(t *testing.T) {
	srv := newEndpointServer(t, false, func(r seen) reply {
		switch r.Path {
		case "/flat":
			return reply{body: `{"user":"alice","port":5432,"ratio":1.50,"on":false,"none":null,"obj":{"z":1, "a":[1,2]}}`}
		case "/nested":
			return reply{body: `{"data":{"user":"bob","n":7}}`}
		case "/stringified":
			return reply{body: `{"payload":"{\"user\":\"carol\",\"n\":8}"}`}
		case "/list":
			return reply{body: `["a","b"]`}
		}
		return reply{status: 404}
	})
	tests := []struct {
		name, key, path string
		want            map[string]string
		wantErr         error
	}{
		{name: "top-level fields, strings raw and other values as written", key: "flat",
			want: map[string]string{"user": "alice", "port": "5432", "ratio": "1.50", "on": "false", "none": "null", "obj": `{"z":1, "a":[1,2]}`}},
		{name: "the object jsonPath selects", key: "nested", path: "$.data", want: map[string]string{"user": "bob", "n": "7"}},
		{name: "a string jsonPath result is parsed as JSON", key: "stringified", path: "$.payload", want: map[string]string{"user": "carol", "n": "8"}},
		{name: "a filter's first match", key: "nested", path: `$.data`, want: map[string]string{"user": "bob", "n": "7"}},
		{name: "an array is not a map", key: "list", wantErr: secretdata.ErrNotJSONObject},
		{name: "a scalar jsonPath result is not a map", key: "nested", path: "$.data.n", wantErr: secretdata.ErrNotJSONObject},
		{name: "404 is not found", key: "missing", wantErr: providers.ErrSecretNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := esv1.WebhookProvider{URL: srv.URL + "/{{ .remoteRef.key }}", Result: esv1.WebhookResult{JSONPath: tt.path}}
			c := newClient(t, New(), namespacedStore(spec), newKube(), storeNS)
			got, err := c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: tt.key})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetSecretMap: %v", err)
			}
			if !reflect.DeepEqual(asStrings(got), tt.want) {
				t.Fatalf("got %v, want %v", asStrings(got), tt.want)
			}
		})
	}
}

func asStrings(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

// TestClient_GetSecret_status checks how a status maps to the provider sentinels, and that no
// error repeats the response body or the server's reason phrase.
func TestClient_GetSecret_status(t *testing.T) {
	const leaked = "the-secret-in-the-error-body"
	tests := []struct {
		status  int
		wantErr error
		message string
	}{
		{status: 404, wantErr: providers.ErrSecretNotFound, message: "endpoint gave error 404 Not Found"},
		{status: 304, wantErr: providers.ErrNotModified, message: "304 Not Modified"},
		{status: 401, wantErr: providers.ErrUnauthorized, message: "endpoint gave error 401 Unauthorized"},
		{status: 403, wantErr: providers.ErrUnauthorized, message: "endpoint gave error 403 Forbidden"},
		{status: 500, message: "endpoint gave error 500 Internal Server Error"},
		{status: 302, message: "endpoint gave error 302 Found"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := newEndpointServer(t, false, static(tt.status, leaked))
			obs := &calls{}
			c := newClient(t, New(WithCallObserver(obs)), namespacedStore(esv1.WebhookProvider{URL: srv.URL}), newKube(), storeNS)
			_, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"})
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error %v does not say %q", err, tt.message)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v does not wrap %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && (errors.Is(err, providers.ErrSecretNotFound) || errors.Is(err, providers.ErrUnauthorized)) {
				t.Fatalf("error %v wraps a sentinel it should not", err)
			}
			noLeak(t, err, leaked)
			want := "Webhook/HTTPRequest/success"
			if tt.status >= 400 {
				want = "Webhook/HTTPRequest/error"
			}
			if got := obs.list(); !reflect.DeepEqual(got, []string{want}) {
				t.Fatalf("observed %v, want [%s]", got, want)
			}
		})
	}
}

func TestClient_callErrorsKeepCredentialsOut(t *testing.T) {
	srv := newEndpointServer(t, false, static(200, "unused"))
	addr := srv.Listener.Addr().String()
	srv.Close() // nothing listens there any more: the call fails in the transport
	kube := newKube(secret(storeNS, "api-creds", webhookLabel, map[string]string{"token": "tok-very-secret"}))
	obs := &calls{}
	spec := esv1.WebhookProvider{
		URL:     "http://" + addr + "/path/{{ .creds.token }}?token={{ .creds.token }}",
		Secrets: []esv1.WebhookSecret{{Name: "creds", SecretRef: esmeta.SecretKeySelector{Name: "api-creds"}}},
	}
	c := newClient(t, New(WithCallObserver(obs)), namespacedStore(spec), kube, storeNS)
	_, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"})
	if err == nil || !strings.Contains(err.Error(), "GET http://"+addr) {
		t.Fatalf("want a transport error naming the host, got %v", err)
	}
	noLeak(t, err, "tok-very-secret", "/path")
	if got := obs.list(); !reflect.DeepEqual(got, []string{"Webhook/HTTPRequest/error"}) {
		t.Fatalf("observed %v", got)
	}

	// A template error names the template, not the values it saw.
	spec.Headers = map[string]string{"X-Token": "{{ .creds.token | fail }}"}
	spec.URL = srv.URL
	c = newClient(t, New(), namespacedStore(spec), kube, storeNS)
	_, err = c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"})
	if err == nil || !strings.Contains(err.Error(), "headers.X-Token") {
		t.Fatalf("want a template error naming the header, got %v", err)
	}
	noLeak(t, err, "tok-very-secret")
}

func TestClient_GetSecret_timeout(t *testing.T) {
	release := make(chan struct{})
	srv := newEndpointServer(t, false, func(seen) reply {
		<-release
		return reply{body: "late"}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	spec := esv1.WebhookProvider{URL: srv.URL, Timeout: &metav1.Duration{Duration: 50 * time.Millisecond}}
	c := newClient(t, New(), namespacedStore(spec), newKube(), storeNS)
	_, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no complete answer within 50ms") {
		t.Fatalf("want a timeout error, got %v", err)
	}
}

func TestClient_unsupported(t *testing.T) {
	srv := newEndpointServer(t, false, static(200, `{}`))
	c := newClient(t, New(), namespacedStore(esv1.WebhookProvider{URL: srv.URL}), newKube(), storeNS)
	if _, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{}); !errors.Is(err, providers.ErrNotSupported) {
		t.Errorf("GetAllSecrets: %v", err)
	}
	fetch := esv1.ExternalSecretDataRemoteRef{Key: "k", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}
	if _, err := c.GetSecret(ctx(t), fetch); !errors.Is(err, providers.ErrNotSupported) {
		t.Errorf("GetSecret with metadataPolicy Fetch: %v", err)
	}
	if _, err := c.GetSecretMap(ctx(t), fetch); !errors.Is(err, providers.ErrNotSupported) {
		t.Errorf("GetSecretMap with metadataPolicy Fetch: %v", err)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("unsupported calls reached the server %d times", n)
	}
}

func TestClient_refusesNonHTTPURLs(t *testing.T) {
	c := newClient(t, New(), namespacedStore(esv1.WebhookProvider{URL: "file:///etc/{{ .remoteRef.key }}"}), newKube(), storeNS)
	_, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "passwd"})
	if err == nil || !strings.Contains(err.Error(), `must use http or https, not "file"`) {
		t.Fatalf("got %v", err)
	}
}
