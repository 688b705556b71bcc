package aws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
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
	return marshalJSON(m)
}

// marshalJSON encodes without HTML escaping, so that values keep their characters.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// parseDocument parses a JSON object, keeping numbers as written. An empty document is an
// empty object. The error never quotes the document.
func parseDocument(doc []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(bytes.TrimSpace(doc)) == 0 {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, errors.New("the remote value is not a JSON object, so a property cannot be set in it")
	}
	return m, nil
}

// propertyPath resolves property in m the way reads do: a top-level key that contains dots
// wins over the nested path.
func propertyPath(m map[string]any, property string) []string {
	if _, ok := m[property]; ok || !strings.Contains(property, ".") {
		return []string{property}
	}
	return strings.Split(property, ".")
}

// setProperty stores value as a string at property in the JSON object doc, creating the
// objects on the way.
func setProperty(doc []byte, property string, value []byte) ([]byte, error) {
	root, err := parseDocument(doc)
	if err != nil {
		return nil, err
	}
	path := propertyPath(root, property)
	obj := root
	for _, p := range path[:len(path)-1] {
		next, ok := obj[p]
		if !ok {
			child := map[string]any{}
			obj[p], obj = child, child
			continue
		}
		child, ok := next.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("property %q: %q is not a JSON object", property, p)
		}
		obj = child
	}
	obj[path[len(path)-1]] = string(value)
	return marshalJSON(root)
}

// deleteProperty removes property from the JSON object doc. found is false when it was not
// there; empty is true when nothing is left.
func deleteProperty(doc []byte, property string) (out []byte, found, empty bool, err error) {
	root, err := parseDocument(doc)
	if err != nil {
		return nil, false, false, err
	}
	path := propertyPath(root, property)
	obj := root
	for _, p := range path[:len(path)-1] {
		child, ok := obj[p].(map[string]any)
		if !ok {
			return doc, false, len(root) == 0, nil
		}
		obj = child
	}
	leaf := path[len(path)-1]
	if _, ok := obj[leaf]; !ok {
		return doc, false, len(root) == 0, nil
	}
	delete(obj, leaf)
	out, err = marshalJSON(root)
	return out, true, len(root) == 0, err
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
