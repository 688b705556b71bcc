package secretdata

import (
	"errors"
	"strings"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func TestProcessMap_pipeline(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		opts MapOptions
		want map[string]string
	}{
		{
			name: "without rewrite keys are converted, validated and decoded",
			in:   map[string]string{"path/db": "YQ==", "api key": "Yg=="},
			opts: MapOptions{Decoding: esv1.ExternalSecretDecodeBase64},
			want: map[string]string{"path_db": "a", "api_key": "b"},
		},
		{
			name: "the Unicode conversion is used when asked for",
			in:   map[string]string{"a/b": "v"},
			opts: MapOptions{Conversion: esv1.ExternalSecretConversionUnicode},
			want: map[string]string{"a_U002f_b": "v"},
		},
		{
			name: "a rewrite replaces the conversion",
			in:   map[string]string{"path/db": "v"},
			opts: MapOptions{Rewrite: []esv1.ExternalSecretRewrite{regexpOp("^path/", "")}},
			want: map[string]string{"db": "v"},
		},
		{
			name: "keys a rewrite empties are dropped",
			in:   map[string]string{"drop": "v", "keep": "w"},
			opts: MapOptions{Rewrite: []esv1.ExternalSecretRewrite{regexpOp("^drop$", "")}},
			want: map[string]string{"keep": "w"},
		},
		{
			name: "a transform rewrite uses the plugged-in engine",
			in:   map[string]string{"db": "v"},
			opts: MapOptions{Rewrite: []esv1.ExternalSecretRewrite{transformOp("upper")}, Transform: fakeTransform},
			want: map[string]string{"DB": "v"},
		},
		{
			name: "decoding runs after the keys are final",
			in:   map[string]string{"a": "not base64!"},
			opts: MapOptions{Decoding: esv1.ExternalSecretDecodeAuto, NullBytes: esv1.ExternalSecretNullBytePolicyFail},
			want: map[string]string{"a": "not base64!"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := byteMap(tt.in)
			got, err := ProcessMap(in, tt.opts)
			if err != nil {
				t.Fatalf("ProcessMap() error = %v", err)
			}
			assertMap(t, got, tt.want)
			assertMap(t, in, tt.in)
		})
	}
}

func TestProcessMap_errors(t *testing.T) {
	tests := []struct {
		name    string
		in      map[string]string
		opts    MapOptions
		wantMsg string
	}{
		{
			name:    "a rewrite that leaves an invalid key fails validation",
			in:      map[string]string{"path/db": "topsecret"},
			opts:    MapOptions{Rewrite: []esv1.ExternalSecretRewrite{regexpOp("^x", "")}},
			wantMsg: `key "path/db" has invalid character`,
		},
		{
			name:    "a conversion collision fails",
			in:      map[string]string{"a/b": "topsecret", "a b": "topsecret"},
			wantMsg: "secret name collision during conversion: a_b",
		},
		{
			name:    "a rewrite error fails",
			in:      map[string]string{"a": "topsecret"},
			opts:    MapOptions{Rewrite: []esv1.ExternalSecretRewrite{regexpOp("(", "")}},
			wantMsg: "failed rewrite operation[0]",
		},
		{
			name:    "a decoding error names the key",
			in:      map[string]string{"a/b": "topsecret!"},
			opts:    MapOptions{Decoding: esv1.ExternalSecretDecodeBase64},
			wantMsg: `failure decoding key "a_b"`,
		},
		{
			name:    "a NUL byte after decoding fails with policy Fail",
			in:      map[string]string{"k": "AA=="},
			opts:    MapOptions{Decoding: esv1.ExternalSecretDecodeBase64, NullBytes: esv1.ExternalSecretNullBytePolicyFail},
			wantMsg: `key "k"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ProcessMap(byteMap(tt.in), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("ProcessMap() error = %v, want it to contain %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "topsecret") {
				t.Errorf("ProcessMap() error %q leaks the value", err)
			}
		})
	}
}

func TestProcessValue_pipeline(t *testing.T) {
	tests := []struct {
		name      string
		value     string
		decoding  esv1.ExternalSecretDecodingStrategy
		nullBytes esv1.ExternalSecretNullBytePolicy
		want      string
		wantErr   error
	}{
		{name: "the value is decoded", value: "aGk=", decoding: esv1.ExternalSecretDecodeBase64, want: "hi"},
		{name: "the value is kept without decoding", value: "aGk=", want: "aGk="},
		{
			name: "a NUL byte produced by decoding fails with policy Fail", value: "AA==",
			decoding: esv1.ExternalSecretDecodeBase64, nullBytes: esv1.ExternalSecretNullBytePolicyFail, wantErr: ErrNullByte,
		},
		{
			name: "a NUL byte is kept with policy Ignore", value: "AA==",
			decoding: esv1.ExternalSecretDecodeBase64, nullBytes: esv1.ExternalSecretNullBytePolicyIgnore, want: "\x00",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ProcessValue("k", []byte(tt.value), tt.decoding, tt.nullBytes)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ProcessValue() error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ProcessValue() error = %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("ProcessValue() = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("an undecodable value fails", func(t *testing.T) {
		if _, err := ProcessValue("k", []byte("!!"), esv1.ExternalSecretDecodeBase64, ""); err == nil {
			t.Fatal("ProcessValue() error = nil, want a decoding error")
		}
	})
}

func TestMergeInto_precedence(t *testing.T) {
	t.Run("later sources overwrite earlier keys and keep the others", func(t *testing.T) {
		dst := byteMap(map[string]string{"a": "from-dataFrom", "b": "kept"})
		MergeInto(dst, byteMap(map[string]string{"a": "from-data", "c": "new"}))
		assertMap(t, dst, map[string]string{"a": "from-data", "b": "kept", "c": "new"})
	})
}
