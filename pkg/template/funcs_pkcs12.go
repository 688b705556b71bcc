package template

import (
	"crypto/x509"
	"encoding/base64"

	"software.sslmate.com/src/go-pkcs12"
)

// The PKCS#12 functions read archives as raw bytes (decode base64 first, with b64dec or a
// decodingStrategy) and write them base64-encoded, because a template's output is text.
// Archives are written with the Modern encoder (AES-256 and PBKDF2-SHA256), which current
// Java, OpenSSL 3 and .NET read.

// pkcs12key returns the private key of a PKCS#12 archive without password, as PKCS#8 PEM.
func pkcs12key(input string) (string, error) {
	return pkcs12KeyOf("pkcs12key", "", input)
}

// pkcs12keyPass is pkcs12key for an archive protected by pass: {{ .p12 | pkcs12keyPass "pw" }}.
func pkcs12keyPass(pass, input string) (string, error) {
	return pkcs12KeyOf("pkcs12keyPass", pass, input)
}

func pkcs12KeyOf(fn, pass, input string) (string, error) {
	key, _, _, err := pkcs12.DecodeChain([]byte(input), pass)
	if err != nil {
		return "", safeErrorf("%s: unable to decode the PKCS#12 archive: %v", fn, err)
	}
	return encodePKCS8(fn, key)
}

// pkcs12cert returns the certificates of a PKCS#12 archive without password as PEM: the
// certificate and its CA chain, ordered leaf to root when they form one chain. A trust store
// (certificates only) is read too.
func pkcs12cert(input string) (string, error) {
	return pkcs12CertsOf("pkcs12cert", "", input)
}

// pkcs12certPass is pkcs12cert for an archive protected by pass.
func pkcs12certPass(pass, input string) (string, error) {
	return pkcs12CertsOf("pkcs12certPass", pass, input)
}

func pkcs12CertsOf(fn, pass, input string) (string, error) {
	_, cert, ca, err := pkcs12.DecodeChain([]byte(input), pass)
	if err != nil {
		certs, tsErr := pkcs12.DecodeTrustStore([]byte(input), pass)
		if tsErr != nil || len(certs) == 0 {
			return "", safeErrorf("%s: unable to decode the PKCS#12 archive: %v", fn, err)
		}
		return encodeCerts(orderChain(certs)), nil
	}
	return encodeCerts(orderChain(append([]*x509.Certificate{cert}, ca...))), nil
}

// pemToPkcs12 builds a PKCS#12 archive without password from the first certificate of
// certPEM and the private key of keyPEM, and returns it base64-encoded.
func pemToPkcs12(certPEM, keyPEM string) (string, error) {
	return encodePKCS12("pemToPkcs12", certPEM, keyPEM, "", false)
}

// pemToPkcs12Pass is pemToPkcs12 with the archive protected by pass.
func pemToPkcs12Pass(certPEM, keyPEM, pass string) (string, error) {
	return encodePKCS12("pemToPkcs12Pass", certPEM, keyPEM, pass, false)
}

// fullPemToPkcs12 is pemToPkcs12 keeping the whole chain: the first certificate of certPEM
// is the leaf, the others go into the archive as its CA chain.
func fullPemToPkcs12(certPEM, keyPEM string) (string, error) {
	return encodePKCS12("fullPemToPkcs12", certPEM, keyPEM, "", true)
}

// fullPemToPkcs12Pass is fullPemToPkcs12 with the archive protected by pass.
func fullPemToPkcs12Pass(certPEM, keyPEM, pass string) (string, error) {
	return encodePKCS12("fullPemToPkcs12Pass", certPEM, keyPEM, pass, true)
}

func encodePKCS12(fn, certPEM, keyPEM, pass string, chain bool) (string, error) {
	certs, err := parseCerts(fn, certPEM)
	if err != nil {
		return "", err
	}
	key, err := parsePrivateKey(fn, keyPEM)
	if err != nil {
		return "", err
	}
	var ca []*x509.Certificate
	if chain {
		ca = certs[1:]
	}
	pfx, err := pkcs12.Modern.Encode(key, certs[0], ca, pass)
	if err != nil {
		return "", safeErrorf("%s: unable to encode the PKCS#12 archive: %v", fn, err)
	}
	return base64.StdEncoding.EncodeToString(pfx), nil
}

// pemTruststoreToPKCS12 builds a PKCS#12 trust store without password from every
// certificate of certsPEM (for Java clients that take a truststore.p12), base64-encoded.
func pemTruststoreToPKCS12(certsPEM string) (string, error) {
	return encodeTrustStore("pemTruststoreToPKCS12", certsPEM, "")
}

// pemTruststoreToPKCS12Pass is pemTruststoreToPKCS12 with the trust store protected by pass.
func pemTruststoreToPKCS12Pass(certsPEM, pass string) (string, error) {
	return encodeTrustStore("pemTruststoreToPKCS12Pass", certsPEM, pass)
}

func encodeTrustStore(fn, certsPEM, pass string) (string, error) {
	certs, err := parseCerts(fn, certsPEM)
	if err != nil {
		return "", err
	}
	pfx, err := pkcs12.Modern.EncodeTrustStore(certs, pass)
	if err != nil {
		return "", safeErrorf("%s: unable to encode the PKCS#12 trust store: %v", fn, err)
	}
	return base64.StdEncoding.EncodeToString(pfx), nil
}
