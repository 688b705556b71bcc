package onepassword

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestClient_GetSecret(t *testing.T) {
	f := newFixture(t)
	c := newTestClient(t, f, nil)
	cases := []struct {
		name    string
		ref     esv1.ExternalSecretDataRemoteRef
		want    string
		wantErr error  // sentinel, when an error is expected
		errText string // substring, when an error is expected
	}{
		{name: "no property reads the password field", ref: esv1.ExternalSecretDataRemoteRef{Key: "db"}, want: dbPassword},
		{name: "a plain property is a field label", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "username"}, want: "admin"},
		{name: "field/ forces a field", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "field/username"}, want: "admin"},
		{name: "a label with a dot is read literally", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "host.name"}, want: "db.internal"},
		{name: "an empty field is an empty value", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "notes"}, want: ""},
		{name: "the key may be the item ID", ref: esv1.ExternalSecretDataRemoteRef{Key: f.dbID, Property: "username"}, want: "admin"},
		{name: "an item ID in the second vault", ref: esv1.ExternalSecretDataRemoteRef{Key: f.listID, Property: "api-key"}, want: "api-key-value"},
		{name: "the vault with the lowest priority wins", ref: esv1.ExternalSecretDataRemoteRef{Key: "shared"}, want: "from-primary"},
		{name: "later vaults are searched", ref: esv1.ExternalSecretDataRemoteRef{Key: "only-secondary"}, want: "secondary-value"},
		{name: "a Document without property gives its first file", ref: esv1.ExternalSecretDataRemoteRef{Key: "cert"}, want: "-----BEGIN CERTIFICATE-----cert-bytes"},
		{name: "a plain property of a Document is a file name", ref: esv1.ExternalSecretDataRemoteRef{Key: "cert", Property: "tls.key"}, want: tlsKey},
		{name: "file/ forces a file", ref: esv1.ExternalSecretDataRemoteRef{Key: "cert", Property: "file/tls.crt"}, want: "-----BEGIN CERTIFICATE-----cert-bytes"},
		{name: "field/ reads a field of a Document", ref: esv1.ExternalSecretDataRemoteRef{Key: "cert", Property: "field/notesPlain"}, want: "certificate of the shop"},
		{name: "a missing item is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "nope"}, wantErr: providers.ErrSecretNotFound, errText: "key not found in 1Password Vaults"},
		{name: "an item of a vault the store does not name is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "does-not-exist-anywhere"}, wantErr: providers.ErrSecretNotFound},
		{name: "an unknown item ID is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "abcdefghijklmnopqrstuvwxyz"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing field is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing file is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "cert", Property: "file/nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "an item without files asked for its file is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "file/"}, wantErr: providers.ErrSecretNotFound},
		{name: "two items with the title are an error", ref: esv1.ExternalSecretDataRemoteRef{Key: "dup-title"}, errText: "expected one 1Password Item matching"},
		{name: "two fields with the label are an error", ref: esv1.ExternalSecretDataRemoteRef{Key: "dup-label", Property: "token"}, errText: "expected one 1Password ItemField matching"},
		{name: "a version is not supported", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Version: "2"}, wantErr: providers.ErrNotSupported},
		{name: "metadataPolicy Fetch is not supported", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, wantErr: providers.ErrNotSupported},
		{name: "an empty key is an error", ref: esv1.ExternalSecretDataRemoteRef{}, errText: "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.GetSecret(ctx(t), tc.ref)
			if tc.wantErr == nil && tc.errText == "" {
				if err != nil {
					t.Fatalf("GetSecret: %v", err)
				}
				if string(got) != tc.want {
					t.Fatalf("got %q, want %q", got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %q, want an error", got)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %q does not wrap %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.errText) {
				t.Fatalf("error %q does not contain %q", err, tc.errText)
			}
			if !errors.Is(tc.wantErr, providers.ErrSecretNotFound) && errors.Is(err, providers.ErrSecretNotFound) {
				t.Fatalf("error %q must not be not-found", err)
			}
			for _, secret := range []string{dbPassword, tlsKey, token, "dup-value-1", "dup-value-2", "dup-title-value-1", "dup-title-value-2"} {
				if strings.Contains(err.Error(), secret) && !strings.Contains(tc.ref.Key, secret) {
					t.Fatalf("error %q leaks %q", err, secret)
				}
			}
		})
	}
}

func TestClient_GetSecretMap(t *testing.T) {
	f := newFixture(t)
	c := newTestClient(t, f, nil)
	cases := []struct {
		name    string
		ref     esv1.ExternalSecretDataRemoteRef
		want    map[string]string
		wantErr error
		errText string
	}{
		{name: "all fields of an item", ref: esv1.ExternalSecretDataRemoteRef{Key: "db"},
			want: map[string]string{"username": "admin", "password": dbPassword, "host.name": "db.internal", "notes": ""}},
		{name: "a property keeps one field", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "username"},
			want: map[string]string{"username": "admin"}},
		{name: "all files of a Document", ref: esv1.ExternalSecretDataRemoteRef{Key: "cert"},
			want: map[string]string{"tls.crt": "-----BEGIN CERTIFICATE-----cert-bytes", "tls.key": tlsKey}},
		{name: "field/ on a Document gives its fields", ref: esv1.ExternalSecretDataRemoteRef{Key: "cert", Property: "field/notesPlain"},
			want: map[string]string{"notesPlain": "certificate of the shop"}},
		{name: "file/ with a name keeps one file", ref: esv1.ExternalSecretDataRemoteRef{Key: "cert", Property: "file/tls.key"},
			want: map[string]string{"tls.key": tlsKey}},
		{name: "the first vault wins", ref: esv1.ExternalSecretDataRemoteRef{Key: "shared"},
			want: map[string]string{"password": "from-primary"}},
		{name: "a duplicate label among the fields returned is an error", ref: esv1.ExternalSecretDataRemoteRef{Key: "dup-label"}, errText: "expected one 1Password ItemField matching"},
		{name: "a duplicate label left out by the property is fine", ref: esv1.ExternalSecretDataRemoteRef{Key: "dup-label", Property: "single"},
			want: map[string]string{"single": "single-value"}},
		{name: "a missing property is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing item is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a version is not supported", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Version: "1"}, wantErr: providers.ErrNotSupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.GetSecretMap(ctx(t), tc.ref)
			if tc.wantErr != nil || tc.errText != "" {
				if err == nil {
					t.Fatalf("got %v, want an error", keys(got))
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %q does not wrap %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("error %q does not contain %q", err, tc.errText)
				}
				if strings.Contains(err.Error(), "dup-value") {
					t.Fatalf("error %q leaks a value", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetSecretMap: %v", err)
			}
			if !equalMaps(tc.want, got) {
				t.Fatalf("got %v, want %v", stringsOf(got), tc.want)
			}
		})
	}
}

func TestClient_GetSecret_callsAndCache(t *testing.T) {
	f := newFixture(t)
	obs := &recorder{}
	c := newTestClient(t, f, obs)
	for range 3 {
		if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "only-secondary", Property: "api-key"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "cert", Property: "tls.key"}); err != nil {
			t.Fatal(err)
		}
	}
	// Two vaults looked up once each; "only-secondary" searched in both vaults, "cert" in
	// the first; one file downloaded, once.
	for call, want := range map[string]int{callGetVault: 2, callGetItemsByTitle: 3, callGetFileContent: 1} {
		if got := obs.count(call, "success"); got != want {
			t.Errorf("%s success calls = %d, want %d (all: %v)", call, got, want, obs)
		}
	}
	if got := obs.Total(); got != 6 {
		t.Errorf("observed %d calls, want 6: %v", got, obs)
	}
}

func TestClient_GetSecret_honoursContext(t *testing.T) {
	f := newFixture(t)
	c := newTestClient(t, f, nil)
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.GetSecret(cctx, esv1.ExternalSecretDataRemoteRef{Key: "db"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if len(f.srv.Requests()) != 0 {
		t.Fatalf("a cancelled read sent %v", f.srv.Requests())
	}
}

func TestClient_GetSecret_itemDeletedBetweenReads(t *testing.T) {
	f := newFixture(t)
	c := newTestClient(t, f, nil)
	f.srv.DeleteItem(f.primary, f.dbID)
	_, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "db"})
	if !errors.Is(err, providers.ErrSecretNotFound) {
		t.Fatalf("got %v, want not found (the store does not search the vault that still has a db item)", err)
	}
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func stringsOf(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func equalMaps(want map[string]string, got map[string][]byte) bool {
	return maps.Equal(want, stringsOf(got))
}
