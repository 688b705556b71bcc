package template

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// testPKI is a root CA, an intermediate CA and a leaf, generated once per test binary.
type testPKI struct {
	root, inter, leaf *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
	leafKey           *rsa.PrivateKey
}

var (
	pkiOnce sync.Once
	pki     testPKI
)

// rsaTestKey is one 2048-bit RSA key shared by the tests (generation is slow).
var (
	rsaOnce sync.Once
	rsaKey1 *rsa.PrivateKey
)

func testRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() {
		var err error
		rsaKey1, err = rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
	})
	return rsaKey1
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func makeCert(t *testing.T, tmpl, parent *x509.Certificate, pub any, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func certTemplate(serial int64, cn string, ca bool) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  ca,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
}

func getPKI(t *testing.T) testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		rootKey, interKey := ecKey(t), ecKey(t)
		rootT := certTemplate(1, "test root", true)
		root := makeCert(t, rootT, rootT, rootKey.Public(), rootKey)
		inter := makeCert(t, certTemplate(2, "test intermediate", true), root, interKey.Public(), rootKey)
		leafT := certTemplate(3, "leaf.example.com", false)
		leafT.DNSNames = []string{"leaf.example.com", "www.example.com"}
		leafT.IPAddresses = []net.IP{net.ParseIP("10.0.0.1")}
		leafT.EmailAddresses = []string{"ops@example.com"}
		leafT.URIs = []*url.URL{{Scheme: "spiffe", Host: "example.com", Path: "/app"}}
		leafKey := testRSAKey(t)
		leaf := makeCert(t, leafT, inter, leafKey.Public(), interKey)
		pki = testPKI{root: root, inter: inter, leaf: leaf, rootKey: rootKey, interKey: interKey, leafKey: leafKey}
	})
	return pki
}

func certPEM(certs ...*x509.Certificate) string {
	out := ""
	for _, c := range certs {
		out += string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return out
}

func pkcs8PEM(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pkcs1PEM(key *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

func ecPEM(t *testing.T, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}

// render executes tpl with a fresh engine and fails the test on error.
func render(t *testing.T, tpl string, data any) string {
	t.Helper()
	out, err := New().Execute("test", tpl, data)
	if err != nil {
		t.Fatalf("Execute(%q): %v", tpl, err)
	}
	return out
}
