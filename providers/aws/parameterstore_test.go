package aws

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// putParameter writes a parameter (a new version when it exists) with tags (key, value, ...).
func (e *env) putParameter(name, value string, typ ssmtypes.ParameterType, tags ...string) {
	e.t.Helper()
	in := &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: typ}
	for i := 0; i+1 < len(tags); i += 2 {
		in.Tags = append(in.Tags, ssmtypes.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
	}
	if _, err := e.ssm.PutParameter(ctx(), in); err != nil {
		if _, err := e.ssm.PutParameter(ctx(), &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: typ, Overwrite: aws.Bool(true)}); err != nil {
			e.t.Fatalf("putting parameter %s: %v", name, err)
		}
	}
}

func (e *env) parameter(name string) *ssmtypes.Parameter {
	e.t.Helper()
	out, err := e.ssm.GetParameter(ctx(), &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		e.t.Fatalf("reading parameter %s: %v", name, err)
	}
	return out.Parameter
}

func (e *env) parameterTags(name string) map[string]string {
	e.t.Helper()
	out, err := e.ssm.ListTagsForResource(ctx(), &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name)})
	if err != nil {
		e.t.Fatalf("reading tags of %s: %v", name, err)
	}
	m := map[string]string{}
	for _, t := range out.TagList {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func TestParameterStoreClient_GetSecret(t *testing.T) {
	e := newEnv(t)
	p := "/" + unique("get")
	e.putParameter(p+"/db", `{"user":"admin","nested":{"port":5432}}`, ssmtypes.ParameterTypeSecureString, "team", "payments")
	e.putParameter(p+"/db", `{"user":"admin2"}`, ssmtypes.ParameterTypeSecureString)
	e.putParameter(p+"/plain", "text", ssmtypes.ParameterTypeString)
	e.putParameter(p+"/list", "a,b,c", ssmtypes.ParameterTypeStringList)
	if _, err := e.ssm.LabelParameterVersion(ctx(), &ssm.LabelParameterVersionInput{Name: aws.String(p + "/db"), ParameterVersion: aws.Int64(1), Labels: []string{"stable"}}); err != nil {
		t.Fatal(err)
	}
	c := e.psClient(p)

	tests := []struct {
		name    string
		ref     esv1.ExternalSecretDataRemoteRef
		want    string
		wantErr error
	}{
		{name: "a String parameter", ref: esv1.ExternalSecretDataRemoteRef{Key: "/plain"}, want: "text"},
		{name: "a StringList parameter is returned as written", ref: esv1.ExternalSecretDataRemoteRef{Key: "/list"}, want: "a,b,c"},
		{name: "a SecureString is decrypted, latest version", ref: esv1.ExternalSecretDataRemoteRef{Key: "/db", Property: "user"}, want: "admin2"},
		{name: "a version number", ref: esv1.ExternalSecretDataRemoteRef{Key: "/db", Property: "user", Version: "1"}, want: "admin"},
		{name: "a version label", ref: esv1.ExternalSecretDataRemoteRef{Key: "/db", Property: "nested.port", Version: "stable"}, want: "5432"},
		{name: "a missing parameter is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "/nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing version is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "/db", Version: "9"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing property is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "/db", Property: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "metadataPolicy Fetch returns the tags", ref: esv1.ExternalSecretDataRemoteRef{Key: "/db", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, want: `{"team":"payments"}`},
		{name: "metadataPolicy Fetch with a property returns one tag", ref: esv1.ExternalSecretDataRemoteRef{Key: "/db", Property: "team", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, want: "payments"},
		{name: "the tags of a missing parameter are not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "/nope", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, wantErr: providers.ErrSecretNotFound},
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
	m, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "/db", Version: "1"})
	if err != nil || string(m["user"]) != "admin" || string(m["nested"]) != `{"port":5432}` {
		t.Errorf("GetSecretMap = %q, %v", m, err)
	}
}

func TestParameterStoreClient_Prefetch(t *testing.T) {
	e := newEnv(t)
	p := "/" + unique("batch")
	var refs []esv1.ExternalSecretDataRemoteRef
	for i := range 12 {
		e.putParameter(fmt.Sprintf("%s/p%02d", p, i), fmt.Sprint(i), ssmtypes.ParameterTypeSecureString)
		refs = append(refs, esv1.ExternalSecretDataRemoteRef{Key: fmt.Sprintf("/p%02d", i)})
	}
	refs = append(refs,
		esv1.ExternalSecretDataRemoteRef{Key: "/p00", Version: "1"},
		esv1.ExternalSecretDataRemoteRef{Key: "/missing"},
	)
	c := e.psClient(p)
	e.calls.Reset()
	if err := c.Prefetch(ctx(), refs); err != nil {
		t.Fatal(err)
	}
	for i, ref := range refs {
		got, err := c.GetSecret(ctx(), ref)
		switch {
		case ref.Key == "/missing":
			if !errors.Is(err, providers.ErrSecretNotFound) {
				t.Errorf("missing: error = %v", err)
			}
		case err != nil:
			t.Errorf("%s: %v", ref.Key, err)
		case i < 12 && string(got) != fmt.Sprint(i):
			t.Errorf("%s = %q", ref.Key, got)
		}
	}
	if n := e.calls.get(MetricsParameterStore, "GetParameters"); n != 2 {
		t.Errorf("GetParameters calls = %d, want 2 for 13 names", n)
	}
	if n := e.calls.get(MetricsParameterStore, "GetParameter"); n != 1 {
		t.Errorf("GetParameter calls = %d, want 1 (the versioned ref) after the prefetch", n)
	}
}

func TestParameterStoreClient_GetAllSecrets(t *testing.T) {
	e := newEnv(t)
	root := "/" + unique("find")
	e.putParameter(root+"/production/myapp/db_password", "pw", ssmtypes.ParameterTypeSecureString, "env", "prod")
	e.putParameter(root+"/production/myapp/api/key", "k", ssmtypes.ParameterTypeString, "env", "prod", "team", "api")
	e.putParameter(root+"/production/other/x", "x", ssmtypes.ParameterTypeString, "env", "prod")
	e.putParameter(root+"/staging/myapp/db_password", "spw", ssmtypes.ParameterTypeString, "env", "staging")
	ptr := func(s string) *string { return &s }

	tests := []struct {
		name   string
		prefix string
		find   esv1.ExternalSecretFind
		want   map[string]string
	}{
		{
			name: "seed 004: path with a match-everything regexp, recursive",
			find: esv1.ExternalSecretFind{Path: ptr(root + "/production/myapp"), Name: &esv1.FindName{RegExp: ".*"}},
			want: map[string]string{root + "/production/myapp/db_password": "pw", root + "/production/myapp/api/key": "k"},
		},
		{
			name: "path and regexp",
			find: esv1.ExternalSecretFind{Path: ptr(root), Name: &esv1.FindName{RegExp: "db_password$"}},
			want: map[string]string{root + "/production/myapp/db_password": "pw", root + "/staging/myapp/db_password": "spw"},
		},
		{
			name: "tags, with a path",
			find: esv1.ExternalSecretFind{Path: ptr(root), Tags: map[string]string{"env": "prod", "team": "api"}},
			want: map[string]string{root + "/production/myapp/api/key": "k"},
		},
		{
			name: "tags and regexp",
			find: esv1.ExternalSecretFind{Tags: map[string]string{"env": "prod"}, Name: &esv1.FindName{RegExp: "^" + root + "/production/(myapp/db|other)"}},
			want: map[string]string{root + "/production/myapp/db_password": "pw", root + "/production/other/x": "x"},
		},
		{
			name:   "keys are relative to the store prefix",
			prefix: root + "/staging",
			find:   esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "db"}},
			want:   map[string]string{"/myapp/db_password": "spw"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.psClient(tt.prefix)
			got, err := c.GetAllSecrets(ctx(), tt.find)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("found %v, want %d", keys(got), len(tt.want))
			}
			for k, v := range tt.want {
				if string(got[k]) != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
