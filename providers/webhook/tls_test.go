package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func serverCAPEM(srv *endpointServer) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

func TestClient_TLS(t *testing.T) {
	srv := newEndpointServer(t, true, static(200, `{"v":"over-tls"}`))
	ca := serverCAPEM(srv)
	kube := newKube(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: storeNS, Name: "endpoint-ca"}, Data: map[string]string{"ca.crt": string(ca)}},
		secret(storeNS, "endpoint-ca", nil, map[string]string{"bundle.pem": string(ca)}),
	)
	tests := []struct {
		name       string
		caBundle   []byte
		caProvider *esv1.CAProvider
		wantErr    string
	}{
		{name: "caBundle", caBundle: ca},
		{name: "caProvider ConfigMap with the default key", caProvider: &esv1.CAProvider{Type: esv1.CAProviderTypeConfigMap, Name: "endpoint-ca"}},
		{name: "caProvider Secret with a named key", caProvider: &esv1.CAProvider{Type: esv1.CAProviderTypeSecret, Name: "endpoint-ca", Key: "bundle.pem"}},
		{name: "no CA: the system roots do not know the server", wantErr: "certificate"},
		{name: "another CA is not trusted", caBundle: otherCA(t), wantErr: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := esv1.WebhookProvider{URL: srv.URL, CABundle: tt.caBundle, CAProvider: tt.caProvider, Result: esv1.WebhookResult{JSONPath: "$.v"}}
			c := newClient(t, New(), namespacedStore(spec), kube, storeNS)
			got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("want an error about %q, got %q, %v", tt.wantErr, got, err)
				}
				return
			}
			if err != nil || string(got) != "over-tls" {
				t.Fatalf("GetSecret = %q, %v", got, err)
			}
		})
	}
}

func otherCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "other test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
