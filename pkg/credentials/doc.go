// Package credentials reads the credentials a SecretStore or ClusterSecretStore references
// (Secret keys, CA bundles, ServiceAccount tokens) with the same namespace rules for every
// provider, so that no provider can get "referent authentication" subtly wrong.
//
// # Which namespace a reference is read from
//
//   - A SecretStore always reads from its own namespace. A namespace written in the reference
//     is ignored, so a tenant cannot point a store at another tenant's Secret. (Admission
//     rejects such a namespace anyway; see ValidateReferenceNamespace.)
//   - A ClusterSecretStore reads from the namespace written in the reference when it is set.
//     When it is not, the reference is resolved in the namespace of the object being
//     reconciled, usually an ExternalSecret ("referent authentication").
//   - When that namespace is unknown too (the store controller validating a
//     ClusterSecretStore), the functions return an error wrapping ErrReferentNamespace so the
//     provider can report ValidationResultUnknown instead of a broken store.
//
// Errors name the object and key they could not read; they never contain a value.
package credentials
