// Package password is the Password generator: random passwords with an exact number of digits
// and symbols, from a cryptographic random source.
package password

import (
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	gopassword "github.com/sethvargo/go-password/password"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
)

const (
	defaultLength = 24
	// defaultSymbols is upstream's default symbol set (30 characters).
	defaultSymbols = "~!@#$%^&*()_+`-={}|[]\\:\"<>?,./"
)

// Generator generates passwords; it keeps no state.
type Generator struct{}

var _ generators.Generator = Generator{}

// Generate returns one independent password per secretKeys entry.
func (Generator) Generate(_ context.Context, obj *apiextensionsv1.JSON, _ client.Client, _ string) (map[string][]byte, *apiextensionsv1.JSON, error) {
	spec, err := generators.Spec[genv1alpha1.PasswordSpec](obj)
	if err != nil {
		return nil, nil, err
	}
	out, err := Generate(*spec)
	return out, nil, err
}

// Cleanup has nothing to release.
func (Generator) Cleanup(context.Context, *apiextensionsv1.JSON, *apiextensionsv1.JSON, client.Client, string) error {
	return nil
}

// Generate applies the spec's defaults (length 24, 25% digits, 25% symbols) and generates.
func Generate(spec genv1alpha1.PasswordSpec) (map[string][]byte, error) {
	length := spec.Length
	if length <= 0 {
		length = defaultLength
	}
	digits, symbols := length/4, length/4
	if spec.Digits != nil {
		digits = *spec.Digits
	}
	if spec.Symbols != nil {
		symbols = *spec.Symbols
	}
	charset := defaultSymbols
	if spec.SymbolCharacters != nil {
		charset = *spec.SymbolCharacters
	}
	keys := spec.SecretKeys
	if len(keys) == 0 {
		keys = []string{genv1alpha1.PasswordDefaultSecretKey}
	}
	if err := uniqueKeys(keys); err != nil {
		return nil, err
	}
	gen, err := gopassword.NewGenerator(&gopassword.GeneratorInput{Symbols: charset})
	if err != nil {
		return nil, fmt.Errorf("password generator: %w", err)
	}
	out := make(map[string][]byte, len(keys))
	for _, k := range keys {
		pw, err := gen.Generate(length, digits, symbols, spec.NoUpper, spec.AllowRepeat)
		if err != nil {
			return nil, fmt.Errorf("generating %q: %w", k, err)
		}
		if out[k], err = encode(spec.Encoding, pw); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func uniqueKeys(keys []string) error {
	seen := map[string]bool{}
	for _, k := range keys {
		if k == "" || seen[k] {
			return fmt.Errorf("secretKeys must be non-empty and unique")
		}
		seen[k] = true
	}
	return nil
}

func encode(encoding *string, pw string) ([]byte, error) {
	e := genv1alpha1.PasswordEncodingRaw
	if encoding != nil {
		e = *encoding
	}
	switch e {
	case genv1alpha1.PasswordEncodingRaw, "":
		return []byte(pw), nil
	case genv1alpha1.PasswordEncodingBase64:
		return []byte(base64.StdEncoding.EncodeToString([]byte(pw))), nil
	case genv1alpha1.PasswordEncodingBase64URL:
		return []byte(base64.URLEncoding.EncodeToString([]byte(pw))), nil
	case genv1alpha1.PasswordEncodingBase32:
		return []byte(base32.StdEncoding.EncodeToString([]byte(pw))), nil
	case genv1alpha1.PasswordEncodingHex:
		return []byte(hex.EncodeToString([]byte(pw))), nil
	}
	return nil, fmt.Errorf("unknown encoding %q: use raw, base64, base64url, base32 or hex", e)
}
