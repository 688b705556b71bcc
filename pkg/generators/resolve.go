package generators

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
)

// ErrInvalidRef marks a generatorRef that can never work (wrong group, unknown kind, a
// ClusterGenerator without the spec of its kind): the user must change the reference.
var ErrInvalidRef = errors.New("invalid generatorRef")

// Resolved is a generator object ready to run.
type Resolved struct {
	// Kind is the generator kind that runs (for a ClusterGenerator, the wrapped kind).
	Kind string
	// Name is the referenced object's name.
	Name string
	// Manifest is the generator object as JSON: apiVersion, kind, metadata and spec.
	Manifest *apiextensionsv1.JSON
	// Controller is spec.controller of the generator, for controller-class filtering.
	Controller string
}

// Resolve reads the generator ref names, as seen from namespace. A ClusterGenerator becomes a
// virtual object of its wrapped kind in namespace, so that credentials it references resolve
// in the ExternalSecret's namespace.
func Resolve(ctx context.Context, kube client.Reader, ref esv1.GeneratorRef, namespace string) (*Resolved, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if ref.APIVersion == "" {
		gv, err = genv1alpha1.GroupVersion, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: generatorRef has invalid APIVersion: %w", ErrInvalidRef, err)
	}
	if gv.Group != genv1alpha1.GroupVersion.Group {
		return nil, fmt.Errorf("%w: generatorRef may only reference the generators group, but got %s", ErrInvalidRef, gv.Group)
	}
	if !knownKind(ref.Kind) {
		return nil, fmt.Errorf("%w: generatorRef references unknown GVK %s", ErrInvalidRef, gv.WithKind(ref.Kind))
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gv.WithKind(ref.Kind))
	key := client.ObjectKey{Namespace: namespace, Name: ref.Name}
	if ref.Kind == genv1alpha1.ClusterGeneratorKind {
		key.Namespace = ""
	}
	if err := kube.Get(ctx, key, obj); err != nil {
		return nil, fmt.Errorf("could not get %s %q: %w", ref.Kind, ref.Name, err)
	}
	if ref.Kind == genv1alpha1.ClusterGeneratorKind {
		return unwrapCluster(obj, namespace)
	}
	return toResolved(ref.Kind, obj)
}

func knownKind(kind string) bool {
	if kind == genv1alpha1.ClusterGeneratorKind {
		return true
	}
	for _, k := range genv1alpha1.GeneratorKinds() {
		if k == kind {
			return true
		}
	}
	return false
}

// clusterSpecFields names the field of ClusterGenerator.spec.generator that holds each kind's spec.
var clusterSpecFields = map[string]string{
	genv1alpha1.PasswordKind:              "passwordSpec",
	genv1alpha1.UUIDKind:                  "uuidSpec",
	genv1alpha1.FakeKind:                  "fakeSpec",
	genv1alpha1.ECRAuthorizationTokenKind: "ecrAuthorizationTokenSpec",
	genv1alpha1.GCRAccessTokenKind:        "gcrAccessTokenSpec",
	genv1alpha1.VaultDynamicSecretKind:    "vaultDynamicSecretSpec",
	genv1alpha1.WebhookKind:               "webhookSpec",
}

// unwrapCluster turns a ClusterGenerator into the namespaced kind it wraps.
func unwrapCluster(obj *unstructured.Unstructured, namespace string) (*Resolved, error) {
	kind, _, _ := unstructured.NestedString(obj.Object, "spec", "kind")
	field, ok := clusterSpecFields[kind]
	if !ok {
		return nil, fmt.Errorf("%w: ClusterGenerator %q: unknown kind %q", ErrInvalidRef, obj.GetName(), kind)
	}
	spec, found, err := unstructured.NestedMap(obj.Object, "spec", "generator", field)
	if err != nil || !found {
		return nil, fmt.Errorf("%w: ClusterGenerator %q: when kind is %s, %s must be set", ErrInvalidRef, obj.GetName(), kind, field)
	}
	virtual := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	virtual.SetAPIVersion(genv1alpha1.GroupVersion.String())
	virtual.SetKind(kind)
	virtual.SetName(obj.GetName())
	virtual.SetNamespace(namespace)
	return toResolved(kind, virtual)
}

func toResolved(kind string, obj *unstructured.Unstructured) (*Resolved, error) {
	raw, err := json.Marshal(obj.Object)
	if err != nil {
		return nil, err
	}
	controller, _, _ := unstructured.NestedString(obj.Object, "spec", "controller")
	return &Resolved{Kind: kind, Name: obj.GetName(), Manifest: &apiextensionsv1.JSON{Raw: raw}, Controller: controller}, nil
}

// Spec decodes the spec of a generator manifest into T, for the generator implementations.
func Spec[T any](obj *apiextensionsv1.JSON) (*T, error) {
	var m struct {
		Spec T `json:"spec"`
	}
	if obj == nil {
		return nil, errors.New("no generator manifest")
	}
	if err := json.Unmarshal(obj.Raw, &m); err != nil {
		return nil, fmt.Errorf("decoding the generator spec: %w", err)
	}
	return &m.Spec, nil
}
