package aws

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestParameterStoreClient_PushSecret(t *testing.T) {
	e := newEnv(t)
	p := "/" + unique("push")
	c := e.psClient(p)

	// A new parameter is a tagged String by default.
	if err := c.PushSecret(ctx(), source(), push("password", "/db", "")); err != nil {
		t.Fatal(err)
	}
	if got := e.parameter(p + "/db"); aws.ToString(got.Value) != "p@ss<>&" || got.Type != ssmtypes.ParameterTypeString {
		t.Errorf("parameter = %q (%s)", aws.ToString(got.Value), got.Type)
	}
	if tags := e.parameterTags(p + "/db"); tags[TagManagedBy] != TagManagedByValue {
		t.Errorf("tags = %v", tags)
	}

	// Unchanged values are not written again.
	e.calls.Reset()
	if err := c.PushSecret(ctx(), source(), push("password", "/db", "")); err != nil {
		t.Fatal(err)
	}
	if n := e.calls.get(MetricsParameterStore, "PutParameter"); n != 0 {
		t.Errorf("PutParameter calls = %d for an unchanged value", n)
	}

	// Metadata: SecureString with tags; an update keeps the type and adds the tags.
	data := push("user", "/secure", "")
	data.Metadata = metadata(`{"apiVersion":"kubernetes.external-secrets.io/v1alpha1","kind":"PushSecretMetadata","spec":{"secretType":"SecureString","tags":{"owner":"team-a"}}}`)
	if err := c.PushSecret(ctx(), source(), data); err != nil {
		t.Fatal(err)
	}
	if err := c.PushSecret(ctx(), source(), push("password", "/secure", "")); err != nil {
		t.Fatal(err)
	}
	if got := e.parameter(p + "/secure"); aws.ToString(got.Value) != "p@ss<>&" || got.Type != ssmtypes.ParameterTypeSecureString {
		t.Errorf("parameter = %q (%s), want the new value as SecureString", aws.ToString(got.Value), got.Type)
	}
	if tags := e.parameterTags(p + "/secure"); tags["owner"] != "team-a" || tags[TagManagedBy] != TagManagedByValue {
		t.Errorf("tags = %v", tags)
	}

	// Properties merge into a JSON document.
	for _, prop := range []string{"user", "password"} {
		if err := c.PushSecret(ctx(), source(), push(prop, "/doc", prop)); err != nil {
			t.Fatal(err)
		}
	}
	if got := aws.ToString(e.parameter(p + "/doc").Value); got != `{"password":"p@ss<>&","user":"admin"}` {
		t.Errorf("document = %s", got)
	}
}

func TestParameterStoreClient_PushAndDeleteRefuseUnmanaged(t *testing.T) {
	e := newEnv(t)
	p := "/" + unique("unmanaged")
	e.putParameter(p+"/theirs", "keep", ssmtypes.ParameterTypeString, "owner", "someone")
	c := e.psClient(p)
	if err := c.PushSecret(ctx(), source(), push("user", "/theirs", "")); !errors.Is(err, ErrUnmanaged) {
		t.Errorf("push: error = %v, want ErrUnmanaged", err)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "/theirs"}); !errors.Is(err, ErrUnmanaged) {
		t.Errorf("delete: error = %v, want ErrUnmanaged", err)
	}
	if aws.ToString(e.parameter(p+"/theirs").Value) != "keep" {
		t.Error("the unmanaged parameter changed")
	}
}

func TestParameterStoreClient_DeleteSecret(t *testing.T) {
	e := newEnv(t)
	p := "/" + unique("delete")
	c := e.psClient(p)
	for _, prop := range []string{"user", "password"} {
		if err := c.PushSecret(ctx(), source(), push(prop, "/doc", prop)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "/doc", Property: "user"}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(e.parameter(p + "/doc").Value); got != `{"password":"p@ss<>&"}` {
		t.Errorf("after deleting a property: %s", got)
	}
	if ok, err := c.SecretExists(ctx(), providers.RemoteRef{RemoteKey: "/doc", Property: "user"}); ok || err != nil {
		t.Errorf("SecretExists(user) = %v, %v", ok, err)
	}
	if ok, err := c.SecretExists(ctx(), providers.RemoteRef{RemoteKey: "/doc", Property: "password"}); !ok || err != nil {
		t.Errorf("SecretExists(password) = %v, %v", ok, err)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "/doc", Property: "password"}); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.SecretExists(ctx(), providers.RemoteRef{RemoteKey: "/doc"}); ok || err != nil {
		t.Errorf("after deleting the last property SecretExists = %v, %v; want the parameter gone", ok, err)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "/never"}); err != nil {
		t.Errorf("deleting a missing parameter: %v", err)
	}
}

// denyByPath answers GetParametersByPath with AccessDenied, as for a role allowed only
// ssm:DescribeParameters and ssm:GetParameters.
type denyByPath struct{ parameterStoreAPI }

func (denyByPath) GetParametersByPath(context.Context, *ssm.GetParametersByPathInput, ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not allowed"}
}

func TestParameterStoreClient_GetAllSecretsFallsBackWhenByPathIsDenied(t *testing.T) {
	e := newEnv(t)
	root := "/" + unique("denied")
	e.putParameter(root+"/app/a", "1", ssmtypes.ParameterTypeString)
	e.putParameter(root+"/app/b", "2", ssmtypes.ParameterTypeSecureString)
	c := e.psClient("")
	c.ssm = denyByPath{c.ssm}
	path := root + "/app"
	got, err := c.GetAllSecrets(ctx(), esv1.ExternalSecretFind{Path: &path, Name: &esv1.FindName{RegExp: ".*"}})
	if err != nil {
		t.Fatal(err)
	}
	if string(got[root+"/app/a"]) != "1" || string(got[root+"/app/b"]) != "2" || len(got) != 2 {
		t.Errorf("found %q", got)
	}
}
