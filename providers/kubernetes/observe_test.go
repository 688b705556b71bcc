package kubernetes

import "testing"

func TestCallName(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"GET", "/api/v1/namespaces/ns/secrets/db", "GetSecret"},
		{"GET", "/api/v1/namespaces/ns/secrets", "ListSecrets"},
		{"POST", "/api/v1/namespaces/ns/secrets", "CreateSecret"},
		{"PUT", "/api/v1/namespaces/ns/secrets/db", "UpdateSecret"},
		{"DELETE", "/api/v1/namespaces/ns/secrets/db", "DeleteSecret"},
		{"POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", "CreateSelfSubjectRulesReview"},
		{"POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "CreateSelfSubjectAccessReview"},
		{"GET", "/version", "GET"},
	}
	for _, tt := range tests {
		if got := callName(tt.method, tt.path); got != tt.want {
			t.Errorf("%s %s: got %s want %s", tt.method, tt.path, got, tt.want)
		}
	}
}
