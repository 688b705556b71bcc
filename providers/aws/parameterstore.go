package aws

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// getParametersLimit is the most names one GetParameters call takes.
const getParametersLimit = 10

// parameterStoreAPI is the part of the SSM client this provider calls.
type parameterStoreAPI interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	GetParameters(context.Context, *ssm.GetParametersInput, ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
	ssm.GetParametersByPathAPIClient
	ssm.DescribeParametersAPIClient
	ListTagsForResource(context.Context, *ssm.ListTagsForResourceInput, ...func(*ssm.Options)) (*ssm.ListTagsForResourceOutput, error)
	PutParameter(context.Context, *ssm.PutParameterInput, ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
	AddTagsToResource(context.Context, *ssm.AddTagsToResourceInput, ...func(*ssm.Options)) (*ssm.AddTagsToResourceOutput, error)
	DeleteParameter(context.Context, *ssm.DeleteParameterInput, ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error)
}

// ParameterStoreClient reads and writes SSM Parameter Store parameters with one set of
// credentials, for one reconcile.
type ParameterStoreClient struct {
	base
	ssm parameterStoreAPI
}

var (
	_ providers.Client = (*ParameterStoreClient)(nil)
	_ providers.Writer = (*ParameterStoreClient)(nil)
)

func newParameterStoreClient(b base, cfg aws.Config) *ParameterStoreClient {
	c := &ParameterStoreClient{base: b}
	if b.referent == nil {
		c.ssm = ssm.NewFromConfig(cfg)
	}
	return c
}

// parameterName is the name GetParameter takes for ref: prefix+key, with ":<version>" (a
// version number or a label) when a version is set.
func (c *ParameterStoreClient) parameterName(ref esv1.ExternalSecretDataRemoteRef) string {
	name := c.prefix + ref.Key
	if ref.Version != "" {
		name += ":" + ref.Version
	}
	return name
}

// GetSecret returns the (decrypted) value of the parameter prefix+ref.Key, at ref.Version
// (a version number or label) when set. ref.Property selects a field of a JSON value. With
// metadataPolicy Fetch the parameter's tags are returned instead, as a JSON object or the
// one tag ref.Property names. A missing parameter, version, property or tag is
// providers.ErrSecretNotFound.
func (c *ParameterStoreClient) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		name := c.prefix + ref.Key
		tags, err := c.parameterTags(ctx, name)
		if err != nil {
			return nil, err
		}
		return tagsValue(tags, ref.Property, name)
	}
	name := c.parameterName(ref)
	value, err := c.value(ctx, name)
	if err != nil {
		return nil, err
	}
	return selectProperty(value, ref.Property, name)
}

// GetSecretMap returns the top-level fields of the JSON object GetSecret returns.
func (c *ParameterStoreClient) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	value, err := c.GetSecret(ctx, ref)
	if err != nil {
		return nil, err
	}
	m, err := secretdata.JSONToMap(value)
	if err != nil {
		return nil, fmt.Errorf("parameter %q: %w", c.parameterName(ref), err)
	}
	return m, nil
}

// value reads one parameter (name may carry a ":<version>" selector), once per client.
func (c *ParameterStoreClient) value(ctx context.Context, name string) ([]byte, error) {
	if v, ok := c.cachedValue(name); ok {
		return v.value, v.notFound
	}
	out, err := c.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		err = classify(err, fmt.Sprintf("reading parameter %q", name))
		if errors.Is(err, providers.ErrSecretNotFound) {
			c.remember(name, cached{notFound: err})
		}
		return nil, err
	}
	v := []byte(aws.ToString(out.Parameter.Value))
	c.remember(name, cached{value: v})
	return v, nil
}

// parameterTags reads a parameter's tags, once per client.
func (c *ParameterStoreClient) parameterTags(ctx context.Context, name string) (map[string]string, error) {
	if tags, ok := c.cachedTags(name); ok {
		return tags, nil
	}
	out, err := c.ssm.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{
		ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
		ResourceId:   aws.String(name),
	})
	if err != nil {
		return nil, classify(err, fmt.Sprintf("reading the tags of parameter %q", name))
	}
	tags := make(map[string]string, len(out.TagList))
	for _, t := range out.TagList {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	c.rememberTags(name, tags)
	return tags, nil
}

// Prefetch reads the latest version of every parameter refs name, at most 10 per
// GetParameters call, and keeps the values for the GetSecret calls that follow. Entries with
// a version or metadataPolicy Fetch, and parameters already read, are left to GetSecret. A parameter the
// batch could not return is read again by GetSecret, so an error here only means that the
// saving was lost: callers may log it and go on.
func (c *ParameterStoreClient) Prefetch(ctx context.Context, refs []esv1.ExternalSecretDataRemoteRef) error {
	if err := c.usable(); err != nil {
		return err
	}
	var names []string
	seen := map[string]bool{}
	for _, ref := range refs {
		name := c.parameterName(ref)
		if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch || ref.Version != "" || seen[name] {
			continue
		}
		seen[name] = true
		if _, ok := c.cachedValue(name); !ok {
			names = append(names, name)
		}
	}
	if len(names) < 2 {
		return nil
	}
	for _, chunk := range chunks(names, getParametersLimit) {
		if _, err := c.getParameters(ctx, chunk); err != nil {
			return err
		}
	}
	return nil
}

// getParameters reads the latest version of up to 10 parameters, remembers each value and
// each name AWS reports invalid (missing), and returns the values by name.
func (c *ParameterStoreClient) getParameters(ctx context.Context, names []string) (map[string][]byte, error) {
	out, err := c.ssm.GetParameters(ctx, &ssm.GetParametersInput{Names: names, WithDecryption: aws.Bool(true)})
	if err != nil {
		return nil, classify(err, fmt.Sprintf("reading %d parameters", len(names)))
	}
	values := make(map[string][]byte, len(out.Parameters))
	for _, p := range out.Parameters {
		if aws.ToString(p.Selector) != "" {
			continue
		}
		v := []byte(aws.ToString(p.Value))
		values[aws.ToString(p.Name)] = v
		c.remember(aws.ToString(p.Name), cached{value: v})
	}
	for _, name := range out.InvalidParameters {
		c.remember(name, cached{notFound: fmt.Errorf("reading parameter %q: %w", name, providers.ErrSecretNotFound)})
	}
	return values, nil
}
