package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	corev1 "k8s.io/api/core/v1"

	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Values of the Secrets Manager metadata field secretPushFormat.
const (
	// PushFormatBinary stores the pushed value as SecretBinary (the default, as upstream).
	PushFormatBinary = "binary"
	// PushFormatString stores it as SecretString, readable in the console and by tools
	// that only read strings.
	PushFormatString = "string"
)

// smPushSpec is the spec of a PushSecret's metadata for Secrets Manager.
type smPushSpec struct {
	// SecretPushFormat is binary (default) or string.
	SecretPushFormat string `json:"secretPushFormat,omitempty"`
	// KMSKeyID encrypts a new secret with this key instead of aws/secretsmanager.
	KMSKeyID string `json:"kmsKeyID,omitempty"`
	// Description is set on the secret.
	Description string `json:"description,omitempty"`
	// Tags are added to the secret, next to managed-by.
	Tags map[string]string `json:"tags,omitempty"`
}

func parseSMMetadata(data providers.PushData) (smPushSpec, map[string]string, error) {
	var spec smPushSpec
	if err := decodeMetadata(data.Metadata, &spec); err != nil {
		return spec, nil, err
	}
	switch spec.SecretPushFormat {
	case "", PushFormatBinary, PushFormatString:
	default:
		return spec, nil, fmt.Errorf("PushSecret metadata: secretPushFormat %q must be %s or %s", spec.SecretPushFormat, PushFormatString, PushFormatBinary)
	}
	tags, err := metadataTags(spec.Tags)
	return spec, tags, err
}

// PushSecret writes the value to the secret prefix+RemoteKey (into its JSON Property when
// set), creating the secret with the tag managed-by=external-secrets, the metadata's tags,
// KMS key and description when it does not exist. An existing secret is changed only if it
// carries that tag (else ErrUnmanaged), only when the value differs, and is restored first
// if it was scheduled for deletion.
func (c *SecretsManagerClient) PushSecret(ctx context.Context, secret *corev1.Secret, data providers.PushData) error {
	if err := c.usable(); err != nil {
		return err
	}
	if data.RemoteKey == "" {
		return errors.New("a remote key (the secret name) is required")
	}
	spec, tags, err := parseSMMetadata(data)
	if err != nil {
		return err
	}
	value, err := pushValue(secret, data.SecretKey)
	if err != nil {
		return err
	}
	defer c.forget()
	name := c.prefix + data.RemoteKey
	desc, err := c.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if isNotFound(err) {
		return c.createSecret(ctx, name, data.Property, value, spec, tags)
	}
	if err != nil {
		return classify(err, fmt.Sprintf("describing secret %q", name))
	}
	if !isManaged(tagMap(desc.Tags)) {
		return fmt.Errorf("secret %q: %w", name, ErrUnmanaged)
	}
	if desc.DeletedDate != nil {
		if _, err := c.sm.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String(name)}); err != nil {
			return classify(err, fmt.Sprintf("restoring secret %q", name))
		}
	}
	if err := c.updateValue(ctx, name, data.Property, value, spec); err != nil {
		return err
	}
	return c.updateMetadata(ctx, name, desc, spec, tags)
}

func isManaged(tags map[string]string) bool { return tags[TagManagedBy] == TagManagedByValue }

func (c *SecretsManagerClient) createSecret(ctx context.Context, name, property string, value []byte, spec smPushSpec, tags map[string]string) error {
	if property != "" {
		doc, err := secretdata.SetProperty(nil, property, value)
		if err != nil {
			return err
		}
		value = doc
	}
	in := &secretsmanager.CreateSecretInput{Name: aws.String(name), Tags: smTags(tags)}
	setPayload(&in.SecretString, &in.SecretBinary, value, spec.SecretPushFormat)
	if spec.KMSKeyID != "" {
		in.KmsKeyId = aws.String(spec.KMSKeyID)
	}
	if spec.Description != "" {
		in.Description = aws.String(spec.Description)
	}
	if _, err := c.sm.CreateSecret(ctx, in); err != nil {
		return classify(err, fmt.Sprintf("creating secret %q", name))
	}
	return nil
}

// setPayload stores value as a string or as binary, as format says.
func setPayload(s **string, b *[]byte, value []byte, format string) {
	if format == PushFormatString {
		*s = aws.String(string(value))
		return
	}
	*b = value
}

// updateValue puts a new version when the value (or its format) differs from the current
// one.
func (c *SecretsManagerClient) updateValue(ctx context.Context, name, property string, value []byte, spec smPushSpec) error {
	cur, err := c.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String(StageCurrent)})
	if err != nil && !isNotFound(err) {
		return classify(err, fmt.Sprintf("reading secret %q", name))
	}
	var current []byte
	wasString := false
	if cur != nil {
		current, wasString = payload(cur.SecretString, cur.SecretBinary), cur.SecretString != nil
	}
	if property != "" {
		if value, err = secretdata.SetProperty(current, property, value); err != nil {
			return fmt.Errorf("secret %q: %w", name, err)
		}
	}
	if cur != nil && bytes.Equal(current, value) && wasString == (spec.SecretPushFormat == PushFormatString) {
		return nil
	}
	in := &secretsmanager.PutSecretValueInput{SecretId: aws.String(name)}
	setPayload(&in.SecretString, &in.SecretBinary, value, spec.SecretPushFormat)
	if _, err := c.sm.PutSecretValue(ctx, in); err != nil {
		return classify(err, fmt.Sprintf("writing secret %q", name))
	}
	return nil
}

// updateMetadata adds the metadata's tags that are missing or differ, and changes the
// description and KMS key when the metadata sets other ones. Tags are never removed: the
// secret may carry tags others rely on.
func (c *SecretsManagerClient) updateMetadata(ctx context.Context, name string, desc *secretsmanager.DescribeSecretOutput, spec smPushSpec, tags map[string]string) error {
	have := tagMap(desc.Tags)
	missing := map[string]string{}
	for k, v := range tags {
		if got, ok := have[k]; !ok || got != v {
			missing[k] = v
		}
	}
	if len(missing) > 0 {
		if _, err := c.sm.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(name), Tags: smTags(missing)}); err != nil {
			return classify(err, fmt.Sprintf("tagging secret %q", name))
		}
	}
	in := &secretsmanager.UpdateSecretInput{SecretId: aws.String(name)}
	changed := false
	if spec.Description != "" && spec.Description != aws.ToString(desc.Description) {
		in.Description, changed = aws.String(spec.Description), true
	}
	if spec.KMSKeyID != "" && spec.KMSKeyID != aws.ToString(desc.KmsKeyId) {
		in.KmsKeyId, changed = aws.String(spec.KMSKeyID), true
	}
	if !changed {
		return nil
	}
	if _, err := c.sm.UpdateSecret(ctx, in); err != nil {
		return classify(err, fmt.Sprintf("updating secret %q", name))
	}
	return nil
}

func smTags(tags map[string]string) []smtypes.Tag {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]smtypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, smtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// DeleteSecret deletes the secret prefix+RemoteKey, or only its JSON Property (the whole
// secret when nothing else is left). The store's secretsManager settings choose between a
// recovery window and immediate deletion. A missing secret, or one already scheduled for
// deletion, is success; a secret without the managed-by tag is refused with ErrUnmanaged.
func (c *SecretsManagerClient) DeleteSecret(ctx context.Context, ref providers.RemoteRef) error {
	if err := c.usable(); err != nil {
		return err
	}
	defer c.forget()
	name := c.prefix + ref.RemoteKey
	desc, err := c.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return classify(err, fmt.Sprintf("describing secret %q", name))
	}
	if desc.DeletedDate != nil {
		return nil
	}
	if !isManaged(tagMap(desc.Tags)) {
		return fmt.Errorf("secret %q: %w", name, ErrUnmanaged)
	}
	if ref.Property != "" {
		done, err := c.deleteProperty(ctx, name, ref.Property)
		if err != nil || done {
			return err
		}
	}
	in := &secretsmanager.DeleteSecretInput{SecretId: aws.String(name)}
	if d := c.deletion; d != nil {
		if d.ForceDeleteWithoutRecovery {
			in.ForceDeleteWithoutRecovery = aws.Bool(true)
		} else if d.RecoveryWindowInDays > 0 {
			in.RecoveryWindowInDays = aws.Int64(d.RecoveryWindowInDays)
		}
	}
	if _, err := c.sm.DeleteSecret(ctx, in); err != nil && !isNotFound(err) {
		return classify(err, fmt.Sprintf("deleting secret %q", name))
	}
	return nil
}

// deleteProperty removes property from the secret's JSON value. done is false when the
// secret is left empty and must be deleted as a whole.
func (c *SecretsManagerClient) deleteProperty(ctx context.Context, name, property string) (done bool, err error) {
	cur, err := c.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String(StageCurrent)})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, classify(err, fmt.Sprintf("reading secret %q", name))
	}
	out, found, empty, err := secretdata.DeleteProperty(payload(cur.SecretString, cur.SecretBinary), property)
	if err != nil {
		return false, fmt.Errorf("secret %q: %w", name, err)
	}
	if !found {
		return true, nil
	}
	if empty {
		return false, nil
	}
	in := &secretsmanager.PutSecretValueInput{SecretId: aws.String(name)}
	if cur.SecretString != nil {
		in.SecretString = aws.String(string(out))
	} else {
		in.SecretBinary = out
	}
	if _, err := c.sm.PutSecretValue(ctx, in); err != nil {
		return false, classify(err, fmt.Sprintf("writing secret %q", name))
	}
	return true, nil
}

// SecretExists tells whether the secret prefix+RemoteKey has a current value, and, with a
// Property, whether that JSON value has the property.
func (c *SecretsManagerClient) SecretExists(ctx context.Context, ref providers.RemoteRef) (bool, error) {
	if err := c.usable(); err != nil {
		return false, err
	}
	name := c.prefix + ref.RemoteKey
	value, err := c.value(ctx, name, "")
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
