package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Secrets Manager version syntax and limits.
const (
	// VersionIDPrefix marks a remoteRef.version that is a version ID ("uuid/<id>"); any
	// other version is a staging label.
	VersionIDPrefix = "uuid/"
	// StageCurrent is the staging label read when no version is given.
	StageCurrent = "AWSCURRENT"
	// batchGetLimit is the most secrets one BatchGetSecretValue call returns.
	batchGetLimit = 20
)

// secretsManagerAPI is the part of the Secrets Manager client this provider calls.
type secretsManagerAPI interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	BatchGetSecretValue(context.Context, *secretsmanager.BatchGetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error)
	DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	secretsmanager.ListSecretsAPIClient
	CreateSecret(context.Context, *secretsmanager.CreateSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error)
	PutSecretValue(context.Context, *secretsmanager.PutSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecret(context.Context, *secretsmanager.UpdateSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretOutput, error)
	TagResource(context.Context, *secretsmanager.TagResourceInput, ...func(*secretsmanager.Options)) (*secretsmanager.TagResourceOutput, error)
	RestoreSecret(context.Context, *secretsmanager.RestoreSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.RestoreSecretOutput, error)
	DeleteSecret(context.Context, *secretsmanager.DeleteSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DeleteSecretOutput, error)
}

// SecretsManagerClient reads and writes AWS Secrets Manager secrets with one set of
// credentials, for one reconcile.
type SecretsManagerClient struct {
	base
	sm       secretsManagerAPI
	deletion *esv1.SecretsManager
	// denials and scope remember that this identity may not call BatchGetSecretValue.
	denials *denials
	scope   string
}

var (
	_ providers.Client = (*SecretsManagerClient)(nil)
	_ providers.Writer = (*SecretsManagerClient)(nil)
)

func newSecretsManagerClient(b base, cfg aws.Config, deletion *esv1.SecretsManager) *SecretsManagerClient {
	c := &SecretsManagerClient{base: b, deletion: deletion, denials: newDenials()}
	if b.referent == nil {
		c.sm = secretsmanager.NewFromConfig(cfg)
	}
	return c
}

// GetSecret returns the secret prefix+ref.Key: its SecretString, or its SecretBinary when it
// has no string. ref.Version "uuid/<id>" selects a version ID, any other non-empty version a
// staging label, and none AWSCURRENT. ref.Property selects a field of a JSON value. With
// metadataPolicy Fetch the secret's tags are returned instead, as a JSON object or the one
// tag ref.Property names. A missing secret (or one scheduled for deletion), version,
// property or tag is providers.ErrSecretNotFound.
func (c *SecretsManagerClient) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	name := c.prefix + ref.Key
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		tags, err := c.secretTags(ctx, name)
		if err != nil {
			return nil, err
		}
		return tagsValue(tags, ref.Property, name)
	}
	value, err := c.value(ctx, name, ref.Version)
	if err != nil {
		return nil, err
	}
	return selectProperty(value, ref.Property, name)
}

// GetSecretMap returns the top-level fields of the JSON object GetSecret returns.
func (c *SecretsManagerClient) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	value, err := c.GetSecret(ctx, ref)
	if err != nil {
		return nil, err
	}
	m, err := secretdata.JSONToMap(value)
	if err != nil {
		return nil, fmt.Errorf("secret %q: %w", c.prefix+ref.Key, err)
	}
	return m, nil
}

// valueKey is the cache key of one version of a secret.
func valueKey(name, version string) string {
	if version == "" {
		version = StageCurrent
	}
	return name + "#" + version
}

// value reads one version of a secret, once per client.
func (c *SecretsManagerClient) value(ctx context.Context, name, version string) ([]byte, error) {
	key := valueKey(name, version)
	if v, ok := c.cachedValue(key); ok {
		return v.value, v.notFound
	}
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)}
	switch {
	case strings.HasPrefix(version, VersionIDPrefix):
		in.VersionId = aws.String(strings.TrimPrefix(version, VersionIDPrefix))
	case version == "":
		in.VersionStage = aws.String(StageCurrent)
	default:
		in.VersionStage = aws.String(version)
	}
	out, err := c.sm.GetSecretValue(ctx, in)
	if err != nil {
		err = classify(err, fmt.Sprintf("reading secret %q (version %q)", name, version))
		if errors.Is(err, providers.ErrSecretNotFound) {
			c.remember(key, cached{notFound: err})
		}
		return nil, err
	}
	v := payload(out.SecretString, out.SecretBinary)
	c.remember(key, cached{value: v})
	return v, nil
}

// payload is a secret's string, or its binary when it has no string.
func payload(s *string, b []byte) []byte {
	if s != nil {
		return []byte(*s)
	}
	return b
}

// secretTags reads a secret's tags with DescribeSecret, once per client.
func (c *SecretsManagerClient) secretTags(ctx context.Context, name string) (map[string]string, error) {
	if tags, ok := c.cachedTags(name); ok {
		return tags, nil
	}
	out, err := c.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil {
		return nil, classify(err, fmt.Sprintf("describing secret %q", name))
	}
	if out.DeletedDate != nil {
		return nil, fmt.Errorf("secret %q is scheduled for deletion: %w", name, providers.ErrSecretNotFound)
	}
	tags := tagMap(out.Tags)
	c.rememberTags(name, tags)
	return tags, nil
}

func tagMap(tags []smtypes.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// Prefetch reads the current version of every secret refs name, at most 20 per
// BatchGetSecretValue call, and keeps the values for the GetSecret calls that follow, so an
// ExternalSecret with 20 data[] entries costs one call instead of 20. Entries with a version
// or metadataPolicy Fetch, and secrets already read, are left to GetSecret. A secret the
// batch could not return (missing permission, unknown ARN form) is read again by GetSecret,
// so an error here only means that the saving was lost: callers may log it and go on. When
// AWS refuses BatchGetSecretValue itself, the store's identity skips the batch for a while.
func (c *SecretsManagerClient) Prefetch(ctx context.Context, refs []esv1.ExternalSecretDataRemoteRef) error {
	if err := c.usable(); err != nil {
		return err
	}
	names := c.batchable(refs)
	if len(names) < 2 || c.denials.denied(c.scope) {
		return nil
	}
	for _, chunk := range chunks(names, batchGetLimit) {
		if err := c.batchGet(ctx, chunk); err != nil {
			c.noteDenial(err)
			return err
		}
	}
	return nil
}

// noteDenial remembers that AWS refused BatchGetSecretValue to this identity.
func (c *SecretsManagerClient) noteDenial(err error) {
	if isAccessDenied(err) {
		c.denials.deny(c.scope)
	}
}

// batchable lists the distinct secrets of refs whose current value is not known yet.
func (c *SecretsManagerClient) batchable(refs []esv1.ExternalSecretDataRemoteRef) []string {
	var names []string
	seen := map[string]bool{}
	for _, ref := range refs {
		if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch || (ref.Version != "" && ref.Version != StageCurrent) {
			continue
		}
		name := c.prefix + ref.Key
		if seen[name] {
			continue
		}
		seen[name] = true
		if _, ok := c.cachedValue(valueKey(name, "")); !ok {
			names = append(names, name)
		}
	}
	return names
}

// batchGet reads up to 20 secrets by name or ARN and remembers each value under the ID it
// was asked for, and each secret AWS reports missing.
func (c *SecretsManagerClient) batchGet(ctx context.Context, ids []string) error {
	wanted := make(map[string]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	in := &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids}
	for {
		out, err := c.sm.BatchGetSecretValue(ctx, in)
		if err != nil {
			return classify(err, fmt.Sprintf("batch reading %d secrets", len(ids)))
		}
		for _, v := range out.SecretValues {
			for _, id := range []string{aws.ToString(v.Name), aws.ToString(v.ARN)} {
				if wanted[id] {
					c.remember(valueKey(id, ""), cached{value: payload(v.SecretString, v.SecretBinary)})
				}
			}
		}
		for _, e := range out.Errors {
			id := aws.ToString(e.SecretId)
			if wanted[id] && notFoundCode(aws.ToString(e.ErrorCode), aws.ToString(e.Message)) {
				c.remember(valueKey(id, ""), cached{notFound: fmt.Errorf("reading secret %q: %w (%s)", id, providers.ErrSecretNotFound, aws.ToString(e.ErrorCode))})
			}
		}
		if out.NextToken == nil {
			return nil
		}
		in.NextToken = out.NextToken
	}
}
