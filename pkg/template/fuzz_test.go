package template

import (
	"errors"
	"strings"
	"testing"
)

// fuzzEngine has small limits so that each fuzz input finishes in milliseconds; the limits
// are what make it safe to run arbitrary templates without a timeout.
var fuzzEngine = New(WithLimits(Limits{MaxOutputBytes: 64 << 10, MaxListItems: 1000, MaxValueBytes: 256 << 10, MaxSteps: 200_000}))

var fuzzSeeds = []string{
	`{{ .a }}`,
	`postgresql://{{ .username }}:{{ .password }}@{{ .host }}/{{ .a }}`,
	`{{ printf "%s:%s" .a .b | b64enc }}`,
	`{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}`,
	`{{ range until 10 }}{{ . }}{{ end }}`,
	`{{ range 1000000 }}{{ end }}`,
	`{{ define "x" }}{{ template "x" . }}{{ end }}{{ template "x" . }}`,
	`{{ $x := .a }}{{ range until 50 }}{{ $x = print $x $x }}{{ end }}{{ $x }}`,
	`{{ $d := dict }}{{ $_ := set $d "a" $d }}{{ $d }}`,
	`{{ repeat 99999999 .a }}`,
	`{{ .a | indent 4 }}{{ nindent 2 .b }}`,
	`{{ seq 1 3 100 }}{{ untilStep 0 100 7 }}`,
	`{{ .a | replace "" "--" | regexReplaceAll "(.)" "$1$1" }}`,
	`{{ .a | toYaml | fromYaml | toJson }}`,
	`{{ .b | filterPEM "CERTIFICATE" }}{{ .b | filterCertChain "leaf" }}`,
	`{{ .a | hexdec }}{{ .a | b64dec }}`,
	`{{ if eq .a .b }}same{{ else }}{{ fail .a }}{{ end }}`,
	`{{ .missing }}`,
	`{{ with $x := .a }}{{ $x | upper | quote }}{{ end }}`,
	`{{ index . "a" | trunc 3 }}{{ .b | sha256sum }}`,
	`{{ .a | pkcs12key }}{{ .a | jwkPublicKeyPem }}`,
	`{{ list .a .b | uniq | join "," }}`,
	`{{`,
	`}}{{ end }}`,
}

// FuzzExecute runs arbitrary template text on arbitrary data: it must never panic or hang,
// and every error must be one of ours and free of the data's values.
func FuzzExecute(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "hunter2-secret-value", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	}
	f.Fuzz(func(t *testing.T, tpl, a, b string) {
		data := map[string]string{"a": a, "b": b, "username": "user", "password": "pw-value", "host": "h"}
		_, err := fuzzEngine.Execute("fuzz", tpl, data)
		if err == nil {
			return
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "unable to parse template at key fuzz: ") && !strings.HasPrefix(msg, "unable to execute template at key fuzz: ") {
			t.Fatalf("unexpected error shape: %s", msg)
		}
		if detail, ok := strings.CutPrefix(msg, "unable to execute template at key fuzz: "); ok && !errors.Is(err, ErrLimitExceeded) {
			detail = strings.ReplaceAll(detail, "[redacted]", "")
			for _, v := range []string{a, b, "pw-value"} {
				if len(v) >= minRedactLen && !strings.Contains(tpl, v) && strings.Contains(detail, v) {
					t.Fatalf("the error contains the value %q: %s", v, msg)
				}
			}
		}
	})
}

// FuzzTransformKey runs arbitrary rewrite templates on arbitrary keys.
func FuzzTransformKey(f *testing.F) {
	for _, s := range []string{`{{ .value }}`, `{{ .value | upper }}`, `{{ .value | replace "/" "_" }}`, `{{ .value | snakecase }}`, `x-{{ .value | trunc 5 }}`, `{{ .value | regexReplaceAll "[^a-z]" "_" }}`} {
		f.Add(s, "path/to/Key")
	}
	f.Fuzz(func(t *testing.T, tpl, key string) {
		out, err := fuzzEngine.TransformKey(tpl, key)
		if err == nil && len(out) > 64<<10 {
			t.Fatalf("output of %d bytes passed the limit", len(out))
		}
	})
}
