package template

import (
	"bytes"
	"context"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// AnnotationLastApplied is kubectl's copy of the last applied manifest. It is never copied
// from an ExternalSecret to its Secret: it describes the ExternalSecret, would make
// `kubectl apply` diffs of the Secret wrong, and can be large (contract §17.11).
const AnnotationLastApplied = corev1.LastAppliedConfigAnnotation

// Sources reads the ConfigMaps and Secrets that templateFrom refers to. They are
// always in the ExternalSecret's namespace, so the implementation is bound to it; it decides
// whether reads are cached (ConfigMaps only with --enable-configmaps-caching).
type Sources interface {
	// ConfigMap returns the data of the named ConfigMap.
	ConfigMap(ctx context.Context, name string) (map[string]string, error)
	// Secret returns the data of the named Secret.
	Secret(ctx context.Context, name string) (map[string][]byte, error)
}

// ApplyInput is what Apply needs to build a target Secret.
type ApplyInput struct {
	// Secret is the Secret to write: the existing one (its foreign keys kept under the Merge
	// creation policies) or a new one. Apply changes it only when it succeeds.
	Secret *corev1.Secret
	// Template is target.template; nil when the ExternalSecret has none.
	Template *esv1.ExternalSecretTemplate
	// Data is the final provider data (data and dataFrom after rewrite, conversion and
	// decoding); it is also the templates' data.
	Data map[string][]byte
	// ESLabels and ESAnnotations are the ExternalSecret's own metadata, copied to the Secret
	// when there is no template.
	ESLabels, ESAnnotations map[string]string
	// CreationPolicy is target.creationPolicy: Merge and CreateOrMerge keep the Secret's
	// existing data, the others start from nothing.
	CreationPolicy esv1.ExternalSecretCreationPolicy
	// Sources reads templateFrom ConfigMaps and Secrets; it may be nil when no templateFrom
	// refers to one.
	Sources Sources
	// Namespace is the ExternalSecret's namespace, named in errors about templateFrom
	// sources.
	Namespace string
}

// Apply builds the target Secret from the provider data and the template, in the order of
// contract §10.4:
//
//  1. re-check the privileged-template rules (ValidateTemplate) and the engine version;
//  2. metadata: without a template, copy the ExternalSecret's labels and annotations (except
//     AnnotationLastApplied); with one, add template.metadata.finalizers (unless the Secret
//     is being deleted);
//  3. unless creationPolicy is Merge or CreateOrMerge, start from empty data;
//  4. without a template, copy the provider data and stop;
//  5. set template.type when given;
//  6. copy the provider data when mergePolicy is Merge or the template has neither data nor
//     templateFrom;
//  7. apply templateFrom in order (per item its configMap, then secret, then literal);
//  8. apply template.data;
//  9. render template.metadata.labels, then template.metadata.annotations.
//
// So for a data key, template.data wins over templateFrom (later items over earlier ones),
// which wins over provider data, which wins over the Secret's existing keys. Labels and
// annotations that an earlier sync wrote are removed by the caller first.
//
// Errors never contain a provider value. On error the Secret is left as it was.
func (e *Engine) Apply(ctx context.Context, in ApplyInput) error {
	t := in.Template
	if t != nil {
		if err := validateForApply(t, in.Secret.Type); err != nil {
			return err
		}
	}
	s := in.Secret.DeepCopy()
	applyMetadata(s, in)
	if s.Data == nil || !keepsExistingData(in.CreationPolicy) {
		s.Data = map[string][]byte{}
	}
	if t == nil {
		copyData(s, in.Data)
		*in.Secret = *s
		return nil
	}
	if t.Type != "" {
		s.Type = t.Type
	}
	if t.MergePolicy == esv1.MergePolicyMerge || (len(t.Data) == 0 && len(t.TemplateFrom) == 0) {
		copyData(s, in.Data)
	}
	r := &renderer{engine: e, secret: s, data: asStrings(in.Data), sources: in.Sources, namespace: in.Namespace}
	if err := r.render(ctx, t); err != nil {
		return err
	}
	*in.Secret = *s
	return nil
}

// keepsExistingData reports whether the creation policy merges into the Secret's data.
func keepsExistingData(p esv1.ExternalSecretCreationPolicy) bool {
	return p == esv1.CreatePolicyMerge || p == esv1.CreatePolicyCreateOrMerge
}

// applyMetadata is step 2 of Apply.
func applyMetadata(s *corev1.Secret, in ApplyInput) {
	if in.Template == nil {
		for k, v := range in.ESLabels {
			s.Labels = setString(s.Labels, k, v)
		}
		for k, v := range in.ESAnnotations {
			if k != AnnotationLastApplied {
				s.Annotations = setString(s.Annotations, k, v)
			}
		}
		return
	}
	if s.DeletionTimestamp != nil {
		return
	}
	for _, f := range in.Template.Metadata.Finalizers {
		if !slices.Contains(s.Finalizers, f) {
			s.Finalizers = append(s.Finalizers, f)
		}
	}
}

func setString(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// copyData copies the provider data into the Secret (cloned: the Secret must not share
// memory with the provider client's cache).
func copyData(s *corev1.Secret, data map[string][]byte) {
	for k, v := range data {
		s.Data[k] = bytes.Clone(v)
	}
}

// asStrings is the templates' data: the provider data with values as Go strings (binary
// values are kept byte for byte).
func asStrings(data map[string][]byte) map[string]string {
	out := make(map[string]string, len(data))
	for k, v := range data {
		out[k] = string(v)
	}
	return out
}

// sortedKeys makes rendering, and so the first error reported, deterministic.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
