package webhook

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// TestProvider_NewClient_secretsNeedTheWebhookLabel: a store's templates can send what they
// see anywhere, so only Secrets labelled for the webhook are readable.
func TestProvider_NewClient_secretsNeedTheWebhookLabel(t *testing.T) {
	srv := newEndpointServer(t, false, static(200, "ok"))
	tests := []struct {
		name    string
		labels  map[string]string
		wantErr bool
	}{
		{name: "labelled for the webhook", labels: webhookLabel},
		{name: "no label", wantErr: true},
		{name: "another type", labels: map[string]string{esv1.LabelWebhookSecretType: "other"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kube := newKube(secret(storeNS, "creds", tt.labels, map[string]string{"token": "tok-abcdef"}))
			spec := esv1.WebhookProvider{
				URL:     srv.URL + "?t={{ .auth.token }}",
				Secrets: []esv1.WebhookSecret{{Name: "auth", SecretRef: esmeta.SecretKeySelector{Name: "creds"}}},
			}
			before := srv.count()
			c, err := New().NewClient(ctx(t), namespacedStore(spec), kube, storeNS)
			if tt.wantErr {
				if !errors.Is(err, ErrSecretNotLabelled) || !strings.Contains(err.Error(), "secrets[auth]: secret team-a/creds") {
					t.Fatalf("want the label error naming the Secret, got %v", err)
				}
				noLeak(t, err, "tok-abcdef")
				if srv.count() != before {
					t.Fatal("the endpoint was called with an unlabelled Secret")
				}
				return
			}
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"}); err != nil {
				t.Fatalf("GetSecret: %v", err)
			}
			if q := srv.last(t).RawQuery; q != "t=tok-abcdef" {
				t.Fatalf("query = %q", q)
			}
		})
	}
}

func TestProvider_NewClient_missingSecret(t *testing.T) {
	spec := esv1.WebhookProvider{URL: "http://127.0.0.1", Secrets: []esv1.WebhookSecret{{Name: "auth", SecretRef: esmeta.SecretKeySelector{Name: "nope"}}}}
	_, err := New().NewClient(ctx(t), namespacedStore(spec), newKube(), storeNS)
	if err == nil || !strings.Contains(err.Error(), "secret team-a/nope not found") {
		t.Fatalf("got %v", err)
	}
}

// TestProvider_NewClient_namespaceRules follows the referent rules of package credentials:
// a namespaced store reads its own namespace whatever the reference says; a
// ClusterSecretStore reads the namespace the reference names, else the ExternalSecret's.
func TestProvider_NewClient_namespaceRules(t *testing.T) {
	srv := newEndpointServer(t, false, func(r seen) reply { return reply{body: r.RawQuery} })
	kube := newKube(
		secret(storeNS, "creds", webhookLabel, map[string]string{"who": "store-ns"}),
		secret("team-b", "creds", webhookLabel, map[string]string{"who": "team-b"}),
		secret("es-ns", "creds", webhookLabel, map[string]string{"who": "es-ns"}),
	)
	withRef := func(ns *string) esv1.WebhookProvider {
		return esv1.WebhookProvider{
			URL:     srv.URL + "?who={{ .auth.who }}",
			Secrets: []esv1.WebhookSecret{{Name: "auth", SecretRef: esmeta.SecretKeySelector{Name: "creds", Namespace: ns}}},
		}
	}
	tests := []struct {
		name      string
		store     esv1.GenericStore
		namespace string
		want      string
	}{
		{name: "a SecretStore reads its own namespace", store: namespacedStore(withRef(nil)), namespace: "es-ns", want: "who=store-ns"},
		{name: "a SecretStore ignores the reference's namespace", store: namespacedStore(withRef(ptr.To("team-b"))), namespace: "es-ns", want: "who=store-ns"},
		{name: "a ClusterSecretStore reads the named namespace", store: clusterStore(withRef(ptr.To("team-b"))), namespace: "es-ns", want: "who=team-b"},
		{name: "a ClusterSecretStore reads the ExternalSecret's namespace otherwise", store: clusterStore(withRef(nil)), namespace: "es-ns", want: "who=es-ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, New(), tt.store, kube, tt.namespace)
			got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"})
			if err != nil || string(got) != tt.want {
				t.Fatalf("GetSecret = %q, %v; want %q", got, err, tt.want)
			}
		})
	}

	t.Run("a ClusterSecretStore without a namespace to resolve in is undecided, not broken", func(t *testing.T) {
		c := newClient(t, New(), clusterStore(withRef(nil)), kube, "")
		if res, err := c.Validate(ctx(t)); res != esv1.ValidationResultUnknown || err != nil {
			t.Fatalf("Validate = %v, %v", res, err)
		}
		if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"}); !errors.Is(err, credentials.ErrReferentNamespace) {
			t.Fatalf("GetSecret: %v", err)
		}
	})
}
