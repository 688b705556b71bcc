package gcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// PushSecret metadata is written, as upstream defines it, as
//
//	apiVersion: kubernetes.external-secrets.io/v1alpha1
//	kind: PushSecretMetadata
//	spec: {labels, annotations, topics, mergePolicy, cmekKeyName, replicationLocation}
const (
	metadataAPIVersion = "kubernetes.external-secrets.io/v1alpha1"
	metadataKind       = "PushSecretMetadata"
)

// Merge policies of the metadata's labels, annotations and topics.
const (
	// MergePolicyReplace (the default) makes the secret's labels, annotations and topics
	// exactly the metadata's (plus the managed-by label).
	MergePolicyReplace = "Replace"
	// MergePolicyMerge adds the metadata's to those the secret already has.
	MergePolicyMerge = "Merge"
)

// pushSpec is the spec of a PushSecret's metadata for Secret Manager.
type pushSpec struct {
	Labels              map[string]string `json:"labels,omitempty"`
	Annotations         map[string]string `json:"annotations,omitempty"`
	Topics              []string          `json:"topics,omitempty"`
	MergePolicy         string            `json:"mergePolicy,omitempty"`
	CMEKKeyName         string            `json:"cmekKeyName,omitempty"`
	ReplicationLocation string            `json:"replicationLocation,omitempty"`
	// set is true when the PushSecret has metadata at all.
	set bool
}

// parsePushMetadata reads a PushSecret's metadata. Unknown fields are refused, so a
// misspelt option is an error rather than silently ignored.
func parsePushMetadata(raw *apiextensionsv1.JSON, location string) (pushSpec, error) {
	var spec pushSpec
	if raw == nil || len(raw.Raw) == 0 {
		return spec, nil
	}
	var envelope struct {
		APIVersion string          `json:"apiVersion"`
		Kind       string          `json:"kind"`
		Spec       json.RawMessage `json:"spec"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw.Raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&envelope); err != nil {
		return spec, fmt.Errorf("PushSecret metadata: %w", err)
	}
	if envelope.Kind != "" && envelope.Kind != metadataKind {
		return spec, fmt.Errorf("PushSecret metadata: kind %q is not %s", envelope.Kind, metadataKind)
	}
	if envelope.APIVersion != "" && envelope.APIVersion != metadataAPIVersion {
		return spec, fmt.Errorf("PushSecret metadata: apiVersion %q is not %s", envelope.APIVersion, metadataAPIVersion)
	}
	if len(envelope.Spec) > 0 {
		dec = json.NewDecoder(bytes.NewReader(envelope.Spec))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&spec); err != nil {
			return spec, fmt.Errorf("PushSecret metadata spec: %w", err)
		}
	}
	spec.set = true
	switch spec.MergePolicy {
	case "", MergePolicyReplace, MergePolicyMerge:
	default:
		return spec, fmt.Errorf("PushSecret metadata: mergePolicy %q must be %s or %s", spec.MergePolicy, MergePolicyReplace, MergePolicyMerge)
	}
	if v, ok := spec.Labels[LabelManagedBy]; ok && v != LabelManagedByValue {
		return spec, fmt.Errorf("PushSecret metadata: label %s is reserved (it must stay %q)", LabelManagedBy, LabelManagedByValue)
	}
	if spec.ReplicationLocation != "" && location != "" {
		return spec, errors.New("PushSecret metadata: replicationLocation applies to global secrets only; this store uses regional secrets in its location")
	}
	return spec, nil
}

func (s pushSpec) merge() bool { return s.MergePolicy == MergePolicyMerge }

// labels are the labels the secret must carry, given those it has.
func (s pushSpec) labels(have map[string]string) map[string]string {
	out := map[string]string{}
	if s.merge() {
		maps.Copy(out, have)
	}
	maps.Copy(out, s.Labels)
	out[LabelManagedBy] = LabelManagedByValue
	return out
}

// annotations are the annotations the secret must carry, given those it has.
func (s pushSpec) annotations(have map[string]string) map[string]string {
	out := map[string]string{}
	if s.merge() {
		maps.Copy(out, have)
	}
	maps.Copy(out, s.Annotations)
	if len(out) == 0 {
		return nil
	}
	return out
}

// topics are the Pub/Sub topics the secret must notify, given those it has.
func (s pushSpec) topics(have []string) []string {
	var out []string
	if s.merge() {
		out = append(out, have...)
	}
	for _, t := range s.Topics {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
