package secretdata

import (
	"errors"
	"strings"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func TestDecode_strategies(t *testing.T) {
	tests := []struct {
		name     string
		strategy esv1.ExternalSecretDecodingStrategy
		value    string
		want     string
		wantErr  string
	}{
		{name: "None keeps the value", strategy: esv1.ExternalSecretDecodeNone, value: "aGVsbG8=", want: "aGVsbG8="},
		{name: "an empty strategy keeps the value", strategy: "", value: "aGVsbG8=", want: "aGVsbG8="},
		{name: "Base64 decodes standard padded base64", strategy: esv1.ExternalSecretDecodeBase64, value: "aGVsbG8=", want: "hello"},
		{name: "Base64 decodes the standard alphabet", strategy: esv1.ExternalSecretDecodeBase64, value: "+/8=", want: "\xfb\xff"},
		{name: "Base64 rejects missing padding", strategy: esv1.ExternalSecretDecodeBase64, value: "aGVsbG8", wantErr: "illegal base64 data at input byte"},
		{name: "Base64 rejects the URL alphabet", strategy: esv1.ExternalSecretDecodeBase64, value: "-_8=", wantErr: "decoding strategy Base64"},
		{name: "Base64URL decodes the URL alphabet", strategy: esv1.ExternalSecretDecodeBase64URL, value: "-_8=", want: "\xfb\xff"},
		{name: "Base64URL rejects the standard alphabet", strategy: esv1.ExternalSecretDecodeBase64URL, value: "+/8=", wantErr: "decoding strategy Base64URL"},
		{name: "Auto decodes standard base64", strategy: esv1.ExternalSecretDecodeAuto, value: "+/8=", want: "\xfb\xff"},
		{name: "Auto decodes URL base64", strategy: esv1.ExternalSecretDecodeAuto, value: "-_8=", want: "\xfb\xff"},
		{name: "Auto keeps a value that is not base64", strategy: esv1.ExternalSecretDecodeAuto, value: "not base64!", want: "not base64!"},
		{name: "an empty value decodes to an empty value", strategy: esv1.ExternalSecretDecodeBase64, value: "", want: ""},
		{name: "an unknown strategy fails", strategy: "Hex", value: "00", wantErr: `decoding strategy "Hex" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.strategy, []byte(tt.value))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Decode() error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode() error = %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("Decode() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecodeMap_keys(t *testing.T) {
	t.Run("every value is decoded", func(t *testing.T) {
		got, err := DecodeMap(esv1.ExternalSecretDecodeBase64, byteMap(map[string]string{"a": "YQ==", "b": "Yg=="}))
		if err != nil {
			t.Fatalf("DecodeMap() error = %v", err)
		}
		assertMap(t, got, map[string]string{"a": "a", "b": "b"})
	})
	t.Run("an undecodable value fails naming its key but not the value", func(t *testing.T) {
		_, err := DecodeMap(esv1.ExternalSecretDecodeBase64, byteMap(map[string]string{"a": "YQ==", "bad": "topsecret!"}))
		if err == nil || !strings.Contains(err.Error(), `failure decoding key "bad"`) {
			t.Fatalf("DecodeMap() error = %v, want it to name key bad", err)
		}
		if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("DecodeMap() error %q leaks the value", err)
		}
	})
}

func TestCheckNullBytes_policies(t *testing.T) {
	tests := []struct {
		name    string
		policy  esv1.ExternalSecretNullBytePolicy
		value   string
		wantErr bool
	}{
		{name: "Ignore accepts a NUL byte", policy: esv1.ExternalSecretNullBytePolicyIgnore, value: "a\x00b"},
		{name: "an empty policy accepts a NUL byte", policy: "", value: "a\x00b"},
		{name: "Fail accepts a value without a NUL byte", policy: esv1.ExternalSecretNullBytePolicyFail, value: "ab"},
		{name: "Fail rejects a value with a NUL byte", policy: esv1.ExternalSecretNullBytePolicyFail, value: "top\x00secret", wantErr: true},
		{name: "an unknown policy fails", policy: "Strip", value: "ab", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckNullBytes(tt.policy, "key", []byte(tt.value))
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckNullBytes() error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), tt.value) {
				t.Errorf("CheckNullBytes() error %q leaks the value", err)
			}
			if tt.wantErr && tt.policy == esv1.ExternalSecretNullBytePolicyFail {
				if !errors.Is(err, ErrNullByte) || !strings.Contains(err.Error(), `key "key"`) {
					t.Errorf("CheckNullBytes() error = %v, want ErrNullByte naming the key", err)
				}
			}
		})
	}
}
