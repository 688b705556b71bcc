package secretdata

import (
	"strings"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func TestConvertKeys_strategies(t *testing.T) {
	tests := []struct {
		name     string
		strategy esv1.ExternalSecretConversionStrategy
		in       map[string]string
		want     map[string]string
	}{
		{
			name:     "valid keys are kept by Default",
			strategy: esv1.ExternalSecretConversionDefault,
			in:       map[string]string{"a-b.c_d9": "v", "héllo": "w"},
			want:     map[string]string{"a-b.c_d9": "v", "héllo": "w"},
		},
		{
			name:     "Default replaces each invalid rune with an underscore",
			strategy: esv1.ExternalSecretConversionDefault,
			in:       map[string]string{"path/to key:x": "v", "a😀b": "w"},
			want:     map[string]string{"path_to_key_x": "v", "a_b": "w"},
		},
		{
			name:     "an empty strategy behaves as Default",
			strategy: "",
			in:       map[string]string{"a/b": "v"},
			want:     map[string]string{"a_b": "v"},
		},
		{
			name:     "Unicode replaces each invalid rune with its lower-case hex code point",
			strategy: esv1.ExternalSecretConversionUnicode,
			in:       map[string]string{"a/b c": "v", "x😀": "w", "é!": "z"},
			want:     map[string]string{"a_U002f_b_U0020_c": "v", "x_U1f600_": "w", "é_U0021_": "z"},
		},
		{
			name:     "an invalid UTF-8 byte becomes an underscore",
			strategy: esv1.ExternalSecretConversionDefault,
			in:       map[string]string{"a\xffb": "v"},
			want:     map[string]string{"a_b": "v"},
		},
		{
			name:     "names that differ only in invalid runes stay distinct with Unicode",
			strategy: esv1.ExternalSecretConversionUnicode,
			in:       map[string]string{"a/b": "1", "a:b": "2"},
			want:     map[string]string{"a_U002f_b": "1", "a_U003a_b": "2"},
		},
		{
			name:     "the empty key stays empty",
			strategy: esv1.ExternalSecretConversionDefault,
			in:       map[string]string{"": "v"},
			want:     map[string]string{"": "v"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConvertKeys(tt.strategy, byteMap(tt.in))
			if err != nil {
				t.Fatalf("ConvertKeys() error = %v", err)
			}
			assertMap(t, got, tt.want)
		})
	}
}

func TestConvertKeys_errors(t *testing.T) {
	tests := []struct {
		name     string
		strategy esv1.ExternalSecretConversionStrategy
		in       map[string]string
		wantMsg  string
	}{
		{
			name:     "two names converting to the same key collide",
			strategy: esv1.ExternalSecretConversionDefault,
			in:       map[string]string{"a/b": "topsecret", "a:b": "topsecret"},
			wantMsg:  "secret name collision during conversion: a_b",
		},
		{
			name:     "a converted name colliding with an existing key collides",
			strategy: esv1.ExternalSecretConversionDefault,
			in:       map[string]string{"a_b": "topsecret", "a b": "topsecret"},
			wantMsg:  "secret name collision during conversion: a_b",
		},
		{
			name:     "an unknown strategy fails",
			strategy: "Ascii",
			in:       map[string]string{"a": "topsecret"},
			wantMsg:  `conversion strategy "Ascii" is not supported`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ConvertKeys(tt.strategy, byteMap(tt.in))
			if err == nil || err.Error() != tt.wantMsg {
				t.Fatalf("ConvertKeys() error = %v, want %q", err, tt.wantMsg)
			}
		})
	}
}

func TestValidateKeys_rules(t *testing.T) {
	long := strings.Repeat("k", 253)
	tests := []struct {
		name    string
		in      map[string]string
		want    map[string]string
		wantMsg string
	}{
		{
			name: "valid keys are kept",
			in:   map[string]string{"a-b.c_d": "1", "日本": "2", long: "3"},
			want: map[string]string{"a-b.c_d": "1", "日本": "2", long: "3"},
		},
		{
			name: "the empty key is dropped",
			in:   map[string]string{"": "topsecret", "k": "v"},
			want: map[string]string{"k": "v"},
		},
		{
			name:    "a key longer than 253 bytes fails",
			in:      map[string]string{long + "k": "topsecret"},
			wantMsg: "is 254 bytes long but at most 253 are allowed",
		},
		{
			name:    "a key with a slash fails and suggests rewrite or conversionStrategy",
			in:      map[string]string{"a/b": "topsecret"},
			wantMsg: `key "a/b" has invalid character '/'`,
		},
		{
			name:    "a key with invalid UTF-8 fails",
			in:      map[string]string{"a\xff": "topsecret"},
			wantMsg: "invalid character",
		},
		{
			name:    "a key with a space fails",
			in:      map[string]string{"a b": "topsecret"},
			wantMsg: "conversionStrategy",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := byteMap(tt.in)
			got, err := ValidateKeys(in)
			if tt.wantMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("ValidateKeys() error = %v, want it to contain %q", err, tt.wantMsg)
				}
				if strings.Contains(err.Error(), "topsecret") {
					t.Errorf("ValidateKeys() error %q leaks the value", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ValidateKeys() error = %v", err)
			}
			assertMap(t, got, tt.want)
			assertMap(t, in, tt.in)
		})
	}
}
