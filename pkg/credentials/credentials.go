package credentials

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// ErrReferentNamespace means a ClusterSecretStore references a credential without a
// namespace and no namespace to resolve it in was given (the store controller validating the
// store). Providers check it with errors.Is and report ValidationResultUnknown: the store is
// not broken, its credentials just live in each ExternalSecret's namespace.
var ErrReferentNamespace = errors.New("the reference has no namespace and the store is used without one (referent authentication)")

// DefaultCAKey is the key read from a CAProvider's Secret or ConfigMap when it names none;
// it is the key cert-manager and Kubernetes itself use for CA certificates.
const DefaultCAKey = "ca.crt"

// TokenExpirationSeconds is the lifetime requested for ServiceAccount tokens: the shortest
// the TokenRequest API accepts, because a token is only used for one reconcile.
const TokenExpirationSeconds int64 = 600

// NamespaceMismatchMessage is the admission error for a namespaced store whose reference
// names another namespace; the wording is the one users of upstream External Secrets know.
const NamespaceMismatchMessage = "namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore"

// Namespace returns the namespace a reference of store is read from. requested is the
// namespace written in the reference (nil or empty when absent) and namespace is the one of
// the object being reconciled. See the package documentation for the rules; the error wraps
// ErrReferentNamespace.
func Namespace(store esv1.GenericStore, namespace string, requested *string) (string, error) {
	if !isCluster(store) {
		return store.GetNamespace(), nil
	}
	if requested != nil && *requested != "" {
		return *requested, nil
	}
	if namespace == "" {
		return "", ErrReferentNamespace
	}
	return namespace, nil
}

// ValidateReferenceNamespace is the admission check shared by every provider: a namespaced
// store may leave a reference's namespace empty or repeat its own, nothing else. References
// of a ClusterSecretStore may name any namespace.
func ValidateReferenceNamespace(store esv1.GenericStore, requested *string) error {
	if isCluster(store) || requested == nil || *requested == store.GetNamespace() {
		return nil
	}
	return errors.New(NamespaceMismatchMessage)
}

// SecretKey returns the value of the Secret key sel selects, read with the namespace rules
// of Namespace. A missing Secret or key, or an empty value, is an error naming both; the
// value itself never appears in an error.
func SecretKey(ctx context.Context, kube client.Client, store esv1.GenericStore, namespace string, sel esmeta.SecretKeySelector) ([]byte, error) {
	if sel.Name == "" {
		return nil, errors.New("a secret reference needs a name")
	}
	if sel.Key == "" {
		return nil, fmt.Errorf("the reference to Secret %q needs a key", sel.Name)
	}
	ns, err := Namespace(store, namespace, sel.Namespace)
	if err != nil {
		return nil, fmt.Errorf("reading key %q of Secret %q: %w", sel.Key, sel.Name, err)
	}
	secret := &corev1.Secret{}
	if err := kube.Get(ctx, client.ObjectKey{Namespace: ns, Name: sel.Name}, secret); err != nil {
		return nil, readError("Secret", ns, sel.Name, err)
	}
	value, ok := secret.Data[sel.Key]
	if !ok {
		return nil, fmt.Errorf("key %q not found in Secret %s/%s", sel.Key, ns, sel.Name)
	}
	if len(value) == 0 {
		return nil, fmt.Errorf("key %q of Secret %s/%s is empty", sel.Key, ns, sel.Name)
	}
	return value, nil
}

// CABundle returns the PEM CA certificates a provider trusts: bundle (inline in the store
// spec) followed by the certificate provider points at, when set. provider's namespace is
// honoured for a ClusterSecretStore only, like any reference. The result is nil when neither
// is set, meaning "use the system roots"; anything set must contain at least one certificate.
func CABundle(ctx context.Context, kube client.Client, store esv1.GenericStore, namespace string, bundle []byte, provider *esv1.CAProvider) ([]byte, error) {
	var out []byte
	if len(bundle) > 0 {
		if err := checkPEM(bundle); err != nil {
			return nil, fmt.Errorf("caBundle: %w", err)
		}
		out = append(out, bundle...)
	}
	if provider == nil {
		return out, nil
	}
	fromRef, err := caFromProvider(ctx, kube, store, namespace, provider)
	if err != nil {
		return nil, err
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, fromRef...), nil
}

func caFromProvider(ctx context.Context, kube client.Client, store esv1.GenericStore, namespace string, p *esv1.CAProvider) ([]byte, error) {
	key := p.Key
	if key == "" {
		key = DefaultCAKey
	}
	ns, err := Namespace(store, namespace, p.Namespace)
	if err != nil {
		return nil, fmt.Errorf("reading key %q of %s %q: %w", key, p.Type, p.Name, err)
	}
	var value []byte
	switch p.Type {
	case esv1.CAProviderTypeSecret:
		obj := &corev1.Secret{}
		if err := kube.Get(ctx, client.ObjectKey{Namespace: ns, Name: p.Name}, obj); err != nil {
			return nil, readError("Secret", ns, p.Name, err)
		}
		value = obj.Data[key]
	case esv1.CAProviderTypeConfigMap:
		obj := &corev1.ConfigMap{}
		if err := kube.Get(ctx, client.ObjectKey{Namespace: ns, Name: p.Name}, obj); err != nil {
			return nil, readError("ConfigMap", ns, p.Name, err)
		}
		value = []byte(obj.Data[key])
		if len(value) == 0 {
			value = obj.BinaryData[key]
		}
	default:
		return nil, fmt.Errorf("caProvider type %q is not Secret or ConfigMap", p.Type)
	}
	if len(value) == 0 {
		return nil, fmt.Errorf("key %q not found in %s %s/%s", key, p.Type, ns, p.Name)
	}
	if err := checkPEM(value); err != nil {
		return nil, fmt.Errorf("key %q of %s %s/%s: %w", key, p.Type, ns, p.Name, err)
	}
	return value, nil
}

// ServiceAccountToken requests a short-lived token for the ServiceAccount sel names, through
// the TokenRequest API of the controller's own cluster. The token's audiences are
// sel.Audiences followed by audiences (the provider's own), without duplicates; none means
// the API server's default audience.
func ServiceAccountToken(ctx context.Context, kube client.Client, store esv1.GenericStore, namespace string, sel esmeta.ServiceAccountSelector, audiences []string) (string, error) {
	if sel.Name == "" {
		return "", errors.New("a service account reference needs a name")
	}
	ns, err := Namespace(store, namespace, sel.Namespace)
	if err != nil {
		return "", fmt.Errorf("requesting a token for ServiceAccount %q: %w", sel.Name, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sel.Name}}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		Audiences:         mergeAudiences(sel.Audiences, audiences),
		ExpirationSeconds: ptr.To(TokenExpirationSeconds),
	}}
	if err := kube.SubResource("token").Create(ctx, sa, req); err != nil {
		return "", fmt.Errorf("requesting a token for ServiceAccount %s/%s: %w", ns, sel.Name, err)
	}
	if req.Status.Token == "" {
		return "", fmt.Errorf("the token request for ServiceAccount %s/%s returned no token", ns, sel.Name)
	}
	return req.Status.Token, nil
}

func mergeAudiences(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, list := range lists {
		for _, a := range list {
			if a != "" && !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

func isCluster(store esv1.GenericStore) bool {
	return store.GetKind() == esv1.ClusterSecretStoreKind
}

func readError(kind, ns, name string, err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("%s %s/%s not found: %w", kind, ns, name, err)
	}
	return fmt.Errorf("reading %s %s/%s: %w", kind, ns, name, err)
}

func checkPEM(data []byte) error {
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return errors.New("no PEM-encoded certificate found")
	}
	return nil
}

// ValidateSecretKeySelector is the admission check every provider applies to a reference to a
// credential Secret: it names a Secret and a key, and a namespaced store does not reach into
// another namespace. field names the reference in the error.
func ValidateSecretKeySelector(store esv1.GenericStore, field string, sel esmeta.SecretKeySelector) error {
	if sel.Name == "" || sel.Key == "" {
		return fmt.Errorf("%s needs a name and a key", field)
	}
	if err := ValidateReferenceNamespace(store, sel.Namespace); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

// ValidateServiceAccountSelector is ValidateSecretKeySelector for a ServiceAccount reference.
func ValidateServiceAccountSelector(store esv1.GenericStore, field string, sel esmeta.ServiceAccountSelector) error {
	if sel.Name == "" {
		return fmt.Errorf("%s.name is required", field)
	}
	if err := ValidateReferenceNamespace(store, sel.Namespace); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}
