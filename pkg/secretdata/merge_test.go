package secretdata

import (
	"strings"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func mergeOp(m esv1.ExternalSecretRewriteMerge) []esv1.ExternalSecretRewrite {
	return []esv1.ExternalSecretRewrite{{Merge: &m}}
}

func TestRewrite_merge(t *testing.T) {
	tests := []struct {
		name string
		op   esv1.ExternalSecretRewriteMerge
		in   map[string]string
		want map[string]string
	}{
		{
			name: "extract stores each merged field under its own key",
			op:   esv1.ExternalSecretRewriteMerge{},
			in:   map[string]string{"a": `{"user":"u","port":5432}`, "b": `{"tls":true,"opts":{"x":1},"n":null}`},
			want: map[string]string{"user": "u", "port": "5432", "tls": "true", "opts": `{"x":1}`, "n": "null"},
		},
		{
			name: "numbers keep their digits",
			op:   esv1.ExternalSecretRewriteMerge{Strategy: esv1.ExternalSecretRewriteMergeStrategyExtract},
			in:   map[string]string{"a": `{"big":12345678901234567890,"f":1.50}`},
			want: map[string]string{"big": "12345678901234567890", "f": "1.50"},
		},
		{
			name: "with conflicts ignored the key that sorts last wins",
			op:   esv1.ExternalSecretRewriteMerge{ConflictPolicy: esv1.ExternalSecretRewriteMergeConflictPolicyIgnore},
			in:   map[string]string{"b": `{"k":"from-b"}`, "a": `{"k":"from-a"}`},
			want: map[string]string{"k": "from-b"},
		},
		{
			name: "priority keys are merged last in the listed order",
			op: esv1.ExternalSecretRewriteMerge{
				ConflictPolicy: esv1.ExternalSecretRewriteMergeConflictPolicyIgnore,
				Priority:       []string{"z", "a"},
			},
			in:   map[string]string{"a": `{"k":"from-a"}`, "m": `{"k":"from-m"}`, "z": `{"k":"from-z"}`},
			want: map[string]string{"k": "from-a"},
		},
		{
			name: "a priority key listed twice is merged once",
			op:   esv1.ExternalSecretRewriteMerge{Priority: []string{"a", "a"}},
			in:   map[string]string{"a": `{"k":"v"}`},
			want: map[string]string{"k": "v"},
		},
		{
			name: "a missing priority key is skipped with IgnoreNotFound",
			op: esv1.ExternalSecretRewriteMerge{
				Priority:       []string{"missing"},
				PriorityPolicy: esv1.ExternalSecretRewriteMergePriorityPolicyIgnoreNotFound,
			},
			in:   map[string]string{"a": `{"k":"v"}`},
			want: map[string]string{"k": "v"},
		},
		{
			name: "strategy JSON keeps the inputs and adds the merged object under into",
			op:   esv1.ExternalSecretRewriteMerge{Strategy: esv1.ExternalSecretRewriteMergeStrategyJSON, Into: "all"},
			in:   map[string]string{"a": `{"z":"<&>", "n":1.0}`, "b": `{"o": {"y": [1, 2]}}`},
			want: map[string]string{
				"a":   `{"z":"<&>", "n":1.0}`,
				"b":   `{"o": {"y": [1, 2]}}`,
				"all": `{"n":1.0,"o":{"y":[1,2]},"z":"<&>"}`,
			},
		},
		{
			name: "strategy JSON over no input stores an empty object",
			op:   esv1.ExternalSecretRewriteMerge{Strategy: esv1.ExternalSecretRewriteMergeStrategyJSON, Into: "all"},
			in:   map[string]string{},
			want: map[string]string{"all": `{}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rewrite(mergeOp(tt.op), byteMap(tt.in), nil)
			if err != nil {
				t.Fatalf("Rewrite() error = %v", err)
			}
			assertMap(t, got, tt.want)
		})
	}
}

func TestRewrite_mergeErrors(t *testing.T) {
	tests := []struct {
		name    string
		op      esv1.ExternalSecretRewriteMerge
		in      map[string]string
		wantMsg string
	}{
		{
			name:    "a field set by two objects is a conflict by default",
			op:      esv1.ExternalSecretRewriteMerge{},
			in:      map[string]string{"a": `{"k":"topsecret","j":1}`, "b": `{"k":"topsecret","j":2}`, "c": `{"k":3}`},
			wantMsg: "merge failed with conflicts: j, k",
		},
		{
			name:    "a field set by two objects is a conflict with policy Error",
			op:      esv1.ExternalSecretRewriteMerge{ConflictPolicy: esv1.ExternalSecretRewriteMergeConflictPolicyError},
			in:      map[string]string{"a": `{"k":"topsecret"}`, "b": `{"k":"topsecret"}`},
			wantMsg: "conflicts: k",
		},
		{
			name:    "a missing priority key fails by default",
			op:      esv1.ExternalSecretRewriteMerge{Priority: []string{"missing"}},
			in:      map[string]string{"a": `{"k":"topsecret"}`},
			wantMsg: `key "missing" not found in input map`,
		},
		{
			name: "a missing priority key fails with policy Strict",
			op: esv1.ExternalSecretRewriteMerge{
				Priority:       []string{"missing"},
				PriorityPolicy: esv1.ExternalSecretRewriteMergePriorityPolicyStrict,
			},
			in:      map[string]string{"a": `{"k":"topsecret"}`},
			wantMsg: `key "missing" not found`,
		},
		{
			name:    "a value that is not a JSON object fails naming its key",
			op:      esv1.ExternalSecretRewriteMerge{},
			in:      map[string]string{"a": `{"k":"v"}`, "plain": `topsecret`},
			wantMsg: `value of key "plain"`,
		},
		{
			name:    "a JSON array value fails",
			op:      esv1.ExternalSecretRewriteMerge{},
			in:      map[string]string{"arr": `["topsecret"]`},
			wantMsg: "not a JSON object",
		},
		{
			name:    "strategy JSON without into fails",
			op:      esv1.ExternalSecretRewriteMerge{Strategy: esv1.ExternalSecretRewriteMergeStrategyJSON},
			in:      map[string]string{"a": `{"k":"topsecret"}`},
			wantMsg: "missing 'into' field",
		},
		{
			name:    "an unknown strategy fails",
			op:      esv1.ExternalSecretRewriteMerge{Strategy: "YAML"},
			in:      map[string]string{"a": `{"k":"topsecret"}`},
			wantMsg: `merge strategy "YAML" is not supported`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Rewrite(mergeOp(tt.op), byteMap(tt.in), nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Rewrite() error = %v, want it to contain %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "topsecret") {
				t.Errorf("Rewrite() error %q leaks the value", err)
			}
		})
	}
}
