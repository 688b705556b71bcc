package apis_test

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// TestCRDValidation_rejectsInvalidObjects checks the rules the CRDs enforce on their own, so a
// bad object is refused with a readable message even where no admission webhook runs. Each
// case is tried at v1 and at the deprecated v1beta1, which share one schema.
func TestCRDValidation_rejectsInvalidObjects(t *testing.T) {
	ns := env.Namespace(t)
	cases := []struct {
		name    string
		object  string
		message string
	}{
		{
			name: "a store with two providers",
			object: `{"kind":"SecretStore","metadata":{"name":"two"},"spec":{"provider":{
			  "fake":{"data":[]},"kubernetes":{"auth":{"token":{"bearerToken":{"name":"t","key":"k"}}}}}}}`,
			message: "exactly one",
		},
		{
			name:    "a store with no provider",
			object:  `{"kind":"SecretStore","metadata":{"name":"none"},"spec":{"provider":{}}}`,
			message: "exactly one",
		},
		{
			name: "deletionPolicy Delete with creationPolicy Merge",
			object: `{"kind":"ExternalSecret","metadata":{"name":"del-merge"},"spec":{"secretStoreRef":{"name":"s"},
			  "target":{"creationPolicy":"Merge","deletionPolicy":"Delete"},"data":[{"secretKey":"a","remoteRef":{"key":"k"}}]}}`,
			message: "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner",
		},
		{
			name: "deletionPolicy Merge with creationPolicy None",
			object: `{"kind":"ExternalSecret","metadata":{"name":"merge-none"},"spec":{"secretStoreRef":{"name":"s"},
			  "target":{"creationPolicy":"None","deletionPolicy":"Merge"},"data":[{"secretKey":"a","remoteRef":{"key":"k"}}]}}`,
			message: "deletionPolicy=Merge must not be used with creationPolicy=None",
		},
		{
			name: "a dataFrom entry with both extract and find",
			object: `{"kind":"ExternalSecret","metadata":{"name":"extract-find"},"spec":{"secretStoreRef":{"name":"s"},
			  "dataFrom":[{"extract":{"key":"k"},"find":{"name":{"regexp":".*"}}}]}}`,
			message: "extract, find, or generatorRef cannot be set at the same time",
		},
		{
			name: "a dataFrom entry with none of extract, find and sourceRef",
			object: `{"kind":"ExternalSecret","metadata":{"name":"empty-datafrom"},"spec":{"secretStoreRef":{"name":"s"},
			  "dataFrom":[{"rewrite":[{"regexp":{"source":"a","target":"b"}}]}]}}`,
			message: "either extract, find, or sourceRef must be set to dataFrom",
		},
		{
			name: "an unparsable refreshInterval",
			object: `{"kind":"ExternalSecret","metadata":{"name":"bad-interval"},"spec":{"secretStoreRef":{"name":"s"},
			  "refreshInterval":"1 hour","data":[{"secretKey":"a","remoteRef":{"key":"k"}}]}}`,
			message: "refreshInterval must be a duration",
		},
		{
			name: "a secretKey with a slash",
			object: `{"kind":"ExternalSecret","metadata":{"name":"bad-key"},"spec":{"secretStoreRef":{"name":"s"},
			  "data":[{"secretKey":"a/b","remoteRef":{"key":"k"}}]}}`,
			message: "secretKey",
		},
		{
			name: "an unknown creationPolicy",
			object: `{"kind":"ExternalSecret","metadata":{"name":"bad-policy"},"spec":{"secretStoreRef":{"name":"s"},
			  "target":{"creationPolicy":"Always"},"data":[{"secretKey":"a","remoteRef":{"key":"k"}}]}}`,
			message: "Unsupported value: \"Always\"",
		},
	}
	for _, version := range []string{"v1", "v1beta1"} {
		for _, tc := range cases {
			t.Run(version+"/"+tc.name, func(t *testing.T) {
				u := &unstructured.Unstructured{}
				if err := yaml.Unmarshal([]byte(tc.object), &u.Object); err != nil {
					t.Fatal(err)
				}
				u.SetAPIVersion("external-secrets.io/" + version)
				u.SetNamespace(ns)
				err := env.Client.Create(context.Background(), u)
				if err == nil {
					t.Fatalf("accepted; want a rejection saying %q", tc.message)
				}
				if !apierrors.IsInvalid(err) {
					t.Fatalf("want an Invalid error, got %v", err)
				}
				if !strings.Contains(err.Error(), tc.message) {
					t.Fatalf("rejection does not say %q:\n%v", tc.message, err)
				}
			})
		}
	}
}
