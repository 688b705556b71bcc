package template

import (
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SHA-1 is one of the OAEP hashes users' keys were encrypted with
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"hash"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"sigs.k8s.io/yaml"
)

// jwkPublicKeyPem converts a JSON Web Key (RSA, EC or OKP; public or private) to its public
// key as PKIX "PUBLIC KEY" PEM.
func jwkPublicKeyPem(jwkJSON string) (string, error) {
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON([]byte(jwkJSON)); err != nil {
		return "", safeErrorf("jwkPublicKeyPem: the value is not a valid JSON Web Key")
	}
	pub := k.Public()
	if pub.Key == nil {
		return "", safeErrorf("jwkPublicKeyPem: the key has no public part (symmetric key)")
	}
	der, err := x509.MarshalPKIXPublicKey(pub.Key)
	if err != nil {
		return "", safeErrorf("jwkPublicKeyPem: unsupported public key type %T", pub.Key)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: pemPublicKey, Bytes: der})), nil
}

// jwkPrivateKeyPem converts a private JSON Web Key (RSA, EC or OKP) to PKCS#8 "PRIVATE KEY"
// PEM.
func jwkPrivateKeyPem(jwkJSON string) (string, error) {
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON([]byte(jwkJSON)); err != nil {
		return "", safeErrorf("jwkPrivateKeyPem: the value is not a valid JSON Web Key")
	}
	if k.IsPublic() {
		return "", safeErrorf("jwkPrivateKeyPem: the key is a public key")
	}
	return encodePKCS8("jwkPrivateKeyPem", k.Key)
}

// RSA decryption schemes of rsaDecrypt.
const (
	rsaSchemeNone = "None"
	rsaSchemeOAEP = "RSA-OAEP"
)

// rsaDecrypt decrypts binary ciphertext with an RSA private key (PKCS#1 or PKCS#8 PEM):
// {{ .key | rsaDecrypt "RSA-OAEP" "SHA256" .cipher }}. Scheme None returns the ciphertext
// unchanged; hash is SHA1, SHA256 or SHA512 (anything else means SHA256).
func rsaDecrypt(scheme, hashName, ciphertext, keyPEM string) (string, error) {
	switch scheme {
	case rsaSchemeNone:
		return ciphertext, nil
	case rsaSchemeOAEP:
	default:
		return "", safeErrorf("rsaDecrypt: scheme must be None or RSA-OAEP")
	}
	key, err := parsePrivateKey("rsaDecrypt", keyPEM)
	if err != nil {
		return "", err
	}
	priv, err := rsaKey("rsaDecrypt", key)
	if err != nil {
		return "", err
	}
	plain, err := rsa.DecryptOAEP(oaepHash(hashName), nil, priv, []byte(ciphertext), nil)
	if err != nil {
		return "", safeErrorf("rsaDecrypt: decryption failed (wrong key, hash or ciphertext; the ciphertext must be binary, not base64)")
	}
	return string(plain), nil
}

func oaepHash(name string) hash.Hash {
	switch name {
	case "SHA1":
		return sha1.New() //nolint:gosec // see import
	case "SHA512":
		return sha512.New()
	default:
		return sha256.New()
	}
}

// hexdec decodes hexadecimal text, the counterpart of sprig's b64dec for hex (which sprig
// lacks).
func hexdec(s string) (string, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return "", safeErrorf("hexdec: the value is not valid hexadecimal")
	}
	return string(b), nil
}

// toYaml renders v as YAML without the trailing newline; it returns "" when v cannot be
// rendered, like sprig's toJson.
func toYaml(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

// fromYaml parses a YAML mapping. Like sprig's fromJson it does not fail: on error the map
// holds the message under "Error", for templates that check it.
func fromYaml(s string) map[string]any {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}
