package secretdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/seedb5e69c69/external-secrets/providers"
)

// ErrNotJSONObject is returned by JSONToMap when the value is not a JSON object, so that a
// provider can tell a malformed secret from a failed call with errors.Is.
var ErrNotJSONObject = errors.New("the secret value is not a JSON object")

// propertyNotFoundError says that a property does not exist in a value. It wraps
// providers.ErrSecretNotFound so that the ExternalSecret's deletionPolicy decides what a
// missing property means, exactly as for a missing secret.
type propertyNotFoundError struct {
	property string
	reason   string
}

func (e *propertyNotFoundError) Error() string {
	return fmt.Sprintf("property %q not found: %s", e.property, e.reason)
}

func (e *propertyNotFoundError) Unwrap() error { return providers.ErrSecretNotFound }

// GetProperty extracts property from a JSON value, following the convention every provider
// shares for remoteRef.property (so that the same ExternalSecret works against any store).
// The property is a gjson path; when it contains dots it is first tried as one literal key
// ("db.password" as a single field) and only then as a nested path. A string result is
// returned unquoted, any other JSON value as its JSON text. An empty property returns the
// value unchanged. When the property is missing or the value is not JSON, the error wraps
// providers.ErrSecretNotFound; it names the property, never the value.
func GetProperty(value []byte, property string) ([]byte, error) {
	if property == "" {
		return value, nil
	}
	if !gjson.ValidBytes(value) {
		return nil, &propertyNotFoundError{property: property, reason: "the secret value is not JSON"}
	}
	res := lookupProperty(value, property)
	if !res.Exists() {
		return nil, &propertyNotFoundError{property: property, reason: "no such field in the secret value"}
	}
	if res.Type == gjson.String {
		return []byte(res.Str), nil
	}
	if res.Raw == "" {
		return []byte(res.String()), nil
	}
	return []byte(res.Raw), nil
}

// lookupProperty prefers the literal dotted key over the nested path, because a field
// named "a.b" can only be reached by escaping while the nested path stays reachable.
func lookupProperty(value []byte, property string) gjson.Result {
	if strings.Contains(property, ".") {
		literal := strings.ReplaceAll(property, ".", `\.`)
		if res := gjson.GetBytes(value, literal); res.Exists() {
			return res
		}
	}
	return gjson.GetBytes(value, property)
}

// JSONToMap turns a JSON object into one entry per top-level field: the GetSecretMap
// convention of every provider (dataFrom.extract). String fields are stored unquoted; every
// other field keeps its JSON text as written (numbers keep their digits, objects and arrays
// stay JSON, booleans are "true"/"false", null is "null"), so nothing is lost in a round
// trip through float64. A value that is not an object fails with ErrNotJSONObject; the
// message carries at most a byte offset, never the value.
func JSONToMap(value []byte) (map[string][]byte, error) {
	fields, err := parseObject(value)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(fields))
	for k, raw := range fields {
		out[k] = fieldText(raw)
	}
	return out, nil
}

// parseObject parses a JSON object into its top-level fields, keeping each field's raw text.
func parseObject(value []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimLeft(value, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrNotJSONObject
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return nil, describeJSONError(err)
	}
	return fields, nil
}

// describeJSONError keeps only the position of a syntax error: encoding/json quotes the
// offending character, which is part of the secret.
func describeJSONError(err error) error {
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Errorf("%w: invalid JSON at byte offset %d", ErrNotJSONObject, syntaxErr.Offset)
	}
	return fmt.Errorf("%w: invalid JSON", ErrNotJSONObject)
}

// fieldText returns a field's value as stored in a Secret: strings unquoted, anything else
// as its JSON text.
func fieldText(raw json.RawMessage) []byte {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return []byte(s)
		}
	}
	return []byte(raw)
}
