package template

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
)

// PEM block types the functions read and write.
const (
	pemCertificate = "CERTIFICATE"
	pemPrivateKey  = "PRIVATE KEY"
	pemPublicKey   = "PUBLIC KEY"
)

// Certificate kinds of filterCertChain.
const (
	certLeaf         = "leaf"
	certIntermediate = "intermediate"
	certRoot         = "root"
)

// filterPEM keeps the PEM blocks of input whose type is pemType (case-insensitive), e.g.
// {{ .bundle | filterPEM "CERTIFICATE" }}. Text around the blocks is dropped; input with
// no block at all but some text is an error.
func filterPEM(pemType, input string) (string, error) {
	var out bytes.Buffer
	found := false
	rest := []byte(input)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		found = true
		if strings.EqualFold(block.Type, pemType) {
			_ = pem.Encode(&out, block) // a bytes.Buffer does not fail
		}
	}
	if !found && strings.TrimSpace(input) != "" {
		return "", safeErrorf("error filtering pem: found junk")
	}
	return out.String(), nil
}

// parseCerts reads every CERTIFICATE block of input, in order.
func parseCerts(fn, input string) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := []byte(input)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != pemCertificate {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, safeErrorf("%s: invalid certificate: %v", fn, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, safeErrorf("%s: no PEM certificate found", fn)
	}
	return certs, nil
}

// encodeCerts writes certificates as concatenated PEM blocks.
func encodeCerts(certs []*x509.Certificate) string {
	var out bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&out, &pem.Block{Type: pemCertificate, Bytes: c.Raw})
	}
	return out.String()
}

// issued reports whether parent issued child, by key identifiers when both are present and
// by distinguished names otherwise.
func issued(parent, child *x509.Certificate) bool {
	if len(child.AuthorityKeyId) > 0 && len(parent.SubjectKeyId) > 0 {
		return bytes.Equal(child.AuthorityKeyId, parent.SubjectKeyId)
	}
	return bytes.Equal(child.RawIssuer, parent.RawSubject)
}

// orderChain returns certs ordered leaf, intermediates, root when they form exactly one
// chain, and as given otherwise (several leaves, a gap, unrelated certificates).
func orderChain(certs []*x509.Certificate) []*x509.Certificate {
	if len(certs) < 2 {
		return certs
	}
	leaf := -1
	for i, c := range certs {
		if issuesAnother(i, c, certs) {
			continue
		}
		if leaf >= 0 {
			return certs // two certificates issued nothing: two chains
		}
		leaf = i
	}
	if leaf < 0 {
		return certs
	}
	chain := []*x509.Certificate{certs[leaf]}
	used := map[int]bool{leaf: true}
	for len(chain) < len(certs) {
		next := -1
		for j, c := range certs {
			if !used[j] && issued(c, chain[len(chain)-1]) {
				next = j
				break
			}
		}
		if next < 0 {
			return certs
		}
		used[next] = true
		chain = append(chain, certs[next])
	}
	return chain
}

// issuesAnother reports whether certs[i] issued any other certificate of certs.
func issuesAnother(i int, c *x509.Certificate, certs []*x509.Certificate) bool {
	for j, o := range certs {
		if i != j && issued(c, o) {
			return true
		}
	}
	return false
}

// certKind classifies a certificate of a set: a root is a self-signed CA, an intermediate a
// CA signed by another, a leaf is no CA. A certificate that issued another one of the set
// counts as a CA even without the basic constraint (old v1 roots).
func certKind(i int, c *x509.Certificate, certs []*x509.Certificate) string {
	if !c.IsCA && !issuesAnother(i, c, certs) {
		return certLeaf
	}
	if bytes.Equal(c.RawIssuer, c.RawSubject) && (len(c.AuthorityKeyId) == 0 || bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId)) {
		return certRoot
	}
	return certIntermediate
}

// filterCertChain returns the leaf, intermediate or root certificate(s) of a PEM chain, in
// chain order, e.g. {{ .chain | filterCertChain "root" }}; empty when there is none.
func filterCertChain(certType, input string) (string, error) {
	kind := strings.ToLower(certType)
	if kind != certLeaf && kind != certIntermediate && kind != certRoot {
		return "", safeErrorf("filterCertChain: certificate type must be leaf, intermediate or root")
	}
	certs, err := parseCerts("filterCertChain", input)
	if err != nil {
		return "", err
	}
	certs = orderChain(certs)
	var keep []*x509.Certificate
	for i, c := range certs {
		if certKind(i, c, certs) == kind {
			keep = append(keep, c)
		}
	}
	return encodeCerts(keep), nil
}

// certSANs lists the subject alternative names of the first certificate of input: DNS
// names, IP addresses, email addresses, then URIs.
func certSANs(input string) ([]string, error) {
	certs, err := parseCerts("certSANs", input)
	if err != nil {
		return nil, err
	}
	c := certs[0]
	sans := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		sans = append(sans, ip.String())
	}
	sans = append(sans, c.EmailAddresses...)
	for _, u := range c.URIs {
		sans = append(sans, u.String())
	}
	return sans, nil
}

// parsePrivateKey reads the first private key block of input: PKCS#1 ("RSA PRIVATE
// KEY"), SEC 1 ("EC PRIVATE KEY") or PKCS#8 ("PRIVATE KEY").
func parsePrivateKey(fn, input string) (any, error) {
	rest := []byte(input)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, safeErrorf("%s: no PEM private key found", fn)
		}
		if !strings.HasSuffix(block.Type, pemPrivateKey) {
			continue
		}
		if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
			return k, nil
		}
		if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			return k, nil
		}
		if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
			return k, nil
		}
		return nil, safeErrorf("%s: the private key is neither PKCS#1, PKCS#8 nor SEC 1", fn)
	}
}

// encodePKCS8 writes a private key as a PKCS#8 "PRIVATE KEY" PEM block.
func encodePKCS8(fn string, key any) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", safeErrorf("%s: unsupported private key type %T", fn, key)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der})), nil
}

// rsaKey returns the RSA key of a parsed private key.
func rsaKey(fn string, key any) (*rsa.PrivateKey, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return nil, safeErrorf("%s: the private key is an EC key, not an RSA key", fn)
	default:
		return nil, safeErrorf("%s: the private key is a %T, not an RSA key", fn, key)
	}
}
