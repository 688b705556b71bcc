package template

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"software.sslmate.com/src/go-pkcs12"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// TestDocsRecipes checks the recipes of docs/templating.md.
func TestDocsRecipes(t *testing.T) {
	p := getPKI(t)
	archive, err := pkcs12.Modern.Encode(p.leafKey, p.leaf, []*x509.Certificate{p.inter, p.root}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	data := map[string][]byte{
		"cert_p12": []byte(base64.StdEncoding.EncodeToString(archive)), "p12_password": []byte("pw"),
		"chain": []byte(certPEM(p.leaf, p.inter, p.root)), "key": []byte(pkcs8PEM(t, p.leafKey)),
		"ca": []byte(certPEM(p.root)), "store_password": []byte("changeit"),
		"signing_jwk": []byte(jwkJSON(t, p.rootKey)),
	}
	tpl := &esv1.ExternalSecretTemplate{
		Type: corev1.SecretTypeTLS,
		Data: map[string]string{
			"tls.crt": `{{ .cert_p12 | b64dec | pkcs12certPass .p12_password | filterCertChain "leaf" }}`,
			"ca.crt":  `{{ .cert_p12 | b64dec | pkcs12certPass .p12_password | filterCertChain "root" }}`,
			"tls.key": `{{ .cert_p12 | b64dec | pkcs12keyPass .p12_password }}`,
			"jwt.pub": `{{ .signing_jwk | jwkPublicKeyPem }}`,
		},
		TemplateFrom: []esv1.TemplateFrom{{
			Literal:                ptr("keystore.p12: {{ fullPemToPkcs12Pass .chain .key .store_password }}\ntruststore.p12: {{ pemTruststoreToPKCS12Pass .ca .store_password }}\n"),
			ValuesDecodingStrategy: esv1.ExternalSecretDecodeBase64,
		}},
	}
	s := &corev1.Secret{}
	if err := New().Apply(context.Background(), ApplyInput{Secret: s, Template: tpl, Data: data}); err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"tls.crt": certPEM(p.leaf), "ca.crt": certPEM(p.root), "tls.key": pkcs8PEM(t, p.leafKey), "jwt.pub": pkixPEM(t, &p.rootKey.PublicKey),
	}
	for k, want := range checks {
		if string(s.Data[k]) != want {
			t.Errorf("%s = %q, want %q", k, s.Data[k], want)
		}
	}
	if _, cert, ca, err := pkcs12.DecodeChain(s.Data["keystore.p12"], "changeit"); err != nil || !cert.Equal(p.leaf) || len(ca) != 2 {
		t.Errorf("keystore.p12 is not the raw archive: %v", err)
	}
	if certs, err := pkcs12.DecodeTrustStore(s.Data["truststore.p12"], "changeit"); err != nil || len(certs) != 1 {
		t.Errorf("truststore.p12 is not the raw trust store: %v", err)
	}
	key, err := New().TransformKey(`APP_{{ .value | upper | replace "-" "_" }}`, "db-host")
	if err != nil || key != "APP_DB_HOST" {
		t.Errorf("transform: %q, %v", key, err)
	}
}
