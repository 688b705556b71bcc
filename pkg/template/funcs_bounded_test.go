package template

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

func TestEngine_removedFunctionsAreNotCallable(t *testing.T) {
	e := New()
	for _, name := range RemovedFuncs() {
		t.Run(name, func(t *testing.T) {
			if slices.Contains(e.FuncNames(), name) {
				t.Fatalf("%s is in the function map", name)
			}
			for _, tpl := range []string{"{{ " + name + ` "HOME" }}`, `{{ "HOME" | ` + name + " }}", "{{ " + name + " }}"} {
				_, err := e.Execute("k", tpl, map[string]string{})
				want := `function "` + name + `" not defined`
				if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "unable to parse template at key k: ") {
					t.Fatalf("%s: error %v, want a parse error containing %q", tpl, err, want)
				}
			}
		})
	}
}

func TestEngine_functionMap(t *testing.T) {
	names := New().FuncNames()
	for name := range sprig.TxtFuncMap() {
		if !slices.Contains(RemovedFuncs(), name) && !slices.Contains(names, name) {
			t.Errorf("sprig function %s is missing", name)
		}
	}
	for name := range esoFuncs() {
		if !slices.Contains(names, name) {
			t.Errorf("external-secrets function %s is missing", name)
		}
	}
}

// TestBoundedFuncs_matchSprigBelowLimits renders each template with our engine and with
// plain text/template plus sprig: below the limits the bounded functions are sprig's.
func TestBoundedFuncs_matchSprigBelowLimits(t *testing.T) {
	tpls := []string{
		`{{ repeat 3 "ab" }}`, `{{ repeat 0 "ab" }}`, `{{ repeat 5 "" }}`,
		`{{ until 5 }}`, `{{ until -3 }}`, `{{ until 0 }}`,
		`{{ untilStep 0 10 3 }}`, `{{ untilStep 10 0 -3 }}`, `{{ untilStep 0 10 0 }}`, `{{ untilStep 5 0 1 }}`,
		`{{ untilStep 0 10 -1 }}`, `{{ untilStep -5 5 2 }}`, `{{ untilStep 3 3 1 }}`,
		`{{ seq 5 }}`, `{{ seq 5 1 }}`, `{{ seq 0 }}`, `{{ seq 1 }}`, `{{ seq 2 4 }}`, `{{ seq 4 2 }}`, `{{ seq 3 3 }}`,
		`{{ seq 0 2 6 }}`, `{{ seq 6 -2 0 }}`, `{{ seq 6 2 0 }}`, `{{ seq 0 -2 6 }}`, `{{ seq }}`, `{{ seq 1 2 3 4 }}`,
		`{{ indent 2 "a\nb" }}`, `{{ nindent 4 "a" }}`, `{{ indent 0 "a" }}`,
		`{{ replace "a" "bb" "banana" }}`, `{{ replace "" "-" "abc" }}`, `{{ "x.y" | replace "." "_" }}`,
		`{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}`, `{{ regexReplaceAll "" "abc" "-" }}`,
		`{{ mustRegexReplaceAll "[0-9]+" "a1b22" "<$0>" }}`,
		`{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}`, `{{ mustRegexReplaceAllLiteral "b" "abc" "$" }}`,
		`{{ uniq (list 1 "1" 1 2 "a" "a" (list 1) (list 1) 2.5 2.5 true true) }}`, `{{ mustUniq (list) }}`,
		`{{ randAlphaNum 12 | len }}`, `{{ randAlpha 7 | len }}`, `{{ randAscii 3 | len }}`, `{{ randNumeric 9 | len }}`,
		`{{ randBytes 12 | b64dec | len }}`,
	}
	plain := sprig.TxtFuncMap()
	for _, tpl := range tpls {
		t.Run(tpl, func(t *testing.T) {
			var want strings.Builder
			if err := template.Must(template.New("s").Funcs(plain).Parse(tpl)).Execute(&want, nil); err != nil {
				t.Fatalf("sprig: %v", err)
			}
			if got := render(t, tpl, nil); got != want.String() {
				t.Fatalf("got %q, sprig gives %q", got, want.String())
			}
		})
	}
}

func TestBoundedFuncs_refuseOversizedRequests(t *testing.T) {
	cases := []string{
		`{{ repeat 2000000 "x" }}`,
		`{{ repeat 9223372036854775807 "xy" }}`,
		`{{ until 10001 }}`,
		`{{ until -20000 }}`,
		`{{ untilStep 0 9223372036854775807 1 }}`,
		`{{ untilStep -9223372036854775808 9223372036854775807 2 }}`,
		`{{ untilStep 9223372036854775807 -9223372036854775808 -9223372036854775808 | len }} {{ untilStep 0 100000 -1 }}{{ untilStep 0 100000 1 }}`,
		`{{ seq 100000 }}`,
		`{{ seq -9223372036854775808 9223372036854775806 }}`,
		`{{ randAlphaNum 2000000 }}`,
		`{{ randAlpha 2000000 }}`,
		`{{ randAscii 2000000 }}`,
		`{{ randNumeric 2000000 }}`,
		`{{ randBytes 2000000 }}`,
		`{{ indent 2000000 "x" }}`,
		`{{ repeat 2000 "\n" | indent 1000 }}`,
		`{{ repeat 2000 "\n" | nindent 1000 }}`,
		`{{ repeat 2000 "x" | replace "" (repeat 2000 "y") }}`,
		`{{ regexReplaceAll "" (repeat 2000 "x") (repeat 2000 "y") }}`,
		`{{ regexReplaceAll "x+" (repeat 300000 "x") "$0$0$0$0$0" }}`,
		`{{ regexReplaceAllLiteral "x" (repeat 2000 "x") (repeat 2000 "y") }}`,
	}
	e := New()
	for _, tpl := range cases {
		t.Run(tpl, func(t *testing.T) {
			_, err := e.Execute("k", tpl, nil)
			if !errors.Is(err, ErrLimitExceeded) {
				t.Fatalf("error %v, want ErrLimitExceeded", err)
			}
		})
	}
}

func TestBoundedFuncs_allowShrinkingLargeValues(t *testing.T) {
	big := strings.Repeat("ab", 2<<20) // 4 MiB of provider data
	data := map[string]string{"big": big}
	for _, tpl := range []string{
		`{{ .big | replace "a" "" | len }}`,
		`{{ regexReplaceAll "b+" .big "" | len }}`,
		`{{ regexReplaceAll "(a)b" .big "$1" | len }}`,
		`{{ .big | sha256sum | len }}`,
	} {
		if _, err := New().Execute("k", tpl, data); err != nil {
			t.Errorf("%s: %v", tpl, err)
		}
	}
}

func TestBoundedFuncs_negativeCounts(t *testing.T) {
	for _, tpl := range []string{`{{ repeat -1 "x" }}`, `{{ indent -1 "x" }}`, `{{ randBytes -1 }}`} {
		_, err := New().Execute("k", tpl, nil)
		if err == nil || !strings.Contains(err.Error(), "negative count") {
			t.Errorf("%s: error %v, want a negative count error", tpl, err)
		}
	}
}

func TestBoundedFuncs_invalidRegexDoesNotQuoteIt(t *testing.T) {
	_, err := New().Execute("k", `{{ regexReplaceAll .re "x" "y" }}`, map[string]string{"re": "[secret-pattern"})
	if err == nil || !strings.Contains(err.Error(), "regexReplaceAll: invalid regular expression: ") {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(err.Error(), "secret-pattern") {
		t.Fatalf("the error quotes the expression: %v", err)
	}
}
