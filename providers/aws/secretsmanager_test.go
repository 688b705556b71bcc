package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// createSecret creates a Secrets Manager secret with a string value and tags (key, value,
// key, value, ...) and returns its version ID.
func (e *env) createSecret(name, value string, tags ...string) string {
	e.t.Helper()
	in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}
	for i := 0; i+1 < len(tags); i += 2 {
		in.Tags = append(in.Tags, smtypes.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
	}
	out, err := e.sm.CreateSecret(ctx(), in)
	if err != nil {
		e.t.Fatalf("creating secret %s: %v", name, err)
	}
	return aws.ToString(out.VersionId)
}

func (e *env) putSecretValue(name, value string) string {
	e.t.Helper()
	out, err := e.sm.PutSecretValue(ctx(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		e.t.Fatalf("putting secret %s: %v", name, err)
	}
	return aws.ToString(out.VersionId)
}

func (e *env) describeSecret(name string) *secretsmanager.DescribeSecretOutput {
	e.t.Helper()
	out, err := e.sm.DescribeSecret(ctx(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil {
		e.t.Fatalf("describing secret %s: %v", name, err)
	}
	return out
}

func (e *env) secretValue(name string) *secretsmanager.GetSecretValueOutput {
	e.t.Helper()
	out, err := e.sm.GetSecretValue(ctx(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil {
		e.t.Fatalf("reading secret %s: %v", name, err)
	}
	return out
}

func TestSecretsManagerClient_GetSecret(t *testing.T) {
	e := newEnv(t)
	p := unique("get") + "/"
	first := e.createSecret(p+"db", `{"user":"admin","password":"s3cret","nested":{"port":5432},"dotted.key":"literal"}`, "team", "payments", "env", "prod")
	second := e.putSecretValue(p+"db", `{"user":"admin2","password":"n3w"}`)
	if _, err := e.sm.CreateSecret(ctx(), &secretsmanager.CreateSecretInput{Name: aws.String(p + "binary"), SecretBinary: []byte{0, 1, 2, 0xff}}); err != nil {
		t.Fatal(err)
	}
	e.createSecret(p+"plain", "just text")
	e.createSecret(p+"deleted", "gone")
	if _, err := e.sm.DeleteSecret(ctx(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(p + "deleted")}); err != nil {
		t.Fatal(err)
	}
	c := e.smClient(p)

	tests := []struct {
		name    string
		ref     esv1.ExternalSecretDataRemoteRef
		want    string
		wantErr error
	}{
		{name: "a plain value is returned as is", ref: esv1.ExternalSecretDataRemoteRef{Key: "plain"}, want: "just text"},
		{name: "no version reads AWSCURRENT", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "user"}, want: "admin2"},
		{name: "a staging label selects that version", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "user", Version: "AWSPREVIOUS"}, want: "admin"},
		{name: "uuid/ selects a version ID", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "password", Version: VersionIDPrefix + first}, want: "s3cret"},
		{name: "uuid/ of the current version", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "password", Version: VersionIDPrefix + second}, want: "n3w"},
		{name: "a nested property is a gjson path", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "nested.port", Version: "AWSPREVIOUS"}, want: "5432"},
		{name: "a dotted top-level key wins over the path", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "dotted.key", Version: "AWSPREVIOUS"}, want: "literal"},
		{name: "an object property is returned as JSON", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "nested", Version: "AWSPREVIOUS"}, want: `{"port":5432}`},
		{name: "a binary secret is returned as bytes", ref: esv1.ExternalSecretDataRemoteRef{Key: "binary"}, want: "\x00\x01\x02\xff"},
		{name: "a missing secret is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing version ID is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Version: "uuid/00000000-0000-0000-0000-000000000000"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing property is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a secret marked for deletion is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "deleted"}, wantErr: providers.ErrSecretNotFound},
		{name: "metadataPolicy Fetch returns the tags as JSON", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, want: `{"env":"prod","team":"payments"}`},
		{name: "metadataPolicy Fetch with a property returns one tag", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "team", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, want: "payments"},
		{name: "a missing tag is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "owner", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, wantErr: providers.ErrSecretNotFound},
		{name: "the tags of a missing secret are not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "nope", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, wantErr: providers.ErrSecretNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.GetSecret(ctx(), tt.ref)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetSecret: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSecretsManagerClient_errorsCarryNoValues(t *testing.T) {
	e := newEnv(t)
	p := unique("noleak") + "/"
	e.createSecret(p+"db", `{"password":"hunter2-very-secret"`)
	c := e.smClient(p)
	for _, ref := range []esv1.ExternalSecretDataRemoteRef{{Key: "db", Property: "password"}, {Key: "db"}} {
		var err error
		if ref.Property != "" {
			_, err = c.GetSecret(ctx(), ref)
		} else {
			_, err = c.GetSecretMap(ctx(), ref)
		}
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error = %v, want an error without the value", err)
		}
	}
}

func TestSecretsManagerClient_GetSecretMap(t *testing.T) {
	e := newEnv(t)
	p := unique("map") + "/"
	e.createSecret(p+"db", `{"user":"admin","port":5432,"tls":true,"opts":{"a":1},"none":null}`, "team", "payments")
	e.createSecret(p+"text", "not json")
	c := e.smClient(p)

	got, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"user": "admin", "port": "5432", "tls": "true", "opts": `{"a":1}`, "none": "null"}
	if len(got) != len(want) {
		t.Fatalf("map = %q, want %q", got, want)
	}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	tags, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch})
	if err != nil || string(tags["team"]) != "payments" {
		t.Errorf("tags = %q, %v; want team=payments", tags, err)
	}
	if _, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "text"}); err == nil {
		t.Error("a value that is not a JSON object must fail")
	}
	if _, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "nope"}); !errors.Is(err, providers.ErrSecretNotFound) {
		t.Errorf("error = %v, want not found", err)
	}
}

func TestSecretsManagerClient_readsEachSecretOnce(t *testing.T) {
	e := newEnv(t)
	p := unique("once") + "/"
	e.createSecret(p+"api-keys", `{"anthropic":"a","openai":"o"}`)
	c := e.smClient(p)
	for _, prop := range []string{"anthropic", "openai", "anthropic"} {
		if _, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "api-keys", Property: prop}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "missing"}); !errors.Is(err, providers.ErrSecretNotFound) {
			t.Fatal(err)
		}
	}
	if n := e.calls.get(MetricsSecretsManager, "GetSecretValue"); n != 2 {
		t.Errorf("GetSecretValue calls = %d, want 2 (one per secret)", n)
	}
}

func TestSecretsManagerClient_Prefetch(t *testing.T) {
	e := newEnv(t)
	p := unique("batch") + "/"
	var refs []esv1.ExternalSecretDataRemoteRef
	for i := range 19 {
		e.createSecret(fmt.Sprintf("%ss%02d", p, i), fmt.Sprintf(`{"v":"%d"}`, i))
		refs = append(refs, esv1.ExternalSecretDataRemoteRef{Key: fmt.Sprintf("s%02d", i), Property: "v"})
	}
	refs = append(refs,
		esv1.ExternalSecretDataRemoteRef{Key: "missing"},
		esv1.ExternalSecretDataRemoteRef{Key: "s00"}, // the same secret again, whole
	)
	c := e.smClient(p)
	e.calls.Reset()

	if err := c.Prefetch(ctx(), refs); err != nil {
		t.Fatal(err)
	}
	for i, ref := range refs {
		got, err := c.GetSecret(ctx(), ref)
		switch {
		case ref.Key == "missing":
			if !errors.Is(err, providers.ErrSecretNotFound) {
				t.Errorf("missing: error = %v, want not found", err)
			}
		case err != nil:
			t.Errorf("%s: %v", ref.Key, err)
		case ref.Property != "" && string(got) != fmt.Sprint(i):
			t.Errorf("%s = %q, want %d", ref.Key, got, i)
		}
	}
	if n := e.calls.get(MetricsSecretsManager, "BatchGetSecretValue"); n != 1 {
		t.Errorf("BatchGetSecretValue calls = %d, want 1 for 20 secrets", n)
	}
	if n := e.calls.get(MetricsSecretsManager, "GetSecretValue"); n != 0 {
		t.Errorf("GetSecretValue calls = %d, want 0 after the prefetch", n)
	}
}

func TestSecretsManagerClient_PrefetchSplitsIntoBatchesOf20(t *testing.T) {
	e := newEnv(t)
	p := unique("batch45") + "/"
	var refs []esv1.ExternalSecretDataRemoteRef
	for i := range 45 {
		e.createSecret(fmt.Sprintf("%ss%02d", p, i), "v")
		refs = append(refs, esv1.ExternalSecretDataRemoteRef{Key: fmt.Sprintf("s%02d", i)})
	}
	refs = append(refs,
		esv1.ExternalSecretDataRemoteRef{Key: "s01", Version: "AWSPREVIOUS"},                                 // versions are read one by one
		esv1.ExternalSecretDataRemoteRef{Key: "s02", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, // tags too
	)
	c := e.smClient(p)
	e.calls.Reset()
	if err := c.Prefetch(ctx(), refs); err != nil {
		t.Fatal(err)
	}
	if n := e.calls.get(MetricsSecretsManager, "BatchGetSecretValue"); n != 3 {
		t.Errorf("BatchGetSecretValue calls = %d, want 3 for 45 secrets", n)
	}
	if err := c.Prefetch(ctx(), refs); err != nil {
		t.Fatal(err)
	}
	if n := e.calls.get(MetricsSecretsManager, "BatchGetSecretValue"); n != 3 {
		t.Errorf("a second prefetch of known secrets made calls: %d", n-3)
	}
}

func TestSecretsManagerClient_GetAllSecrets(t *testing.T) {
	e := newEnv(t)
	p := unique("find") + "/"
	e.createSecret(p+"prod/db/user", "u", "env", "prod", "team", "db")
	e.createSecret(p+"prod/db/password", "pw", "env", "prod", "team", "db")
	e.createSecret(p+"prod/api/key", "k", "env", "prod", "team", "api")
	e.createSecret(p+"dev/db/user", "du", "env", "dev", "team", "db")
	e.createSecret(p+"swapped", "s", "env", "db", "team", "prod") // tag values swapped: must not match env=prod,team=db
	c := e.smClient(p)
	ptr := func(s string) *string { return &s }

	tests := []struct {
		name string
		find esv1.ExternalSecretFind
		want map[string]string
		// batches is the number of BatchGetSecretValue calls expected; lists of ListSecrets.
		batches, lists int
	}{
		{
			name: "name regexp over every secret",
			find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "db/user$"}},
			want: map[string]string{"prod/db/user": "u", "dev/db/user": "du"}, batches: 1, lists: 1,
		},
		{
			name: "path alone is read with a batch filter, without listing",
			find: esv1.ExternalSecretFind{Path: ptr("prod/")},
			want: map[string]string{"prod/db/user": "u", "prod/db/password": "pw", "prod/api/key": "k"}, batches: 1,
		},
		{
			name: "path with a match-everything regexp needs no listing either",
			find: esv1.ExternalSecretFind{Path: ptr("prod/db"), Name: &esv1.FindName{RegExp: ".*"}},
			want: map[string]string{"prod/db/user": "u", "prod/db/password": "pw"}, batches: 1,
		},
		{
			name: "path and regexp",
			find: esv1.ExternalSecretFind{Path: ptr("prod/"), Name: &esv1.FindName{RegExp: "pass"}},
			want: map[string]string{"prod/db/password": "pw"}, batches: 1, lists: 1,
		},
		{
			name: "tags match key and value pairwise",
			find: esv1.ExternalSecretFind{Tags: map[string]string{"env": "prod", "team": "db"}},
			want: map[string]string{"prod/db/user": "u", "prod/db/password": "pw"}, batches: 1, lists: 1,
		},
		{
			name: "tags with a path",
			find: esv1.ExternalSecretFind{Tags: map[string]string{"team": "db"}, Path: ptr("dev/")},
			want: map[string]string{"dev/db/user": "du"}, batches: 1, lists: 1,
		},
		{
			name: "nothing matches",
			find: esv1.ExternalSecretFind{Tags: map[string]string{"team": "nobody"}},
			want: map[string]string{}, lists: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.calls.Reset()
			got, err := c.GetAllSecrets(ctx(), tt.find)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("found %d secrets (%v), want %d", len(got), keys(got), len(tt.want))
			}
			for k, v := range tt.want {
				if string(got[k]) != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if n := e.calls.get(MetricsSecretsManager, "BatchGetSecretValue"); n != tt.batches {
				t.Errorf("BatchGetSecretValue calls = %d, want %d", n, tt.batches)
			}
			if n := e.calls.get(MetricsSecretsManager, "ListSecrets"); n != tt.lists {
				t.Errorf("ListSecrets calls = %d, want %d", n, tt.lists)
			}
			if n := e.calls.get(MetricsSecretsManager, "GetSecretValue"); n != 0 {
				t.Errorf("GetSecretValue calls = %d, want 0", n)
			}
		})
	}
}

func TestSecretsManagerClient_GetAllSecretsRefusesBadFinds(t *testing.T) {
	e := newEnv(t)
	c := e.smClient(unique("badfind"))
	if _, err := c.GetAllSecrets(ctx(), esv1.ExternalSecretFind{}); !errors.Is(err, errFindCriteria) {
		t.Errorf("empty find: error = %v", err)
	}
	if _, err := c.GetAllSecrets(ctx(), esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "("}}); err == nil {
		t.Error("an invalid regexp must fail")
	}
}

func TestSecretsManagerClient_GetAllSecretsWithoutPrefixReturnsFullNames(t *testing.T) {
	e := newEnv(t)
	p := unique("full") + "/"
	e.createSecret(p+"a", "1")
	c := e.smClient("")
	got, err := c.GetAllSecrets(ctx(), esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^" + p}})
	if err != nil || string(got[p+"a"]) != "1" || len(got) != 1 {
		t.Errorf("find = %v, %v; want the full name %s", keys(got), err, p+"a")
	}
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// denyBatch answers BatchGetSecretValue with AccessDenied, as for a policy that grants only
// GetSecretValue and ListSecrets, and counts the refused calls.
type denyBatch struct {
	secretsManagerAPI
	refused *int
}

func (d denyBatch) BatchGetSecretValue(context.Context, *secretsmanager.BatchGetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	*d.refused++
	return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not allowed"}
}

func TestSecretsManagerClient_withoutBatchPermission(t *testing.T) {
	e := newEnv(t)
	p := unique("nobatch") + "/"
	e.createSecret(p+"a", "1")
	e.createSecret(p+"b", "2")
	refs := []esv1.ExternalSecretDataRemoteRef{{Key: "a"}, {Key: "b"}}
	refused := 0
	newClient := func() *SecretsManagerClient {
		c := e.smClient(p)
		c.sm = denyBatch{c.sm, &refused}
		return c
	}

	c := newClient()
	if err := c.Prefetch(ctx(), refs); err == nil {
		t.Error("a refused batch must be reported")
	}
	for _, ref := range refs {
		if _, err := c.GetSecret(ctx(), ref); err != nil {
			t.Errorf("GetSecret after a refused batch: %v", err)
		}
	}
	// The next reconcile of the same store does not ask again.
	if err := newClient().Prefetch(ctx(), refs); err != nil || refused != 1 {
		t.Errorf("second prefetch: error %v, refused calls %d; want no new call", err, refused)
	}
	// find falls back to one read per secret.
	path := "" // with the prefix, the path is the prefix itself
	got, err := newClient().GetAllSecrets(ctx(), esv1.ExternalSecretFind{Path: &path})
	if err != nil || string(got["a"]) != "1" || string(got["b"]) != "2" {
		t.Errorf("find without batch permission = %q, %v", got, err)
	}
	if refused != 1 {
		t.Errorf("refused calls = %d, want 1", refused)
	}
}
