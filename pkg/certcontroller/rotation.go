package certcontroller

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"time"

	"github.com/seedb5e69c69/external-secrets/pkg/servingcert"
)

// The decisions of one reconcile, as pure functions of the Secret's data and the clock so
// each is tested with one table.

// currentCA returns the CA the Secret's ca.key belongs to (the first certificate of ca.crt)
// if it can still sign: parseable, a CA, matching its key, and valid at now+lookahead.
// Otherwise ok is false and a new CA is due.
func currentCA(data map[string][]byte, now time.Time, lookahead time.Duration) (servingcert.KeyPair, *x509.Certificate, bool) {
	certs, err := servingcert.ParseCertificates(data[servingcert.CACertKey])
	if err != nil {
		return servingcert.KeyPair{}, nil, false
	}
	ca := certs[0]
	pair := servingcert.KeyPair{Cert: encodeCert(ca), Key: data[servingcert.CAKeyKey]}
	if _, err := tls.X509KeyPair(pair.Cert, pair.Key); err != nil {
		return servingcert.KeyPair{}, nil, false
	}
	if !ca.IsCA || !validAt(ca, now) || !validAt(ca, now.Add(lookahead)) {
		return servingcert.KeyPair{}, nil, false
	}
	return pair, ca, true
}

// servingDue tells whether the serving certificate must be issued again: it is missing or
// broken, not signed by the current CA, lacks one of names, or expires within lookahead.
func servingDue(data map[string][]byte, ca servingcert.KeyPair, names []string, now time.Time, lookahead time.Duration) bool {
	serving := servingcert.KeyPair{Cert: data[servingcert.CertKey], Key: data[servingcert.KeyKey]}
	for _, n := range names {
		if servingcert.Check(ca.Cert, serving, n, now) != nil || servingcert.Check(ca.Cert, serving, n, now.Add(lookahead)) != nil {
			return true
		}
	}
	return false
}

// caBundle is what clients must trust after newCA replaces the CAs of old: newCA first, then
// every old CA still valid at now. Keeping the previous CA lets the webhook go on serving
// its previous certificate until the new one reaches it.
func caBundle(newCA []byte, old []byte, now time.Time) []byte {
	out := bytes.Clone(newCA)
	certs, err := servingcert.ParseCertificates(old)
	if err != nil {
		return out
	}
	for _, c := range certs {
		if validAt(c, now) && !bytes.Contains(out, encodeCert(c)) {
			out = append(out, encodeCert(c)...)
		}
	}
	return out
}

// pruneBundle drops the CAs of bundle that expired, keeping the current (first) one. It
// returns bundle unchanged when nothing expired.
func pruneBundle(bundle []byte, now time.Time) []byte {
	certs, err := servingcert.ParseCertificates(bundle)
	if err != nil || len(certs) < 2 {
		return bundle
	}
	out := encodeCert(certs[0])
	for _, c := range certs[1:] {
		if validAt(c, now) {
			out = append(out, encodeCert(c)...)
		}
	}
	if len(out) == len(bundle) {
		return bundle
	}
	return out
}

// nextCheck is when the Secret must be looked at again: when the CA or the serving
// certificate enters the lookahead window, or after every at the latest.
func nextCheck(data map[string][]byte, now time.Time, lookahead, every time.Duration) time.Duration {
	next := every
	for _, key := range []string{servingcert.CACertKey, servingcert.CertKey} {
		certs, err := servingcert.ParseCertificates(data[key])
		if err != nil {
			continue
		}
		if d := certs[0].NotAfter.Add(-lookahead).Sub(now); d < next {
			next = d
		}
	}
	// A tiny or negative delay means "right after this write lands"; wait a little so that
	// the cache has caught up with it.
	const floor = 100 * time.Millisecond
	if next < floor {
		next = floor
	}
	return next
}

func validAt(c *x509.Certificate, t time.Time) bool {
	return !t.Before(c.NotBefore) && !t.After(c.NotAfter)
}

func encodeCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
