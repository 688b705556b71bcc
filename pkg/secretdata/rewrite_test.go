package secretdata

import (
	"errors"
	"strings"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// fakeTransform stands in for the template engine: it knows a few fixed "templates".
func fakeTransform(template, key string) (string, error) {
	switch template {
	case "upper":
		return strings.ToUpper(key), nil
	case "prefix":
		return "app-" + key, nil
	case "constant":
		return "same", nil
	default:
		return "", errors.New("template: unknown function")
	}
}

func regexpOp(source, target string) esv1.ExternalSecretRewrite {
	return esv1.ExternalSecretRewrite{Regexp: &esv1.ExternalSecretRewriteRegexp{Source: source, Target: target}}
}

func transformOp(template string) esv1.ExternalSecretRewrite {
	return esv1.ExternalSecretRewrite{Transform: &esv1.ExternalSecretRewriteTransform{Template: template}}
}

func TestRewrite_regexpAndTransform(t *testing.T) {
	tests := []struct {
		name     string
		rewrites []esv1.ExternalSecretRewrite
		in       map[string]string
		want     map[string]string
	}{
		{
			name: "no rewrite returns the input keys",
			in:   map[string]string{"a": "1"},
			want: map[string]string{"a": "1"},
		},
		{
			name:     "a regexp strips a common prefix",
			rewrites: []esv1.ExternalSecretRewrite{regexpOp("^path/to/", "")},
			in:       map[string]string{"path/to/db": "1", "path/to/api": "2", "other": "3"},
			want:     map[string]string{"db": "1", "api": "2", "other": "3"},
		},
		{
			name:     "a regexp expands capture groups",
			rewrites: []esv1.ExternalSecretRewrite{regexpOp(`^(\w+)/(\w+)$`, "${2}_$1")},
			in:       map[string]string{"db/user": "u"},
			want:     map[string]string{"user_db": "u"},
		},
		{
			name:     "a regexp is unanchored and replaces every match",
			rewrites: []esv1.ExternalSecretRewrite{regexpOp("/", "-")},
			in:       map[string]string{"a/b/c": "v"},
			want:     map[string]string{"a-b-c": "v"},
		},
		{
			name:     "colliding keys keep the value of the key that sorts last",
			rewrites: []esv1.ExternalSecretRewrite{regexpOp("^(a|b)-", "")},
			in:       map[string]string{"a-key": "from-a", "b-key": "from-b"},
			want:     map[string]string{"key": "from-b"},
		},
		{
			name:     "a transform renames every key",
			rewrites: []esv1.ExternalSecretRewrite{transformOp("upper")},
			in:       map[string]string{"user": "u", "pass": "p"},
			want:     map[string]string{"USER": "u", "PASS": "p"},
		},
		{
			name:     "a transform that renders the same key for all keeps the last sorted one",
			rewrites: []esv1.ExternalSecretRewrite{transformOp("constant")},
			in:       map[string]string{"a": "1", "z": "26"},
			want:     map[string]string{"same": "26"},
		},
		{
			name:     "operations run in order on the previous output",
			rewrites: []esv1.ExternalSecretRewrite{regexpOp("^x-", ""), transformOp("prefix"), regexpOp("-", "_")},
			in:       map[string]string{"x-db": "1"},
			want:     map[string]string{"app_db": "1"},
		},
		{
			name:     "a regexp may map a key to the empty key",
			rewrites: []esv1.ExternalSecretRewrite{regexpOp(".*", "")},
			in:       map[string]string{"k": "v"},
			want:     map[string]string{"": "v"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := byteMap(tt.in)
			got, err := Rewrite(tt.rewrites, in, fakeTransform)
			if err != nil {
				t.Fatalf("Rewrite() error = %v", err)
			}
			assertMap(t, got, tt.want)
			assertMap(t, in, tt.in)
		})
	}
}

func TestRewrite_errors(t *testing.T) {
	tests := []struct {
		name      string
		rewrites  []esv1.ExternalSecretRewrite
		transform TransformFunc
		wantMsg   string
	}{
		{
			name:     "a regexp that does not compile fails naming the operation",
			rewrites: []esv1.ExternalSecretRewrite{regexpOp("^ok$", "x"), regexpOp("(", "")},
			wantMsg:  "failed rewrite operation[1]: regexp failed with failed to compile",
		},
		{
			name:      "a transform without a template engine fails",
			rewrites:  []esv1.ExternalSecretRewrite{transformOp("upper")},
			transform: nil,
			wantMsg:   "needs a template engine",
		},
		{
			name:      "a template error names the key",
			rewrites:  []esv1.ExternalSecretRewrite{transformOp("broken")},
			transform: fakeTransform,
			wantMsg:   `transform key "user"`,
		},
		{
			name:     "an empty rewrite entry fails",
			rewrites: []esv1.ExternalSecretRewrite{{}},
			wantMsg:  "exactly one of regexp, transform or merge, found 0",
		},
		{
			name: "a rewrite entry with two operations fails",
			rewrites: []esv1.ExternalSecretRewrite{{
				Regexp:    &esv1.ExternalSecretRewriteRegexp{Source: "a", Target: "b"},
				Transform: &esv1.ExternalSecretRewriteTransform{Template: "upper"},
			}},
			wantMsg: "found 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Rewrite(tt.rewrites, byteMap(map[string]string{"user": "topsecret"}), tt.transform)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Rewrite() error = %v, want it to contain %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "topsecret") {
				t.Errorf("Rewrite() error %q leaks the value", err)
			}
		})
	}
}
