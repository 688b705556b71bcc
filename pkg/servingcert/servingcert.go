// Package servingcert creates and checks the self-signed CA and the TLS serving certificate
// of the admission webhook. The cert controller issues them into one Secret; the webhook
// reads the same files from its mounted copy and checks them before and while it serves,
// so both sides agree on what "valid" means.
package servingcert

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Keys of the certificate Secret, and file names in the webhook's certificate directory.
// They are the names Kubernetes uses for TLS Secrets (and cert-manager adds ca.crt), so a
// Secret issued by cert-manager can be mounted instead.
const (
	// CACertKey holds the PEM CA certificates clients must trust: the current CA first,
	// then earlier CAs that are still valid, so a rotation never leaves a gap.
	CACertKey = "ca.crt"
	// CAKeyKey holds the PEM private key of the current CA. Only the cert controller needs
	// it; the webhook's volume should not project it.
	CAKeyKey = "ca.key"
	// CertKey holds the PEM serving certificate.
	CertKey = "tls.crt"
	// KeyKey holds the PEM private key of the serving certificate.
	KeyKey = "tls.key"
)

// rsaBits is the key size of every key issued here (2048 is what upstream and kubeadm use).
const rsaBits = 2048

// backdate is subtracted from NotBefore so that a peer whose clock is slightly behind still
// accepts a certificate issued a moment ago.
const backdate = 5 * time.Minute

// ErrInvalid is wrapped by every error of Check: the certificates are there but do not
// serve the name or the time asked about.
var ErrInvalid = errors.New("invalid serving certificate")

// KeyPair is a PEM certificate and its PEM private key.
type KeyPair struct {
	// Cert is the PEM certificate.
	Cert []byte
	// Key is the PEM (PKCS#8) private key.
	Key []byte
}

// NewCA issues a self-signed CA certificate valid from now for validity.
func NewCA(commonName string, now time.Time, validity time.Duration) (KeyPair, error) {
	key, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return KeyPair{}, fmt.Errorf("generating the CA key: %w", err)
	}
	tmpl, err := template(commonName, now, now.Add(validity))
	if err != nil {
		return KeyPair{}, err
	}
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("signing the CA certificate: %w", err)
	}
	return encode(der, key)
}

// NewServing issues a serving certificate for names (DNS names or IP addresses) signed by
// ca. It is valid from now until now+validity, but never after the CA itself expires: a
// certificate that outlives its issuer would stop being trusted before its own rotation.
func NewServing(ca KeyPair, names []string, now time.Time, validity time.Duration) (KeyPair, error) {
	if len(names) == 0 {
		return KeyPair{}, errors.New("a serving certificate needs at least one name")
	}
	caPair, err := tls.X509KeyPair(ca.Cert, ca.Key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("loading the CA: %w", err)
	}
	caCert, err := x509.ParseCertificate(caPair.Certificate[0])
	if err != nil {
		return KeyPair{}, fmt.Errorf("parsing the CA certificate: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return KeyPair{}, fmt.Errorf("generating the serving key: %w", err)
	}
	notAfter := now.Add(validity)
	if caCert.NotAfter.Before(notAfter) {
		notAfter = caCert.NotAfter
	}
	tmpl, err := template(names[0], now, notAfter)
	if err != nil {
		return KeyPair{}, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caPair.PrivateKey)
	if err != nil {
		return KeyPair{}, fmt.Errorf("signing the serving certificate: %w", err)
	}
	return encode(der, key)
}

func template(commonName string, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generating a serial number: %w", err)
	}
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{"external-secrets"}},
		NotBefore:    notBefore.Add(-backdate),
		NotAfter:     notAfter,
	}, nil
}

func encode(der []byte, key *rsa.PrivateKey) (KeyPair, error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("encoding the private key: %w", err)
	}
	return KeyPair{
		Cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		Key:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// ParseCertificates returns every certificate of a PEM bundle, in order. Blocks of other
// types are skipped.
func ParseCertificates(bundle []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := bundle; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return certs, nil
}

// Check tells whether the serving pair (certPEM, keyPEM) is usable for name at time at:
// the key matches, and the certificate chains to one of the CAs in caPEM, carries name,
// and is valid (as are its CAs) at at. Pass a future at to ask "still valid then?".
func Check(caPEM []byte, serving KeyPair, name string, at time.Time) error {
	pair, err := tls.X509KeyPair(serving.Cert, serving.Key)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	cas, err := ParseCertificates(caPEM)
	if err != nil {
		return fmt.Errorf("%w: CA bundle: %w", ErrInvalid, err)
	}
	roots := x509.NewCertPool()
	for _, c := range cas {
		roots.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{
		Roots:       roots,
		DNSName:     name,
		CurrentTime: at,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// CheckDir is Check on the files CACertKey, CertKey and KeyKey of dir, the layout of a
// mounted certificate Secret.
func CheckDir(dir, name string, at time.Time) error {
	read := func(file string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, file)) //nolint:gosec // dir is the operator's --cert-dir
		if err != nil {
			return nil, fmt.Errorf("reading the webhook certificates: %w", err)
		}
		return b, nil
	}
	ca, err := read(CACertKey)
	if err != nil {
		return err
	}
	cert, err := read(CertKey)
	if err != nil {
		return err
	}
	key, err := read(KeyKey)
	if err != nil {
		return err
	}
	return Check(ca, KeyPair{Cert: cert, Key: key}, name, at)
}
