package secretdata

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// maxKeyLength is the longest key a Secret accepts, in bytes.
const maxKeyLength = 253

// validKeyRune says whether r may appear in a key: letters, digits, '-', '.' and '_'.
func validKeyRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '-' || r == '.' || r == '_'
}

// ConvertKeys turns remote names into valid keys (dataFrom without rewrite), because
// remote names often hold '/', ' ' or ':' that a Secret key cannot. Every rune that is not
// a letter, a digit, '-', '.' or '_' (and every byte that is not valid UTF-8) becomes "_"
// with the Default (or empty) strategy, or "_UXXXX_" (lower-case hex code point, at least
// four digits) with Unicode. Two names that convert to the same key fail with
// "secret name collision during conversion: <key>" rather than one silently hiding the
// other.
func ConvertKeys(strategy esv1.ExternalSecretConversionStrategy, in map[string][]byte) (map[string][]byte, error) {
	switch strategy {
	case esv1.ExternalSecretConversionDefault, esv1.ExternalSecretConversionUnicode, "":
	default:
		return nil, fmt.Errorf("conversion strategy %q is not supported", strategy)
	}
	out := make(map[string][]byte, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		key := convertKey(strategy, k)
		if _, exists := out[key]; exists {
			return nil, fmt.Errorf("secret name collision during conversion: %s", key)
		}
		out[key] = in[k]
	}
	return out, nil
}

// convertKey replaces the runes of key that are not valid in a Secret key.
func convertKey(strategy esv1.ExternalSecretConversionStrategy, key string) string {
	var b strings.Builder
	b.Grow(len(key))
	for _, r := range key {
		switch {
		case validKeyRune(r):
			b.WriteRune(r)
		case strategy == esv1.ExternalSecretConversionUnicode:
			fmt.Fprintf(&b, "_U%04x_", r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// ValidateKeys checks the keys a dataFrom entry produced, after rewrite or conversion, so
// that a bad key is reported against the ExternalSecret instead of being rejected by the
// apiserver on the Secret write. Empty keys are dropped without error (a rewrite may
// deliberately map keys to nothing); a key longer than 253 bytes or holding a rune other
// than a letter, a digit, '-', '.' or '_' fails, naming the key. in is not modified.
func ValidateKeys(in map[string][]byte) (map[string][]byte, error) {
	out := make(map[string][]byte, len(in))
	for _, key := range slices.Sorted(maps.Keys(in)) {
		if key == "" {
			continue
		}
		if err := validateKey(key); err != nil {
			return nil, err
		}
		out[key] = in[key]
	}
	return out, nil
}

// validateKey checks one non-empty key.
func validateKey(key string) error {
	if len(key) > maxKeyLength {
		return fmt.Errorf("key %q... is %d bytes long but at most %d are allowed: "+
			"shorten it with dataFrom rewrite", truncate(key, 64), len(key), maxKeyLength)
	}
	for _, r := range key {
		if !validKeyRune(r) {
			return fmt.Errorf("key %q has invalid character %q: only letters, digits, '-', '.' and '_' are allowed; "+
				"use dataFrom rewrite or conversionStrategy to produce valid keys", key, r)
		}
	}
	return nil
}

// truncate shortens s to at most n bytes without splitting a rune.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
