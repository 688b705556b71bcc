package webhook

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzSelectJSON drives the result extraction with arbitrary responses and paths: it must
// never panic, a success always selects something, and an error never quotes a string of
// the response that the path does not contain itself.
func FuzzSelectJSON(f *testing.F) {
	seeds := []struct{ body, path string }{
		{`{"data":{"password":"s3cr3t-value"}}`, "$.data.password"},
		{`{"items":[{"name":"a","v":"secret-a-value"},{"name":"b","v":2}]}`, `$.items[?(@.name=="b")].v`},
		{`{"a":"not-an-array-secret"}`, `$.a[?(@.x==1)]`},
		{`{"a":"not-an-array-secret"}`, `$.a[0]`},
		{`{"a":{"b":"deep-secret-value"}}`, "$..b"},
		{`["x-secret-element", 1, null]`, "{.[*]}"},
		{`{"n":1.25}`, "{.n}"},
		{`{"a":1}`, "{range .a}{end}"},
		{`{"a":1}`, `$.a[1:0]`},
		{`"just-a-string-secret"`, "$"},
		{`not json at all secret`, "$.a"},
	}
	for _, s := range seeds {
		f.Add(s.body, s.path)
	}
	f.Fuzz(func(t *testing.T, body, path string) {
		values, err := selectJSON([]byte(body), path)
		if err == nil && len(values) == 0 {
			t.Fatal("a success must select at least one value")
		}
		_, valueErr := valueAt([]byte(body), path)
		_, objectErr := objectAt([]byte(body), path)
		for _, e := range []error{err, valueErr, objectErr} {
			if e == nil {
				continue
			}
			for _, s := range documentStrings(body) {
				if len(s) >= 8 && strings.Contains(e.Error(), s) && !strings.Contains(path, s) {
					t.Fatalf("the error quotes %q of the response: %v", s, e)
				}
			}
		}
	})
}

// documentStrings lists the string values of a JSON document (not its keys, which a path
// names anyway).
func documentStrings(body string) []string {
	var doc any
	if json.Unmarshal([]byte(body), &doc) != nil {
		return strings.Fields(body) // not JSON: any word of it could be the secret
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	return out
}
