// Package apis holds the project's API groups in its subpackages. Its own tests check the
// generated CRDs against a real apiserver: that the manifests our users already have apply
// unchanged, that invalid objects are rejected with a useful message, and that kubectl shows
// the documented columns and field descriptions.
package apis
