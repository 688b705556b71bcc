package secretdata

import (
	"errors"
	"strings"
	"testing"

	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestGetProperty_lookup(t *testing.T) {
	const doc = `{"user":"admin","pass":"s3cr3t","port":5432,"big":12345678901234567890,"tls":true,` +
		`"none":null,"db":{"host":"h","password":"p"},"db.password":"literal","list":[1,"two"],` +
		`"a":{"b.c":"nested-dotted"},"quoted":"line\nbreak \"q\""}`
	tests := []struct {
		name     string
		value    string
		property string
		want     string
	}{
		{name: "a string field is returned unquoted", value: doc, property: "user", want: "admin"},
		{name: "escape sequences in a string are decoded", value: doc, property: "quoted", want: "line\nbreak \"q\""},
		{name: "a number keeps its digits", value: doc, property: "port", want: "5432"},
		{name: "a number too big for float64 keeps its digits", value: doc, property: "big", want: "12345678901234567890"},
		{name: "a boolean is returned as its JSON text", value: doc, property: "tls", want: "true"},
		{name: "null is returned as null", value: doc, property: "none", want: "null"},
		{name: "an object is returned as JSON", value: doc, property: "db", want: `{"host":"h","password":"p"}`},
		{name: "an array is returned as JSON", value: doc, property: "list", want: `[1,"two"]`},
		{name: "an array element is reached by index", value: doc, property: "list.1", want: "two"},
		{name: "a literal dotted key wins over the nested path", value: doc, property: "db.password", want: "literal"},
		{name: "a nested path is used when no literal dotted key exists", value: doc, property: "db.host", want: "h"},
		{name: "an escaped dot reaches a dotted key inside an object", value: doc, property: `a.b\.c`, want: "nested-dotted"},
		{name: "an empty property returns the whole value", value: "not json", property: "", want: "not json"},
		{name: "a top-level JSON string value can be read with @this", value: `"x"`, property: "@this", want: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GetProperty([]byte(tt.value), tt.property)
			if err != nil {
				t.Fatalf("GetProperty() error = %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("GetProperty() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGetProperty_notFound(t *testing.T) {
	tests := []struct {
		name     string
		value    string
		property string
		wantMsg  string
	}{
		{name: "a missing field is not found", value: `{"user":"topsecret"}`, property: "pass", wantMsg: `property "pass" not found`},
		{name: "a missing nested field is not found", value: `{"db":{"user":"topsecret"}}`, property: "db.pass", wantMsg: `"db.pass"`},
		{name: "a value that is not JSON is not found", value: `topsecret`, property: "user", wantMsg: "not JSON"},
		{name: "truncated JSON is not found", value: `{"user":"topsecret"`, property: "user", wantMsg: "not JSON"},
		{name: "an empty value is not found", value: ``, property: "user", wantMsg: "not JSON"},
		{name: "an index past the end of an array is not found", value: `["topsecret"]`, property: "3", wantMsg: `"3"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := GetProperty([]byte(tt.value), tt.property)
			if !errors.Is(err, providers.ErrSecretNotFound) {
				t.Fatalf("GetProperty() error = %v, want one wrapping ErrSecretNotFound", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("GetProperty() error = %q, want it to contain %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "topsecret") {
				t.Errorf("GetProperty() error %q leaks the value", err)
			}
		})
	}
}

func TestJSONToMap_conversion(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  map[string]string
	}{
		{
			name:  "string fields are unquoted",
			value: `{"user":"admin","esc":"a\"b\\c\u00e9"}`,
			want:  map[string]string{"user": "admin", "esc": `a"b\cé`},
		},
		{
			name:  "numbers keep the digits as written",
			value: `{"int":42,"big":12345678901234567890,"float":1.50,"exp":1e3,"neg":-0}`,
			want:  map[string]string{"int": "42", "big": "12345678901234567890", "float": "1.50", "exp": "1e3", "neg": "-0"},
		},
		{
			name:  "booleans and null are their JSON text",
			value: `{"t":true,"f":false,"n":null}`,
			want:  map[string]string{"t": "true", "f": "false", "n": "null"},
		},
		{
			name:  "objects and arrays stay JSON as written",
			value: `{"obj":{"b":1, "a":[2]},"arr":[1,"x",{}]}`,
			want:  map[string]string{"obj": `{"b":1, "a":[2]}`, "arr": `[1,"x",{}]`},
		},
		{
			name:  "surrounding whitespace is allowed",
			value: " \n\t{\"k\": \"v\"}\n ",
			want:  map[string]string{"k": "v"},
		},
		{
			name:  "an empty object gives an empty map",
			value: `{}`,
			want:  map[string]string{},
		},
		{
			name:  "a duplicate field keeps the last value",
			value: `{"k":"first","k":"second"}`,
			want:  map[string]string{"k": "second"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := JSONToMap([]byte(tt.value))
			if err != nil {
				t.Fatalf("JSONToMap() error = %v", err)
			}
			assertMap(t, got, tt.want)
		})
	}
}

func TestJSONToMap_errors(t *testing.T) {
	tests := []struct {
		name  string
		value string
	}{
		{name: "an array is not an object", value: `["topsecret"]`},
		{name: "a string is not an object", value: `"topsecret"`},
		{name: "null is not an object", value: `null`},
		{name: "a number is not an object", value: `42`},
		{name: "plain text is not an object", value: `topsecret`},
		{name: "an empty value is not an object", value: ``},
		{name: "a truncated object is invalid", value: `{"k":"topsecret"`},
		{name: "a syntax error inside the object is invalid", value: `{"k":topsecret}`},
		{name: "trailing data after the object is invalid", value: `{"k":"v"} topsecret`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := JSONToMap([]byte(tt.value))
			if !errors.Is(err, ErrNotJSONObject) {
				t.Fatalf("JSONToMap() error = %v, want one wrapping ErrNotJSONObject", err)
			}
			if strings.Contains(err.Error(), "topsecret") || strings.Contains(err.Error(), "'t'") {
				t.Errorf("JSONToMap() error %q leaks the value", err)
			}
		})
	}
}

// assertMap compares a byte map with the expected string map.
func assertMap(t *testing.T, got map[string][]byte, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d keys %v, want %d keys %v", len(got), stringMap(got), len(want), want)
		return
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("key %q missing from %v", k, stringMap(got))
			continue
		}
		if string(g) != w {
			t.Errorf("key %q = %q, want %q", k, g, w)
		}
	}
}

// stringMap makes a byte map readable in failure messages.
func stringMap(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

// byteMap builds an input map from strings.
func byteMap(m map[string]string) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = []byte(v)
	}
	return out
}
