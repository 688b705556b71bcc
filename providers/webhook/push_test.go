package webhook

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func sourceSecret() *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: storeNS, Name: "source"},
		Data:       map[string][]byte{"password": []byte("pushed-value-1"), "user": []byte("bob<admin>")},
	}
}

func TestClient_PushSecret(t *testing.T) {
	srv := newEndpointServer(t, false, static(204, ""))
	kube := newKube(secret(storeNS, "api-creds", webhookLabel, map[string]string{"token": "tok-123456"}))
	creds := []esv1.WebhookSecret{{Name: "creds", SecretRef: esmeta.SecretKeySelector{Name: "api-creds"}}}
	tests := []struct {
		name                         string
		method, body                 string
		data                         providers.PushData
		wantMethod, wantBody, wantQS string
	}{
		{name: "by default the value is POSTed as the body",
			data:       providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "db-password"}, SecretKey: "password"},
			wantMethod: http.MethodPost, wantBody: "pushed-value-1", wantQS: "key=db-password&rk=db-password"},
		{name: "a body template sees the value under the remote key's name",
			method: http.MethodPut, body: `{"name":"{{ .remoteRef.remoteKey }}","value":"{{ .remoteRef.db }}","from":"{{ .remoteRef.secretKey }}","p":"{{ .remoteRef.property }}"}`,
			data:       providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "db", Property: "pw"}, SecretKey: "password"},
			wantMethod: http.MethodPut, wantBody: `{"name":"db","value":"pushed-value-1","from":"password","p":"pw"}`, wantQS: "key=db&rk=db"},
		{name: "without a secretKey the whole Secret is pushed as JSON",
			data:       providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "all"}},
			wantMethod: http.MethodPost, wantBody: `{"password":"pushed-value-1","user":"bob<admin>"}`, wantQS: "key=all&rk=all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := esv1.WebhookProvider{
				URL:     srv.URL + "/push?key={{ .remoteRef.key }}&rk={{ .remoteRef.remoteKey }}",
				Method:  tt.method,
				Body:    tt.body,
				Headers: map[string]string{"Authorization": "Bearer {{ .creds.token }}"},
				Secrets: creds,
			}
			c := newClient(t, New(), namespacedStore(spec), kube, storeNS)
			if err := c.PushSecret(ctx(t), sourceSecret(), tt.data); err != nil {
				t.Fatalf("PushSecret: %v", err)
			}
			req := srv.last(t)
			if req.Method != tt.wantMethod || req.Body != tt.wantBody || req.RawQuery != tt.wantQS {
				t.Fatalf("got %s ?%s %q, want %s ?%s %q", req.Method, req.RawQuery, req.Body, tt.wantMethod, tt.wantQS, tt.wantBody)
			}
			if req.Header.Get("Authorization") != "Bearer tok-123456" {
				t.Fatalf("headers = %v", req.Header)
			}
		})
	}
}

func TestClient_PushSecret_errors(t *testing.T) {
	srv := newEndpointServer(t, false, static(500, "echo pushed-value-1"))
	c := newClient(t, New(), namespacedStore(esv1.WebhookProvider{URL: srv.URL + "?v={{ .remoteRef.db }}"}), newKube(), storeNS)
	data := providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "db"}, SecretKey: "password"}
	err := c.PushSecret(ctx(t), sourceSecret(), data)
	if err == nil || !strings.Contains(err.Error(), `pushing "db": endpoint gave error 500 Internal Server Error`) {
		t.Fatalf("got %v", err)
	}
	noLeak(t, err, "pushed-value-1")
	if q := srv.last(t).RawQuery; q != "v=pushed-value-1" {
		t.Fatalf("in the url the value is query-escaped, got %q", q)
	}

	if err := c.PushSecret(ctx(t), sourceSecret(), providers.PushData{SecretKey: "password"}); err == nil || !strings.Contains(err.Error(), "needs a remoteKey") {
		t.Fatalf("an empty remote key: %v", err)
	}
	err = c.PushSecret(ctx(t), sourceSecret(), providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "db"}, SecretKey: "nope"})
	if err == nil || !strings.Contains(err.Error(), `key "nope" not found in Secret team-a/source`) {
		t.Fatalf("a missing source key: %v", err)
	}
}

func TestClient_DeleteSecret(t *testing.T) {
	srv := newEndpointServer(t, false, func(r seen) reply {
		switch r.Path {
		case "/s/present":
			return reply{status: 200}
		case "/s/gone":
			return reply{status: 404}
		}
		return reply{status: 500, body: "boom"}
	})
	c := newClient(t, New(), namespacedStore(esv1.WebhookProvider{URL: srv.URL + "/s/{{ .remoteRef.remoteKey }}", Body: "never sent"}), newKube(), storeNS)
	for key, wantErr := range map[string]bool{"present": false, "gone": false, "broken": true} {
		err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: key})
		if (err != nil) != wantErr {
			t.Fatalf("DeleteSecret(%s): %v", key, err)
		}
		req := srv.last(t)
		if req.Method != http.MethodDelete || req.Body != "" {
			t.Fatalf("DeleteSecret(%s) sent %s with body %q", key, req.Method, req.Body)
		}
	}
}

func TestClient_SecretExists(t *testing.T) {
	srv := newEndpointServer(t, false, func(r seen) reply {
		switch r.Path {
		case "/s/present":
			return reply{body: "{}"}
		case "/s/gone":
			return reply{status: 404}
		}
		return reply{status: 503}
	})
	c := newClient(t, New(), namespacedStore(esv1.WebhookProvider{URL: srv.URL + "/s/{{ .remoteRef.key }}"}), newKube(), storeNS)
	tests := []struct {
		key     string
		want    bool
		wantErr bool
	}{{key: "present", want: true}, {key: "gone"}, {key: "broken", wantErr: true}}
	for _, tt := range tests {
		got, err := c.SecretExists(ctx(t), providers.RemoteRef{RemoteKey: tt.key})
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Fatalf("SecretExists(%s) = %v, %v", tt.key, got, err)
		}
		if tt.wantErr && errors.Is(err, providers.ErrSecretNotFound) {
			t.Fatalf("a 503 is not a missing secret: %v", err)
		}
	}
}
