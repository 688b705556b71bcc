// Package v1 holds the reference types that every external-secrets API group shares: pointers
// to keys of Kubernetes Secrets and to ServiceAccounts. They live apart from any one group so
// that stores, generators and push secrets spell a credential reference the same way.
// +kubebuilder:object:generate=true
package v1
