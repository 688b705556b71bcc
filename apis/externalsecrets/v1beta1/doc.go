// Package v1beta1 names the deprecated external-secrets.io/v1beta1 version. It has no Go types
// of its own on purpose: the CRDs serve v1beta1 with exactly the v1 schema (conversion None),
// so manifests written for older releases apply unchanged while every controller reads and
// writes v1 only. hack/crd-versions copies the v1 schema into the v1beta1 stanza of each CRD.
package v1beta1

import "k8s.io/apimachinery/pkg/runtime/schema"

// GroupVersion lets clients and tests address objects at the deprecated version.
var GroupVersion = schema.GroupVersion{Group: "external-secrets.io", Version: "v1beta1"}

// Kinds lists the kinds served at v1beta1; every other kind of the group exists at v1 or
// v1alpha1 only.
var Kinds = []string{"ExternalSecret", "ClusterExternalSecret", "SecretStore", "ClusterSecretStore"}
