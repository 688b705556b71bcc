package template

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestGuards_stopRunawayTemplates covers what bounded functions alone cannot: loops,
// recursion and values grown step by step. Each must fail with ErrLimitExceeded, quickly.
func TestGuards_stopRunawayTemplates(t *testing.T) {
	cases := []struct {
		name, tpl, want string
	}{
		{"range over a huge number", `{{ range 100000000000 }}{{ end }}`, "steps of work"},
		{"nested ranges", `{{ range until 10000 }}{{ range until 10000 }}{{ end }}{{ end }}`, "steps of work"},
		{"infinite template recursion", `{{ define "x" }}{{ template "x" }}{{ end }}{{ template "x" }}`, "more than 100 levels deep"},
		{"exponential template recursion", `{{ define "x" }}{{ template "x" }}{{ template "x" }}{{ end }}{{ template "x" }}`, "levels deep"},
		{"block recursion", `{{ block "b" . }}{{ template "b" . }}{{ end }}`, "levels deep"},
		{"string doubling", `{{ $x := "ab" }}{{ range until 100 }}{{ $x = print $x $x }}{{ end }}`, "print returned a value larger than"},
		{"string doubling with printf", `{{ $x := "ab" }}{{ range until 100 }}{{ $x = printf "%s%s" $x $x }}{{ end }}`, "printf returned a value larger than"},
		{"escaping growth", `{{ $x := "\\" }}{{ range until 100 }}{{ $x = js $x }}{{ end }}`, "js returned a value larger than"},
		{"list doubling", `{{ $l := list 1 }}{{ range until 100 }}{{ $l = concat $l $l }}{{ end }}`, ErrLimitExceeded.Error()},
		{"shared-list explosion", `{{ $l := list 1 }}{{ range until 100 }}{{ $l = list $l $l }}{{ end }}{{ toJson $l }}`, ErrLimitExceeded.Error()},
		{"dict containing itself", `{{ $d := dict }}{{ $_ := set $d "a" $d }}{{ $d }}`, "set returned a value nested more than 1000 levels deep"},
		{"merge into itself", `{{ $d := dict "a" 1 }}{{ $e := dict "d" $d }}{{ $_ := merge $d $e }}{{ toJson $d }}`, "merge returned a value"},
		{"deep nesting", `{{ $d := dict }}{{ range until 2000 }}{{ $d = dict "a" $d }}{{ end }}`, "nested more than 1000 levels deep"},
		{"output limit", `{{ range until 5000 }}{{ repeat 1000 "x" }}{{ end }}`, "the rendered output is larger than 1048576 bytes"},
		{"expensive functions", `{{ range until 50 }}{{ $_ := genPrivateKey "ecdsa" }}{{ end }}`, "steps of work"},
		{"hashing a large value in a loop", `{{ $x := repeat 1000000 "x" }}{{ range until 10000 }}{{ $_ := sha256sum $x }}{{ end }}`, "steps of work"},
	}
	e := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := e.Execute("k", tc.tpl, map[string]string{"a": "b"})
			if !errors.Is(err, ErrLimitExceeded) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrLimitExceeded mentioning %q", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
}

func TestGuards_legitimateTemplatesPass(t *testing.T) {
	data := map[string]string{"big": strings.Repeat("x", 3<<20), "list": "a,b,c"}
	cases := []struct{ name, tpl string }{
		{"ten thousand iterations", `{{ range $i := until 10000 }}{{ printf "%d," $i }}{{ end }}`},
		{"nested moderate loops", `{{ range until 300 }}{{ range until 300 }}{{ end }}{{ end }}ok`},
		{"recursion within limits", `{{ define "r" }}{{ if gt (len .) 0 }}{{ template "r" (rest .) }}{{ end }}{{ end }}{{ template "r" (until 50) }}ok`},
		{"large provider values", `{{ .big | len }} {{ .big | sha256sum | trunc 8 }} {{ .big | b64enc | len }}`},
		{"whole data as JSON", `{{ toJson . | len }}`},
		{"building a dict", `{{ $d := dict }}{{ range $i, $v := splitList "," .list }}{{ $_ := set $d $v $i }}{{ end }}{{ toJson $d }}`},
		{"a few expensive calls", `{{ range until 5 }}{{ $_ := genPrivateKey "ecdsa" }}{{ end }}ok`},
	}
	e := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.Execute("k", tc.tpl, data); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGuards_budgetIsPerExecution(t *testing.T) {
	e := New(WithLimits(Limits{MaxSteps: 5000}))
	tpl := `{{ range until 300 }}{{ end }}`
	for i := range 20 {
		if _, err := e.Execute("k", tpl, nil); err != nil {
			t.Fatalf("execution %d: %v", i, err)
		}
	}
	if _, err := e.Execute("k", `{{ range until 2000 }}{{ end }}`, nil); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("error %v, want ErrLimitExceeded", err)
	}
}

func TestGuards_guardFunctionsAreNotCallable(t *testing.T) {
	for _, name := range []string{guardIteration, guardEnter, guardLeave} {
		_, err := New().Execute("k", "{{ "+name+" }}", nil)
		if err == nil || !strings.Contains(err.Error(), "not defined") {
			t.Errorf("%s: error %v, want not defined", name, err)
		}
	}
}

func TestWithLimits_zeroKeepsDefaults(t *testing.T) {
	e := New(WithLimits(Limits{MaxListItems: 3}))
	d := DefaultLimits()
	if e.limits.MaxListItems != 3 || e.limits.MaxOutputBytes != d.MaxOutputBytes || e.limits.MaxSteps != d.MaxSteps || e.limits.MaxValueBytes != d.MaxValueBytes {
		t.Fatalf("limits %+v", e.limits)
	}
	if _, err := e.Execute("k", `{{ until 4 }}`, nil); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("error %v", err)
	}
}
