package secretdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"testing"
	"unicode/utf8"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func FuzzGetProperty(f *testing.F) {
	f.Add([]byte(`{"a":{"b":"c"},"a.b":"d","n":[1,2,{"x":true}]}`), "a.b")
	f.Add([]byte(`{"a":{"b":"c"}}`), "a.b")
	f.Add([]byte(`{"n":[1,2,3]}`), "n.#")
	f.Add([]byte(`[{"k":"v"},{"k":"w"}]`), `#(k=="w").k`)
	f.Add([]byte(`{"a":"b"}`), "@this|a")
	f.Add([]byte(`not json`), "a")
	f.Add([]byte(`{"a":1}`), "..a")
	f.Fuzz(func(t *testing.T, value []byte, property string) {
		got, err := GetProperty(value, property)
		if err == nil {
			if property == "" && !bytes.Equal(got, value) {
				t.Fatalf("an empty property changed the value")
			}
			return
		}
		if !errors.Is(err, providers.ErrSecretNotFound) {
			t.Fatalf("error %v does not wrap ErrSecretNotFound", err)
		}
		// The message must be one of the fixed forms, which proves it carries no value.
		var known bool
		for _, reason := range []string{"the secret value is not JSON", "no such field in the secret value"} {
			known = known || err.Error() == fmt.Sprintf("property %q not found: %s", property, reason)
		}
		if !known {
			t.Fatalf("unexpected error message %q", err)
		}
	})
}

func FuzzRewrite(f *testing.F) {
	f.Add("^path/", "", "path/db")
	f.Add(`(\w+)/(\w+)`, "${2}_$1", "a/b")
	f.Add(".*", "x", "")
	f.Add("(", "", "k")
	f.Add("a*", "$0$0", "aaa")
	f.Fuzz(func(t *testing.T, source, target, key string) {
		in := map[string][]byte{key: []byte("v1"), key + "/x": []byte("v2"), "fixed": []byte("v3")}
		rewrites := []esv1.ExternalSecretRewrite{regexpOp(source, target)}
		got, err := Rewrite(rewrites, in, nil)
		if _, compileErr := regexp.Compile(source); compileErr != nil {
			if err == nil {
				t.Fatalf("an invalid regexp %q did not fail", source)
			}
			return
		}
		if err != nil {
			t.Fatalf("Rewrite() error = %v", err)
		}
		if len(got) > len(in) || len(got) == 0 {
			t.Fatalf("rewrite turned %d keys into %d", len(in), len(got))
		}
		for k, v := range got {
			if !bytes.HasPrefix(v, []byte("v")) {
				t.Fatalf("key %q got a value that was not an input value", k)
			}
		}
		again, _ := Rewrite(rewrites, in, nil)
		if !maps.EqualFunc(got, again, bytes.Equal) {
			t.Fatalf("rewrite is not deterministic")
		}
	})
}

func FuzzConvertKeys(f *testing.F) {
	f.Add("path/to/key", "path_to_key", []byte("value"), false)
	f.Add("a b", "a:b", []byte("v"), true)
	f.Add("é😀\xff", "", []byte{0}, true)
	f.Fuzz(func(t *testing.T, key1, key2 string, value []byte, unicode bool) {
		strategy := esv1.ExternalSecretConversionDefault
		if unicode {
			strategy = esv1.ExternalSecretConversionUnicode
		}
		in := map[string][]byte{key1: value, key2: value}
		got, err := ConvertKeys(strategy, in)
		if err != nil {
			k1, k2 := convertKey(strategy, key1), convertKey(strategy, key2)
			if k1 != k2 || err.Error() != "secret name collision during conversion: "+k1 {
				t.Fatalf("unexpected error %q", err)
			}
			return
		}
		if len(got) != len(in) {
			t.Fatalf("conversion turned %d keys into %d", len(in), len(got))
		}
		for k := range got {
			if !utf8.ValidString(k) {
				t.Fatalf("converted key %q is not valid UTF-8", k)
			}
			for _, r := range k {
				if !validKeyRune(r) {
					t.Fatalf("converted key %q has invalid rune %q", k, r)
				}
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("aGVsbG8="), uint8(0))
	f.Add([]byte("-_8="), uint8(1))
	f.Add([]byte("+/8="), uint8(2))
	f.Add([]byte("not base64!"), uint8(3))
	f.Add([]byte("YQ\r\n=="), uint8(0))
	strategies := []esv1.ExternalSecretDecodingStrategy{
		esv1.ExternalSecretDecodeBase64, esv1.ExternalSecretDecodeBase64URL,
		esv1.ExternalSecretDecodeAuto, esv1.ExternalSecretDecodeNone, "",
	}
	offset := regexp.MustCompile(`^decoding strategy (Base64|Base64URL): illegal base64 data at input byte \d+$`)
	f.Fuzz(func(t *testing.T, value []byte, pick uint8) {
		strategy := strategies[int(pick)%len(strategies)]
		got, err := Decode(strategy, value)
		switch strategy {
		case esv1.ExternalSecretDecodeNone, "":
			if err != nil || !bytes.Equal(got, value) {
				t.Fatalf("strategy %q changed the value or failed: %v", strategy, err)
			}
		case esv1.ExternalSecretDecodeAuto:
			if err != nil {
				t.Fatalf("Auto failed: %v", err)
			}
		default:
			if err != nil && !offset.MatchString(err.Error()) {
				t.Fatalf("unexpected error message %q", err)
			}
			if err == nil && len(got) > len(value) {
				t.Fatalf("decoding grew the value")
			}
		}
	})
}

func FuzzJSONToMap(f *testing.F) {
	f.Add([]byte(`{"a":"b","n":1.50,"o":{"x":[1]},"t":true,"z":null}`))
	f.Add([]byte(`{"k":"v"} trailing`))
	f.Add([]byte(`["not","object"]`))
	f.Add([]byte(` {"esc":"\u00e9\n"} `))
	f.Add([]byte(`{"a":`))
	message := regexp.MustCompile(`^the secret value is not a JSON object(: invalid JSON( at byte offset \d+)?)?$`)
	f.Fuzz(func(t *testing.T, value []byte) {
		got, err := JSONToMap(value)
		if err != nil {
			if !errors.Is(err, ErrNotJSONObject) || !message.MatchString(err.Error()) {
				t.Fatalf("unexpected error %q", err)
			}
			return
		}
		if !json.Valid(value) {
			t.Fatalf("accepted invalid JSON")
		}
		// A merge of the single object must produce exactly the same keys and values.
		merged, err := Rewrite(mergeOp(esv1.ExternalSecretRewriteMerge{}), map[string][]byte{"only": value}, nil)
		if err != nil {
			t.Fatalf("merging a valid object failed: %v", err)
		}
		if !maps.EqualFunc(got, merged, bytes.Equal) {
			t.Fatalf("merge and JSONToMap disagree")
		}
	})
}
