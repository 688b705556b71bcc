package aws

import (
	"bytes"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
)

// PushSecret metadata is written, as upstream defines it, as
//
//	apiVersion: kubernetes.external-secrets.io/v1alpha1
//	kind: PushSecretMetadata
//	spec: {...}
//
// with a spec that depends on the service (see smPushSpec and psPushSpec).
const (
	metadataAPIVersion = "kubernetes.external-secrets.io/v1alpha1"
	metadataKind       = "PushSecretMetadata"
)

// decodeMetadata reads a PushSecret's metadata into spec. Unknown fields are refused, so a
// misspelt option is an error rather than silently ignored.
func decodeMetadata(raw *apiextensionsv1.JSON, spec any) error {
	if raw == nil || len(raw.Raw) == 0 {
		return nil
	}
	var envelope struct {
		APIVersion string          `json:"apiVersion"`
		Kind       string          `json:"kind"`
		Spec       json.RawMessage `json:"spec"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw.Raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&envelope); err != nil {
		return fmt.Errorf("PushSecret metadata: %w", err)
	}
	if envelope.Kind != "" && envelope.Kind != metadataKind {
		return fmt.Errorf("PushSecret metadata: kind %q is not %s", envelope.Kind, metadataKind)
	}
	if envelope.APIVersion != "" && envelope.APIVersion != metadataAPIVersion {
		return fmt.Errorf("PushSecret metadata: apiVersion %q is not %s", envelope.APIVersion, metadataAPIVersion)
	}
	if len(envelope.Spec) == 0 {
		return nil
	}
	dec = json.NewDecoder(bytes.NewReader(envelope.Spec))
	dec.DisallowUnknownFields()
	if err := dec.Decode(spec); err != nil {
		return fmt.Errorf("PushSecret metadata spec: %w", err)
	}
	return nil
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

// metadataTags returns the managed-by tag plus the tags a PushSecret asks for. A tag
// managed-by with another value is refused, since the secret could then never be updated.
func metadataTags(tags map[string]string) (map[string]string, error) {
	if v, ok := tags[TagManagedBy]; ok && v != TagManagedByValue {
		return nil, fmt.Errorf("PushSecret metadata: tag %s is reserved (it must stay %q)", TagManagedBy, TagManagedByValue)
	}
	out := make(map[string]string, len(tags)+1)
	for k, v := range tags {
		out[k] = v
	}
	out[TagManagedBy] = TagManagedByValue
	return out, nil
}
