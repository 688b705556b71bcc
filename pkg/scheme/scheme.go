// Package scheme builds the one runtime.Scheme the manager, the CLI and the tests share, so
// they all agree on which kinds exist and at which version they are read.
package scheme

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1alpha1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
)

// New returns a scheme with the built-in Kubernetes kinds, CustomResourceDefinitions, and every
// kind this project serves. The external-secrets.io kinds are registered at v1 (and v1alpha1
// for the push kinds) only: v1beta1 is served by the CRDs with the same schema and never read
// by the controllers.
func New() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme,
		apiextensionsv1.AddToScheme,
		esv1.AddToScheme,
		esv1alpha1.AddToScheme,
		genv1alpha1.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err) // only on a programming error in a scheme builder
		}
	}
	return s
}
