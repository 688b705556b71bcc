package onepassword

import (
	"testing"

	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func TestClient_GetAllSecrets(t *testing.T) {
	f := newFixture(t)
	c := newTestClient(t, f, nil)
	cases := []struct {
		name    string
		find    esv1.ExternalSecretFind
		want    map[string]string
		errText string
	}{
		{name: "path selects an item by title, files and fields", find: esv1.ExternalSecretFind{Path: ptr.To("cert")},
			want: map[string]string{"tls.crt": "-----BEGIN CERTIFICATE-----cert-bytes", "tls.key": tlsKey, "notesPlain": "certificate of the shop"}},
		{name: "name filters fields and files, unanchored", find: esv1.ExternalSecretFind{Path: ptr.To("cert"), Name: &esv1.FindName{RegExp: `\.key`}},
			want: map[string]string{"tls.key": tlsKey}},
		{name: "tags keep items carrying every tag, across vaults", find: esv1.ExternalSecretFind{Tags: map[string]string{"prod": ""}},
			want: map[string]string{"username": "admin", "password": dbPassword, "host.name": "db.internal", "notes": "", "api-key": "api-key-value"}},
		{name: "every tag must be present", find: esv1.ExternalSecretFind{Tags: map[string]string{"prod": "", "db": "x"}, Name: &esv1.FindName{RegExp: "^pass"}},
			want: map[string]string{"password": dbPassword}},
		{name: "the first vault wins on the same name", find: esv1.ExternalSecretFind{Path: ptr.To("shared")},
			want: map[string]string{"password": "from-primary", "extra": "extra-value"}},
		{name: "nothing matches", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^nothing-has-this$"}}, want: map[string]string{}},
		{name: "a duplicate label among what is returned is an error", find: esv1.ExternalSecretFind{Path: ptr.To("dup-label")}, errText: "expected one 1Password ItemField"},
		{name: "an invalid regexp is an error", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "("}}, errText: "find.name.regexp"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.GetAllSecrets(ctx(t), tc.find)
			if tc.errText != "" {
				if err == nil {
					t.Fatalf("got %v, want an error", keys(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("GetAllSecrets: %v", err)
			}
			if !equalMaps(tc.want, got) {
				t.Fatalf("got %v, want %v", stringsOf(got), tc.want)
			}
		})
	}
}

func TestClient_GetAllSecrets_calls(t *testing.T) {
	f := newFixture(t)
	obs := &recorder{}
	c := newTestClient(t, f, obs)
	if _, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Tags: map[string]string{"prod": ""}}); err != nil {
		t.Fatal(err)
	}
	// Both vaults listed; only the two tagged items read in full.
	for call, want := range map[string]int{callGetVault: 2, callGetItems: 2, callGetItemByUUID: 2} {
		if got := obs.count(call, "success"); got != want {
			t.Errorf("%s success calls = %d, want %d (all: %v)", call, got, want, obs)
		}
	}
}
