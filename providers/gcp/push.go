package gcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	corev1 "k8s.io/api/core/v1"

	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// The label put on every secret PushSecret creates; only secrets carrying it are
// overwritten or deleted.
const (
	LabelManagedBy      = "managed-by"
	LabelManagedByValue = "external-secrets"
)

// ErrUnmanaged means a remote secret exists without the label
// managed-by=external-secrets, so PushSecret refuses to overwrite or delete it. Whoever
// owns it must delete it, or add the label to hand it over.
var ErrUnmanaged = errors.New("the remote secret is not managed by external-secrets (it lacks the label managed-by=external-secrets)")

// PushSecret adds a version with the value (written into the JSON Property of the latest
// version when set) to secret RemoteKey, creating the secret with the label
// managed-by=external-secrets and the metadata's labels, annotations, topics, replication
// and CMEK key when it does not exist. An existing secret is changed only if it carries
// that label (else ErrUnmanaged); a version is added only when the value differs from the
// latest one, and labels, annotations and topics are updated when the metadata asks for
// other ones.
func (c *Client) PushSecret(ctx context.Context, secret *corev1.Secret, data providers.PushData) error {
	if err := c.usable(); err != nil {
		return err
	}
	if data.RemoteKey == "" {
		return errors.New("a remote key (the secret name) is required")
	}
	spec, err := parsePushMetadata(data.Metadata, c.location)
	if err != nil {
		return err
	}
	value, err := pushValue(secret, data.SecretKey)
	if err != nil {
		return err
	}
	c.cache.forget()
	defer c.cache.forget()
	name := c.secretName(data.RemoteKey)
	sec, err := c.sm.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: name})
	var current []byte
	exists := false
	switch {
	case status.Code(err) == codes.NotFound:
		if err := c.create(ctx, data.RemoteKey, spec); err != nil {
			return err
		}
	case err != nil:
		return classify(err, fmt.Sprintf("reading secret %s", name))
	case !isManaged(sec):
		return fmt.Errorf("secret %s: %w", name, ErrUnmanaged)
	default:
		if err := c.updateMetadata(ctx, sec, spec); err != nil {
			return err
		}
		if current, exists, err = c.latest(ctx, data.RemoteKey, data.Property != ""); err != nil {
			return err
		}
	}
	if data.Property != "" {
		if value, err = secretdata.SetProperty(current, data.Property, value); err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
	}
	if exists && bytes.Equal(current, value) {
		return nil
	}
	return c.addVersion(ctx, name, value)
}

// DeleteSecret deletes secret ref.RemoteKey, or only ref.Property of its latest JSON
// version (adding a version without it; the secret goes when nothing is left). Deleting
// what does not exist succeeds; a secret without the managed-by label is refused with
// ErrUnmanaged.
func (c *Client) DeleteSecret(ctx context.Context, ref providers.RemoteRef) error {
	if err := c.usable(); err != nil {
		return err
	}
	c.cache.forget()
	defer c.cache.forget()
	name := c.secretName(ref.RemoteKey)
	sec, err := c.sm.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: name})
	if status.Code(err) == codes.NotFound {
		return nil
	}
	if err != nil {
		return classify(err, fmt.Sprintf("reading secret %s", name))
	}
	if !isManaged(sec) {
		return fmt.Errorf("secret %s: %w", name, ErrUnmanaged)
	}
	if ref.Property != "" {
		current, exists, err := c.latest(ctx, ref.RemoteKey, true)
		if err != nil || !exists {
			return err
		}
		rest, found, empty, err := secretdata.DeleteProperty(current, ref.Property)
		if err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
		if !found {
			return nil
		}
		if !empty {
			return c.addVersion(ctx, name, rest)
		}
	}
	err = c.sm.DeleteSecret(ctx, &secretmanagerpb.DeleteSecretRequest{Name: name, Etag: sec.GetEtag()})
	if err != nil && status.Code(err) != codes.NotFound {
		return classify(err, fmt.Sprintf("deleting secret %s", name))
	}
	return nil
}

// SecretExists tells whether secret ref.RemoteKey exists or, with ref.Property, whether
// its latest version is a JSON object with that property.
func (c *Client) SecretExists(ctx context.Context, ref providers.RemoteRef) (bool, error) {
	if err := c.usable(); err != nil {
		return false, err
	}
	name := c.secretName(ref.RemoteKey)
	if ref.Property == "" {
		_, err := c.sm.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: name})
		if status.Code(err) == codes.NotFound {
			return false, nil
		}
		if err != nil {
			return false, classify(err, fmt.Sprintf("reading secret %s", name))
		}
		return true, nil
	}
	value, err := c.access(ctx, ref.RemoteKey, "")
	if err == nil {
		_, err = secretdata.GetProperty(value, ref.Property)
	}
	if errors.Is(err, providers.ErrSecretNotFound) {
		return false, nil
	}
	return err == nil, err
}

func isManaged(sec *secretmanagerpb.Secret) bool {
	return sec.GetLabels()[LabelManagedBy] == LabelManagedByValue
}

// latest returns the payload of the latest version; exists is false when there is none.
// A disabled or destroyed latest version counts as none for a whole-value write (the new
// version replaces it), but is an error when a property must be merged into it, unless
// LatestOrFetch supplies the newest enabled version.
func (c *Client) latest(ctx context.Context, key string, merging bool) (value []byte, exists bool, err error) {
	value, err = c.access(ctx, key, "")
	switch {
	case err == nil:
		return value, true, nil
	case errors.Is(err, providers.ErrSecretNotFound), !merging && isUnusableVersion(err):
		return nil, false, nil
	default:
		return nil, false, err
	}
}

func (c *Client) addVersion(ctx context.Context, name string, value []byte) error {
	sum := int64(crc32.Checksum(value, crc32c))
	_, err := c.sm.AddSecretVersion(ctx, &secretmanagerpb.AddSecretVersionRequest{
		Parent:  name,
		Payload: &secretmanagerpb.SecretPayload{Data: value, DataCrc32C: &sum},
	})
	if err != nil {
		return classify(err, fmt.Sprintf("adding a version to secret %s", name))
	}
	return nil
}

// create makes the secret with the managed-by label and the metadata's settings. Global
// secrets are replicated automatically, or to replicationLocation; regional secrets have
// no replication.
func (c *Client) create(ctx context.Context, key string, spec pushSpec) error {
	sec := &secretmanagerpb.Secret{
		Labels:      spec.labels(nil),
		Annotations: spec.Annotations,
		Topics:      topics(spec.Topics),
	}
	var cmek *secretmanagerpb.CustomerManagedEncryption
	if spec.CMEKKeyName != "" {
		cmek = &secretmanagerpb.CustomerManagedEncryption{KmsKeyName: spec.CMEKKeyName}
	}
	switch {
	case c.location != "":
		sec.CustomerManagedEncryption = cmek
	case spec.ReplicationLocation != "":
		sec.Replication = &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_UserManaged_{
			UserManaged: &secretmanagerpb.Replication_UserManaged{Replicas: []*secretmanagerpb.Replication_UserManaged_Replica{
				{Location: spec.ReplicationLocation, CustomerManagedEncryption: cmek},
			}},
		}}
	default:
		sec.Replication = &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{
			Automatic: &secretmanagerpb.Replication_Automatic{CustomerManagedEncryption: cmek},
		}}
	}
	_, err := c.sm.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{Parent: c.parent(), SecretId: key, Secret: sec})
	if err != nil {
		return classify(err, fmt.Sprintf("creating secret %s", c.secretName(key)))
	}
	return nil
}

// updateMetadata applies the metadata's labels, annotations and topics to an existing
// secret when they differ, guarded by the secret's etag. Without metadata nothing changes.
func (c *Client) updateMetadata(ctx context.Context, sec *secretmanagerpb.Secret, spec pushSpec) error {
	if !spec.set {
		return nil
	}
	want := &secretmanagerpb.Secret{
		Name:        sec.GetName(),
		Etag:        sec.GetEtag(),
		Labels:      spec.labels(sec.GetLabels()),
		Annotations: spec.annotations(sec.GetAnnotations()),
		Topics:      topics(spec.topics(topicNames(sec.GetTopics()))),
	}
	var paths []string
	if !maps.Equal(want.Labels, sec.GetLabels()) {
		paths = append(paths, "labels")
	}
	if !maps.Equal(want.Annotations, sec.GetAnnotations()) {
		paths = append(paths, "annotations")
	}
	if !slices.Equal(topicNames(want.Topics), topicNames(sec.GetTopics())) {
		paths = append(paths, "topics")
	}
	if len(paths) == 0 {
		return nil
	}
	_, err := c.sm.UpdateSecret(ctx, &secretmanagerpb.UpdateSecretRequest{Secret: want, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
	if err != nil {
		return classify(err, fmt.Sprintf("updating the metadata of secret %s", sec.GetName()))
	}
	return nil
}

func topics(names []string) []*secretmanagerpb.Topic {
	var out []*secretmanagerpb.Topic
	for _, n := range names {
		out = append(out, &secretmanagerpb.Topic{Name: n})
	}
	return out
}

func topicNames(ts []*secretmanagerpb.Topic) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.GetName())
	}
	return out
}

// pushValue is what a PushSecret writes: the value of key in the source Secret, or, with no
// key, the whole Secret as a JSON object of strings.
func pushValue(secret *corev1.Secret, key string) ([]byte, error) {
	if key != "" {
		v, ok := secret.Data[key]
		if !ok {
			return nil, fmt.Errorf("key %q not found in Secret %s/%s", key, secret.Namespace, secret.Name)
		}
		return v, nil
	}
	m := make(map[string]string, len(secret.Data))
	for k, v := range secret.Data {
		m[k] = string(v)
	}
	return secretdata.MarshalJSON(m)
}
