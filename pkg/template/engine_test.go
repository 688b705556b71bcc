package template

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestEngine_Execute(t *testing.T) {
	data := map[string]string{"user": "u", "my-key": "v", "bin": "\x00\xff"}
	cases := []struct {
		name, tpl, want, wantErr string
		opts                     []Option
	}{
		{name: "field", tpl: `{{ .user }}`, want: "u"},
		{name: "key with a dash", tpl: `{{ index . "my-key" }}`, want: "v"},
		{name: "binary values are kept", tpl: `{{ .bin }}`, want: "\x00\xff"},
		{name: "plain text", tpl: `no actions`, want: "no actions"},
		{name: "empty template", tpl: ``, want: ""},
		{name: "missing key is an error", tpl: `{{ .nope }}`, wantErr: `unable to execute template at key k: template: k:1:3: executing "k" at <.nope>: map has no entry for key "nope"`},
		{name: "index of a missing key is empty", tpl: `{{ index . "nope" }}`, want: ""},
		{name: "parse error", tpl: `{{ .user `, wantErr: "unable to parse template at key k: template: k:1: unclosed action"},
		{name: "unknown function", tpl: `{{ nope }}`, wantErr: `unable to parse template at key k: template: k:1: function "nope" not defined`},
		{name: "custom delimiters", tpl: `<< .user >> {{ .user }}`, want: "u {{ .user }}", opts: []Option{WithDelimiters("<<", ">>")}},
		{name: "empty delimiters keep the default", tpl: `{{ .user }}`, want: "u", opts: []Option{WithDelimiters("", "")}},
		{name: "define and template", tpl: `{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" .user }}`, want: "[u]"},
		{name: "range with else", tpl: `{{ range list }}x{{ else }}empty{{ end }}`, want: "empty"},
		{name: "break in range", tpl: `{{ range $i := until 5 }}{{ if eq $i 2 }}{{ break }}{{ end }}{{ $i }}{{ end }}`, want: "01"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := New(tc.opts...).Execute("k", tc.tpl, data)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error\n%v\nwant\n%s", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestEngine_TransformKey(t *testing.T) {
	cases := []struct{ tpl, key, want string }{
		{`{{ .value | upper }}`, "db-password", "DB-PASSWORD"},
		{`{{ .value | replace "/" "_" }}`, "path/to/key", "path_to_key"},
		{`prefix-{{ .value }}`, "k", "prefix-k"},
		{`{{ .value | trimPrefix "app_" | snakecase }}`, "app_DbHost", "db_host"},
	}
	e := New()
	for _, tc := range cases {
		got, err := e.TransformKey(tc.tpl, tc.key)
		if err != nil || got != tc.want {
			t.Errorf("TransformKey(%q, %q) = %q, %v; want %q", tc.tpl, tc.key, got, err, tc.want)
		}
	}
	if _, err := e.TransformKey(`{{ .other }}`, "k"); err == nil || !strings.HasPrefix(err.Error(), "unable to execute template at key k: ") {
		t.Fatalf("error %v", err)
	}
}

// TestEngine_errorsNeverContainValues feeds templates whose text/template or sprig errors
// quote the data, and checks that no value of data survives in the message.
func TestEngine_errorsNeverContainValues(t *testing.T) {
	const secret = "correct-horse-battery-staple"
	data := map[string]string{
		"password": secret,
		"json":     `{"token": "tok-abcdef-123"`,
		"quoted":   `he said "hi-there-friend"`,
		"hex":      "zz" + secret,
	}
	cases := []struct {
		name, tpl, keep string
	}{
		{"fail with a value", `{{ fail .password }}`, "error calling fail: [redacted]"},
		{"fail with a value inside a message", `{{ fail (printf "bad password %s" .password) }}`, "error calling fail: bad password [redacted]"},
		{"range over a string", `{{ range .password }}{{ end }}`, "(details not shown"},
		{"date parsing", `{{ mustToDate "2006-01-02" .password }}`, "error calling mustToDate: (details not shown"},
		{"JSON parsing", `{{ mustFromJson .json }}`, "error calling mustFromJson: (details not shown"},
		{"regex compile error", `{{ mustRegexMatch (printf "[%s" .password) "x" }}`, "error calling mustRegexMatch: (details not shown"},
		{"bad hex", `{{ hexdec .hex }}`, "hexdec: the value is not valid hexadecimal"},
		{"comparison", `{{ if lt .password 3 }}{{ end }}`, "incompatible types for comparison"},
		{"quoted value", `{{ fail .quoted }}`, "[redacted]"},
		{"field of a string", `{{ .password.length }}`, "can't evaluate field length in type string"},
		{"index out of range", `{{ index (list .password) 5 }}`, "error calling index"},
		{"semver", `{{ semver .password }}`, "error calling semver"},
		{"int conversion in range", `{{ range $a, $b := (atoi .password) }}{{ end }}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New().Execute("k", tc.tpl, data)
			if err == nil {
				t.Fatal("expected an error")
			}
			msg := err.Error()
			for _, v := range []string{secret, "tok-abcdef-123", "hi-there-friend", "horse"} {
				if strings.Contains(msg, v) {
					t.Fatalf("the error contains %q: %s", v, msg)
				}
			}
			if !strings.Contains(msg, tc.keep) {
				t.Fatalf("the error %q lost %q", msg, tc.keep)
			}
			if !strings.HasPrefix(msg, "unable to execute template at key k: ") {
				t.Fatalf("unexpected prefix: %s", msg)
			}
		})
	}
}

func TestEngine_errorsDoNotWrapTheOriginal(t *testing.T) {
	_, err := New().Execute("k", `{{ fail .password }}`, map[string]string{"password": "sekret-value"})
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), "sekret-value") {
			t.Fatalf("an error in the chain contains the value: %v", e)
		}
	}
}

func TestRedact(t *testing.T) {
	got := redact(`a "x\"y-long" abcd abcdef`, secretsOf(map[string][]byte{"a": []byte("abcd"), "b": []byte("abcdef"), "c": []byte(`x"y-long`), "d": []byte("ab")}))
	if want := `a "[redacted]" [redacted] [redacted]`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := secretsOf(map[string]any{"n": []any{"nested-value", 3}}); len(got) != 1 || got[0] != "nested-value" {
		t.Fatalf("nested values: %q", got)
	}
}

func TestEngine_concurrentUse(t *testing.T) {
	e := New()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				out, err := e.Execute("k", `{{ range until 10 }}{{ $.v }}{{ end }}`, map[string]string{"v": string(rune('a' + i))})
				if err != nil || out != strings.Repeat(string(rune('a'+i)), 10) {
					errs <- fmt.Errorf("wrong output under concurrency: %q, %w", out, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
