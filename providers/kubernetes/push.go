package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seedb5e69c69/external-secrets/providers"
)

// Remote Secrets written by PushSecret carry this label. Only Secrets with it are updated or
// deleted, so a PushSecret can never clobber a Secret someone else owns.
const (
	// LabelManagedBy is the well-known Kubernetes label naming the tool managing an object.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// LabelManagedByValue is LabelManagedBy's value on Secrets this provider writes.
	LabelManagedByValue = "external-secrets"
)

// ErrUnmanaged means a remote Secret exists without the managed-by label, so PushSecret
// refuses to change or delete it. Whoever owns it must remove it or add the label.
var ErrUnmanaged = errors.New("the remote Secret is not managed by external-secrets")

// pushMetadata is the PushSecret metadata this provider understands:
//
//	apiVersion: kubernetes.external-secrets.io/v1alpha1
//	kind: PushSecretMetadata
//	spec: {labels: {...}, annotations: {...}}
type pushMetadata struct {
	Spec struct {
		Labels          map[string]string `json:"labels,omitempty"`
		Annotations     map[string]string `json:"annotations,omitempty"`
		RemoteNamespace string            `json:"remoteNamespace,omitempty"`
	} `json:"spec"`
}

// PushSecret writes to the Secret data.RemoteKey of the remote namespace, creating it with
// the managed-by label when it does not exist. With a secretKey, the value is stored under
// data[property] (a property is then required: it is the remote key name). Without a
// secretKey the whole source Secret is pushed: all its keys, or their JSON object under
// data[property] when a property is set. Labels and annotations from the metadata are merged
// in. An existing Secret without the managed-by label is left alone (ErrUnmanaged).
func (c *Client) PushSecret(ctx context.Context, secret *corev1.Secret, data providers.PushData) error {
	if err := c.usable(); err != nil {
		return err
	}
	if data.RemoteKey == "" {
		return errors.New("a remote key (the Secret name) is required")
	}
	meta, err := parsePushMetadata(data.Metadata)
	if err != nil {
		return err
	}
	values, err := pushValues(secret, data)
	if err != nil {
		return err
	}
	secrets := c.core.Secrets(c.namespace)
	remote, err := secrets.Get(ctx, data.RemoteKey, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		remote = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: data.RemoteKey, Namespace: c.namespace}}
		if data.SecretKey == "" && data.Property == "" && secret.Type != "" {
			remote.Type = secret.Type
		}
		applyPush(remote, values, meta)
		_, err = secrets.Create(ctx, remote, metav1.CreateOptions{})
		return pushError("creating", c.namespace, data.RemoteKey, err)
	}
	if err != nil {
		return apiError(fmt.Sprintf("reading Secret %s/%s", c.namespace, data.RemoteKey), err)
	}
	if !isManaged(remote) {
		return unmanaged(c.namespace, data.RemoteKey)
	}
	before := remote.DeepCopy()
	applyPush(remote, values, meta)
	if equalSecrets(before, remote) {
		return nil
	}
	_, err = secrets.Update(ctx, remote, metav1.UpdateOptions{})
	return pushError("updating", c.namespace, data.RemoteKey, err)
}

// DeleteSecret deletes the remote Secret, or only its key ref.Property; removing the last key
// deletes the Secret. Deleting what does not exist succeeds; an unmanaged Secret is refused.
func (c *Client) DeleteSecret(ctx context.Context, ref providers.RemoteRef) error {
	if err := c.usable(); err != nil {
		return err
	}
	secrets := c.core.Secrets(c.namespace)
	remote, err := secrets.Get(ctx, ref.RemoteKey, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return apiError(fmt.Sprintf("reading Secret %s/%s", c.namespace, ref.RemoteKey), err)
	}
	if !isManaged(remote) {
		return unmanaged(c.namespace, ref.RemoteKey)
	}
	if ref.Property != "" {
		if _, ok := remote.Data[ref.Property]; !ok {
			return nil
		}
		delete(remote.Data, ref.Property)
		if len(remote.Data) > 0 {
			_, err = secrets.Update(ctx, remote, metav1.UpdateOptions{})
			return pushError("updating", c.namespace, ref.RemoteKey, err)
		}
	}
	err = secrets.Delete(ctx, ref.RemoteKey, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &remote.UID, ResourceVersion: &remote.ResourceVersion},
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return pushError("deleting", c.namespace, ref.RemoteKey, err)
}

// SecretExists tells whether the remote Secret exists and, with ref.Property, has that key.
func (c *Client) SecretExists(ctx context.Context, ref providers.RemoteRef) (bool, error) {
	if err := c.usable(); err != nil {
		return false, err
	}
	remote, err := c.core.Secrets(c.namespace).Get(ctx, ref.RemoteKey, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, apiError(fmt.Sprintf("reading Secret %s/%s", c.namespace, ref.RemoteKey), err)
	}
	if ref.Property == "" {
		return true, nil
	}
	_, ok := remote.Data[ref.Property]
	return ok, nil
}

// pushValues computes the data keys a push sets.
func pushValues(secret *corev1.Secret, data providers.PushData) (map[string][]byte, error) {
	if secret == nil {
		return nil, errors.New("no source Secret to push")
	}
	if data.SecretKey != "" {
		if data.Property == "" {
			return nil, fmt.Errorf("pushing key %q needs a property: the key name in the remote Secret", data.SecretKey)
		}
		v, ok := secret.Data[data.SecretKey]
		if !ok {
			return nil, fmt.Errorf("key %q not found in Secret %s/%s", data.SecretKey, secret.Namespace, secret.Name)
		}
		return map[string][]byte{data.Property: v}, nil
	}
	if data.Property == "" {
		return maps.Clone(secret.Data), nil
	}
	whole, err := json.Marshal(stringMap(secret.Data))
	if err != nil {
		return nil, err
	}
	return map[string][]byte{data.Property: whole}, nil
}

// applyPush sets values, the managed-by label and the metadata's labels and annotations.
func applyPush(remote *corev1.Secret, values map[string][]byte, meta pushMetadata) {
	if remote.Data == nil {
		remote.Data = map[string][]byte{}
	}
	maps.Copy(remote.Data, values)
	if remote.Labels == nil {
		remote.Labels = map[string]string{}
	}
	maps.Copy(remote.Labels, meta.Spec.Labels)
	remote.Labels[LabelManagedBy] = LabelManagedByValue
	if len(meta.Spec.Annotations) > 0 {
		if remote.Annotations == nil {
			remote.Annotations = map[string]string{}
		}
		maps.Copy(remote.Annotations, meta.Spec.Annotations)
	}
}

// parsePushMetadata reads the PushSecret metadata. remoteNamespace is refused: DeleteSecret
// receives no metadata, so a Secret pushed elsewhere could never be cleaned up.
func parsePushMetadata(raw *apiextensionsv1.JSON) (pushMetadata, error) {
	var meta pushMetadata
	if raw == nil || len(raw.Raw) == 0 {
		return meta, nil
	}
	if err := json.Unmarshal(raw.Raw, &meta); err != nil {
		return meta, fmt.Errorf("PushSecret metadata is not a kubernetes PushSecretMetadata: %w", err)
	}
	if meta.Spec.RemoteNamespace != "" {
		return meta, fmt.Errorf("PushSecret metadata remoteNamespace is not supported, set remoteNamespace on the store: %w", providers.ErrNotSupported)
	}
	return meta, nil
}

func isManaged(s *corev1.Secret) bool {
	return s.Labels[LabelManagedBy] == LabelManagedByValue
}

func unmanaged(ns, name string) error {
	return fmt.Errorf("secret %s/%s: %w (label %s=%s missing)", ns, name, ErrUnmanaged, LabelManagedBy, LabelManagedByValue)
}

func equalSecrets(a, b *corev1.Secret) bool {
	return maps.EqualFunc(a.Data, b.Data, func(x, y []byte) bool { return string(x) == string(y) }) &&
		maps.Equal(a.Labels, b.Labels) && maps.Equal(a.Annotations, b.Annotations)
}

func pushError(verb, ns, name string, err error) error {
	if err == nil {
		return nil
	}
	return apiError(fmt.Sprintf("%s Secret %s/%s", verb, ns, name), err)
}
