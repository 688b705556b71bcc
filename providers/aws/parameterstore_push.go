package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	corev1 "k8s.io/api/core/v1"

	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// psPushSpec is the spec of a PushSecret's metadata for Parameter Store.
type psPushSpec struct {
	// SecretType is the parameter type: String (default), StringList or SecureString.
	SecretType string `json:"secretType,omitempty"`
	// KMSKeyID encrypts a SecureString with this key instead of aws/ssm.
	KMSKeyID string `json:"kmsKeyID,omitempty"`
	// Description is set on the parameter.
	Description string `json:"description,omitempty"`
	// Tier is the parameter tier and its policies (Advanced tier only).
	Tier *psTier `json:"tier,omitempty"`
	// Tags are added to the parameter, next to managed-by.
	Tags map[string]string `json:"tags,omitempty"`
}

type psTier struct {
	// Type is Standard, Advanced or Intelligent-Tiering.
	Type string `json:"type,omitempty"`
	// Policies are parameter policies (expiration, notifications), as AWS writes them.
	Policies []json.RawMessage `json:"policies,omitempty"`
}

func parsePSMetadata(data providers.PushData) (psPushSpec, map[string]string, error) {
	var spec psPushSpec
	if err := decodeMetadata(data.Metadata, &spec); err != nil {
		return spec, nil, err
	}
	switch ssmtypes.ParameterType(spec.SecretType) {
	case "", ssmtypes.ParameterTypeString, ssmtypes.ParameterTypeStringList, ssmtypes.ParameterTypeSecureString:
	default:
		return spec, nil, fmt.Errorf("PushSecret metadata: secretType %q must be String, StringList or SecureString", spec.SecretType)
	}
	tags, err := metadataTags(spec.Tags)
	return spec, tags, err
}

// PushSecret writes the value to the parameter prefix+RemoteKey (into its JSON Property
// when set). A new parameter is created with the tag managed-by=external-secrets and the
// metadata's type (String by default), KMS key, tier, description and tags. An existing
// parameter is overwritten only if it carries that tag (else ErrUnmanaged) and only when
// the value differs; it keeps its type unless the metadata names one.
func (c *ParameterStoreClient) PushSecret(ctx context.Context, secret *corev1.Secret, data providers.PushData) error {
	if err := c.usable(); err != nil {
		return err
	}
	if data.RemoteKey == "" {
		return errors.New("a remote key (the parameter name) is required")
	}
	spec, tags, err := parsePSMetadata(data)
	if err != nil {
		return err
	}
	value, err := pushValue(secret, data.SecretKey)
	if err != nil {
		return err
	}
	defer c.forget()
	name := c.prefix + data.RemoteKey
	cur, err := c.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil && !isNotFound(err) {
		return classify(err, fmt.Sprintf("reading parameter %q", name))
	}
	exists := err == nil
	if exists {
		if err := c.checkManaged(ctx, name); err != nil {
			return err
		}
	}
	in, changed, err := putInput(name, cur, data.Property, value, spec)
	if err != nil || !changed {
		return err
	}
	if !exists {
		in.Tags = ssmTags(tags)
	}
	if _, err := c.ssm.PutParameter(ctx, in); err != nil {
		return classify(err, fmt.Sprintf("writing parameter %q", name))
	}
	if exists && len(spec.Tags) > 0 {
		_, err := c.ssm.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{
			ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name), Tags: ssmTags(tags),
		})
		return classifyIf(err, fmt.Sprintf("tagging parameter %q", name))
	}
	return nil
}

// classifyIf is classify for an error that may be nil.
func classifyIf(err error, what string) error {
	if err == nil {
		return nil
	}
	return classify(err, what)
}

// putInput builds the PutParameter call; changed is false when the parameter already holds
// the value with the requested type.
func putInput(name string, cur *ssm.GetParameterOutput, property string, value []byte, spec psPushSpec) (in *ssm.PutParameterInput, changed bool, err error) {
	var current []byte
	typ := ssmtypes.ParameterType(spec.SecretType)
	if cur != nil {
		current = []byte(aws.ToString(cur.Parameter.Value))
		if typ == "" {
			typ = cur.Parameter.Type
		}
	}
	if typ == "" {
		typ = ssmtypes.ParameterTypeString
	}
	if property != "" {
		doc, perr := secretdata.SetProperty(current, property, value)
		if perr != nil {
			return nil, false, fmt.Errorf("parameter %q: %w", name, perr)
		}
		value = doc
	}
	if cur != nil && string(current) == string(value) && typ == cur.Parameter.Type {
		return nil, false, nil
	}
	in = &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(string(value)), Type: typ, Overwrite: aws.Bool(cur != nil)}
	if spec.KMSKeyID != "" && typ == ssmtypes.ParameterTypeSecureString {
		in.KeyId = aws.String(spec.KMSKeyID)
	}
	if spec.Description != "" {
		in.Description = aws.String(spec.Description)
	}
	if spec.Tier != nil {
		in.Tier = ssmtypes.ParameterTier(spec.Tier.Type)
		if len(spec.Tier.Policies) > 0 {
			policies, merr := json.Marshal(spec.Tier.Policies)
			if merr != nil {
				return nil, false, fmt.Errorf("PushSecret metadata: tier.policies: %w", merr)
			}
			in.Policies = aws.String(string(policies))
		}
	}
	return in, true, nil
}

// checkManaged refuses a parameter without the managed-by tag.
func (c *ParameterStoreClient) checkManaged(ctx context.Context, name string) error {
	tags, err := c.parameterTags(ctx, name)
	if err != nil {
		return err
	}
	if !isManaged(tags) {
		return fmt.Errorf("parameter %q: %w", name, ErrUnmanaged)
	}
	return nil
}

func ssmTags(tags map[string]string) []ssmtypes.Tag {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]ssmtypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, ssmtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// DeleteSecret deletes the parameter prefix+RemoteKey, or only its JSON Property (the whole
// parameter when nothing else is left). A missing parameter is success; one without the
// managed-by tag is refused with ErrUnmanaged.
func (c *ParameterStoreClient) DeleteSecret(ctx context.Context, ref providers.RemoteRef) error {
	if err := c.usable(); err != nil {
		return err
	}
	defer c.forget()
	name := c.prefix + ref.RemoteKey
	err := c.checkManaged(ctx, name)
	if errors.Is(err, providers.ErrSecretNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if ref.Property != "" {
		done, err := c.deleteProperty(ctx, name, ref.Property)
		if err != nil || done {
			return err
		}
	}
	_, err = c.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)})
	if err != nil && !isNotFound(err) {
		return classify(err, fmt.Sprintf("deleting parameter %q", name))
	}
	return nil
}

// deleteProperty removes property from the parameter's JSON value. done is false when the
// parameter is left empty and must be deleted as a whole.
func (c *ParameterStoreClient) deleteProperty(ctx context.Context, name, property string) (done bool, err error) {
	cur, err := c.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if isNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, classify(err, fmt.Sprintf("reading parameter %q", name))
	}
	out, found, empty, err := secretdata.DeleteProperty([]byte(aws.ToString(cur.Parameter.Value)), property)
	if err != nil {
		return false, fmt.Errorf("parameter %q: %w", name, err)
	}
	if !found {
		return true, nil
	}
	if empty {
		return false, nil
	}
	_, err = c.ssm.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(string(out)), Type: cur.Parameter.Type, Overwrite: aws.Bool(true),
	})
	return true, classifyIf(err, fmt.Sprintf("writing parameter %q", name))
}

// SecretExists tells whether the parameter prefix+RemoteKey exists, and, with a Property,
// whether its JSON value has the property.
func (c *ParameterStoreClient) SecretExists(ctx context.Context, ref providers.RemoteRef) (bool, error) {
	if err := c.usable(); err != nil {
		return false, err
	}
	value, err := c.value(ctx, c.prefix+ref.RemoteKey)
	if errors.Is(err, providers.ErrSecretNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if ref.Property == "" {
		return true, nil
	}
	_, err = secretdata.GetProperty(value, ref.Property)
	return err == nil, nil
}
