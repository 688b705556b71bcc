package secretdata

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// ErrNullByte is returned when a value holds a NUL byte and the nullBytePolicy is Fail, so
// that callers can tell it from a provider error with errors.Is.
var ErrNullByte = errors.New("value contains a NUL byte and nullBytePolicy is Fail")

// Decode applies a decodingStrategy to a fetched value, because stores often hold binary
// secrets (keystores, keys) base64-encoded. None (or empty) returns the value unchanged;
// Base64 decodes standard padded base64 and Base64URL the URL alphabet with padding; Auto
// tries Base64, then Base64URL, and keeps the raw value when neither applies. An unknown
// strategy fails. Errors give at most a byte offset, never the value.
func Decode(strategy esv1.ExternalSecretDecodingStrategy, value []byte) ([]byte, error) {
	switch strategy {
	case esv1.ExternalSecretDecodeNone, "":
		return value, nil
	case esv1.ExternalSecretDecodeBase64:
		return decodeBase64(base64.StdEncoding, strategy, value)
	case esv1.ExternalSecretDecodeBase64URL:
		return decodeBase64(base64.URLEncoding, strategy, value)
	case esv1.ExternalSecretDecodeAuto:
		if out, err := decodeBase64(base64.StdEncoding, strategy, value); err == nil {
			return out, nil
		}
		if out, err := decodeBase64(base64.URLEncoding, strategy, value); err == nil {
			return out, nil
		}
		return value, nil
	default:
		return nil, fmt.Errorf("decoding strategy %q is not supported", strategy)
	}
}

// decodeBase64 decodes value with enc; base64.CorruptInputError only carries an offset.
func decodeBase64(enc *base64.Encoding, strategy esv1.ExternalSecretDecodingStrategy, value []byte) ([]byte, error) {
	out := make([]byte, enc.DecodedLen(len(value)))
	n, err := enc.Decode(out, value)
	if err != nil {
		return nil, fmt.Errorf("decoding strategy %s: %w", strategy, err)
	}
	return out[:n], nil
}

// DecodeMap decodes every value of in with Decode. An error names the key whose value
// could not be decoded. in is not modified.
func DecodeMap(strategy esv1.ExternalSecretDecodingStrategy, in map[string][]byte) (map[string][]byte, error) {
	out := make(map[string][]byte, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		v, err := Decode(strategy, in[k])
		if err != nil {
			return nil, fmt.Errorf("failure decoding key %q: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}

// CheckNullBytes enforces a nullBytePolicy on the value stored under key: with Fail a NUL
// byte is an error (wrapping ErrNullByte and naming the key), because some consumers of a
// Secret read values as C strings and would silently truncate them. Empty or Ignore accept
// anything; an unknown policy fails.
func CheckNullBytes(policy esv1.ExternalSecretNullBytePolicy, key string, value []byte) error {
	switch policy {
	case esv1.ExternalSecretNullBytePolicyIgnore, "":
		return nil
	case esv1.ExternalSecretNullBytePolicyFail:
		if bytes.IndexByte(value, 0) >= 0 {
			return fmt.Errorf("key %q: %w", key, ErrNullByte)
		}
		return nil
	default:
		return fmt.Errorf("null byte policy %q is not supported", policy)
	}
}
