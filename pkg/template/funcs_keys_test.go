package template

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // testing the SHA1 OAEP variant
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"hash"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func jwkJSON(t *testing.T, key any) string {
	t.Helper()
	b, err := jose.JSONWebKey{Key: key}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func pkixPEM(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestJWK(t *testing.T) {
	rsaK := testRSAKey(t)
	ecK := ecKey(t)
	_, edK, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, fn, jwk, want, wantErr string
	}{
		{name: "RSA private to public", fn: "jwkPublicKeyPem", jwk: jwkJSON(t, rsaK), want: pkixPEM(t, &rsaK.PublicKey)},
		{name: "RSA public to public", fn: "jwkPublicKeyPem", jwk: jwkJSON(t, &rsaK.PublicKey), want: pkixPEM(t, &rsaK.PublicKey)},
		{name: "RSA private", fn: "jwkPrivateKeyPem", jwk: jwkJSON(t, rsaK), want: pkcs8PEM(t, rsaK)},
		{name: "EC private to public", fn: "jwkPublicKeyPem", jwk: jwkJSON(t, ecK), want: pkixPEM(t, &ecK.PublicKey)},
		{name: "EC private", fn: "jwkPrivateKeyPem", jwk: jwkJSON(t, ecK), want: pkcs8PEM(t, ecK)},
		{name: "Ed25519 private", fn: "jwkPrivateKeyPem", jwk: jwkJSON(t, edK), want: pkcs8PEM(t, edK)},
		{name: "Ed25519 public", fn: "jwkPublicKeyPem", jwk: jwkJSON(t, edK), want: pkixPEM(t, edK.Public())},
		{name: "public key has no private part", fn: "jwkPrivateKeyPem", jwk: jwkJSON(t, &ecK.PublicKey), wantErr: "jwkPrivateKeyPem: the key is a public key"},
		{name: "symmetric key has no public part", fn: "jwkPublicKeyPem", jwk: jwkJSON(t, []byte("0123456789abcdef")), wantErr: "no public part"},
		{name: "symmetric key is no private key", fn: "jwkPrivateKeyPem", jwk: jwkJSON(t, []byte("0123456789abcdef")), wantErr: "unsupported private key type"},
		{name: "not JSON", fn: "jwkPublicKeyPem", jwk: "not-a-jwk-at-all", wantErr: "not a valid JSON Web Key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := New().Execute("k", "{{ ."+"jwk | "+tc.fn+" }}", map[string]string{"jwk": tc.jwk})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), tc.jwk) {
					t.Fatal("the error quotes the key")
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestRSADecrypt(t *testing.T) {
	key := testRSAKey(t)
	encrypt := func(h hash.Hash) string {
		ct, err := rsa.EncryptOAEP(h, rand.Reader, &key.PublicKey, []byte("the plaintext"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(ct)
	}
	cases := []struct {
		name, scheme, hash, cipher, key, want, wantErr string
	}{
		{name: "OAEP SHA256, PKCS#1 key", scheme: "RSA-OAEP", hash: "SHA256", cipher: encrypt(sha256.New()), key: pkcs1PEM(key), want: "the plaintext"},
		{name: "OAEP SHA256, PKCS#8 key", scheme: "RSA-OAEP", hash: "SHA256", cipher: encrypt(sha256.New()), key: pkcs8PEM(t, key), want: "the plaintext"},
		{name: "OAEP SHA1", scheme: "RSA-OAEP", hash: "SHA1", cipher: encrypt(sha1.New()), key: pkcs1PEM(key), want: "the plaintext"}, //nolint:gosec // test
		{name: "OAEP SHA512", scheme: "RSA-OAEP", hash: "SHA512", cipher: encrypt(sha512.New()), key: pkcs1PEM(key), want: "the plaintext"},
		{name: "hash None means SHA256", scheme: "RSA-OAEP", hash: "None", cipher: encrypt(sha256.New()), key: pkcs1PEM(key), want: "the plaintext"},
		{name: "scheme None passes through", scheme: "None", hash: "SHA256", cipher: "as is", key: "", want: "as is"},
		{name: "wrong hash", scheme: "RSA-OAEP", hash: "SHA512", cipher: encrypt(sha256.New()), key: pkcs1PEM(key), wantErr: "rsaDecrypt: decryption failed"},
		{name: "unknown scheme", scheme: "PKCS1v15", hash: "SHA256", cipher: "x", key: pkcs1PEM(key), wantErr: "scheme must be None or RSA-OAEP"},
		{name: "EC key", scheme: "RSA-OAEP", hash: "SHA256", cipher: "x", key: pkcs8PEM(t, ecKey(t)), wantErr: "not an RSA key"},
		{name: "no key", scheme: "RSA-OAEP", hash: "SHA256", cipher: "x", key: "nothing", wantErr: "no PEM private key found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string]string{"scheme": tc.scheme, "hash": tc.hash, "cipher": tc.cipher, "key": tc.key}
			got, err := New().Execute("k", `{{ .key | rsaDecrypt .scheme .hash .cipher }}`, data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestMiscFuncs(t *testing.T) {
	cases := []struct {
		name, tpl, want, wantErr string
	}{
		{name: "hexdec", tpl: `{{ "68656c6c6f" | hexdec }}`, want: "hello"},
		{name: "hexdec of invalid hex", tpl: `{{ .v | hexdec }}`, wantErr: "hexdec: the value is not valid hexadecimal"},
		{name: "toYaml of a dict", tpl: `{{ dict "b" "x" "a" 1 | toYaml }}`, want: "a: 1\nb: x"},
		{name: "toYaml of a list", tpl: `{{ list "x" "y" | toYaml }}`, want: "- x\n- \"y\""},
		{name: "fromYaml", tpl: `{{ (fromYaml "a: b\nnested: {c: d}").nested.c }}`, want: "d"},
		{name: "fromYaml round trip", tpl: `{{ (dict "k" "v" | toYaml | fromYaml).k }}`, want: "v"},
		{name: "fromYaml error is in the map", tpl: `{{ hasKey (fromYaml "- a list") "Error" }}`, want: "true"},
		{name: "sprig b64enc", tpl: `{{ "k" | b64enc }}`, want: "aw=="},
		{name: "sprig b32enc", tpl: `{{ "k" | b32enc }}`, want: "NM======"},
		{name: "sprig sha256sum", tpl: `{{ "a" | sha256sum }}`, want: "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"},
		{name: "sprig toJson", tpl: `{{ dict "a" (list 1 "x") | toJson }}`, want: `{"a":[1,"x"]}`},
		{name: "sprig upper and printf", tpl: `{{ printf "%s-%d" ("x" | upper) 3 }}`, want: "X-3"},
		{name: "sprig dig", tpl: `{{ dig "a" "b" "none" (dict "a" (dict "b" "found")) }}`, want: "found"},
		{name: "builtin html", tpl: `{{ html "<a>" }}`, want: "&lt;a&gt;"},
		{name: "builtin urlquery", tpl: `{{ urlquery "a b" }}`, want: "a+b"},
		{name: "builtin js", tpl: `{{ js "'" }}`, want: `\'`},
		{name: "builtin println", tpl: `{{ println "a" }}`, want: "a\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := New().Execute("k", tc.tpl, map[string]string{"v": "zz-not-hex"})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
