package password

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode"

	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
)

func ptr[T any](v T) *T { return &v }

func count(s string, in func(rune) bool) int {
	n := 0
	for _, r := range s {
		if in(r) {
			n++
		}
	}
	return n
}

func TestGenerate_exactCountsOverManyRuns(t *testing.T) {
	tests := []struct {
		name                     string
		spec                     genv1alpha1.PasswordSpec
		length, digits, symbols  int
		symbolSet                string
		noUpper, allowRepeatSeen bool
	}{
		{"defaults: 24 chars, 6 digits, 6 symbols", genv1alpha1.PasswordSpec{}, 24, 6, 6, defaultSymbols, false, false},
		{"explicit counts", genv1alpha1.PasswordSpec{Length: 32, Digits: ptr(5), Symbols: ptr(3)}, 32, 5, 3, defaultSymbols, false, false},
		{"no symbols, lower case only", genv1alpha1.PasswordSpec{Length: 16, Digits: ptr(4), Symbols: ptr(0), NoUpper: true}, 16, 4, 0, defaultSymbols, true, false},
		{"custom symbols", genv1alpha1.PasswordSpec{Length: 20, Symbols: ptr(4), SymbolCharacters: ptr("-_")}, 20, 5, 4, "-_", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.allowRepeatSeen {
				tt.spec.AllowRepeat = true
			}
			seen := map[string]bool{}
			for range 300 {
				out, err := Generate(tt.spec)
				if err != nil {
					t.Fatal(err)
				}
				pw := string(out["password"])
				if len(pw) != tt.length {
					t.Fatalf("length %d: %q", len(pw), pw)
				}
				if d := count(pw, unicode.IsDigit); d != tt.digits {
					t.Fatalf("%d digits in %q, want %d", d, pw, tt.digits)
				}
				if s := count(pw, func(r rune) bool { return strings.ContainsRune(tt.symbolSet, r) }); s != tt.symbols {
					t.Fatalf("%d symbols in %q, want %d", s, pw, tt.symbols)
				}
				if tt.noUpper && count(pw, unicode.IsUpper) != 0 {
					t.Fatalf("upper case in %q", pw)
				}
				if !tt.spec.AllowRepeat {
					runes := map[rune]bool{}
					for _, r := range pw {
						if runes[r] {
							t.Fatalf("repeated %q in %q", r, pw)
						}
						runes[r] = true
					}
				}
				seen[pw] = true
			}
			if len(seen) < 300 {
				t.Fatalf("only %d distinct passwords in 300 runs", len(seen))
			}
		})
	}
}

func TestGenerate_keysAndEncodings(t *testing.T) {
	out, err := Generate(genv1alpha1.PasswordSpec{SecretKeys: []string{"a", "b"}, Encoding: ptr("base64")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || string(out["a"]) == string(out["b"]) {
		t.Fatalf("each key gets its own password: %v", out)
	}
	raw, err := base64.StdEncoding.DecodeString(string(out["a"]))
	if err != nil || len(raw) != 24 {
		t.Fatalf("base64 encoding: %q %v", out["a"], err)
	}
	for _, bad := range []genv1alpha1.PasswordSpec{
		{SecretKeys: []string{"a", "a"}},
		{SecretKeys: []string{""}},
		{Encoding: ptr("rot13")},
		{Length: 4, Digits: ptr(3), Symbols: ptr(3)},
	} {
		if _, err := Generate(bad); err == nil {
			t.Errorf("%+v must fail", bad)
		}
	}
}
