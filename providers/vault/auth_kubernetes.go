package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

const (
	// defaultTokenExpiration is the lifetime of requested ServiceAccount tokens: they are
	// only presented once, to log in.
	defaultTokenExpiration = credentials.TokenExpirationSeconds
	// defaultJWTAudience is requested for JWT auth when no audience is configured, the
	// audience Vault JWT roles are usually bound to.
	defaultJWTAudience = "vault"
	// defaultJWTKey is the key of a ServiceAccount token Secret.
	defaultJWTKey = "token"
)

// kubernetesLogin builds the login of the Kubernetes method. The JWT is a fresh token of
// serviceAccountRef (TokenRequest API, falling back to a legacy token Secret of the
// ServiceAccount), else the token kept in secretRef, else the controller's own token.
func (p *Provider) kubernetesLogin(ctx context.Context, r *resolver, k *esv1.VaultKubernetesAuth) (loginRequest, error) {
	var jwt string
	switch {
	case k.ServiceAccountRef != nil:
		token, err := r.serviceAccountToken(ctx, *k.ServiceAccountRef, nil, defaultTokenExpiration)
		if err != nil && !errors.Is(err, credentials.ErrReferentNamespace) {
			token, err = r.legacyServiceAccountToken(ctx, *k.ServiceAccountRef, err)
		}
		if err != nil {
			return loginRequest{}, r.wrap("auth.kubernetes.serviceAccountRef", err)
		}
		jwt = token
	case k.SecretRef != nil:
		v, err := r.secretKey(ctx, "auth.kubernetes.secretRef", withDefaultKey(*k.SecretRef, defaultJWTKey))
		if err != nil {
			return loginRequest{}, err
		}
		jwt = strings.TrimSpace(string(v))
	default:
		token, err := p.ownToken()
		if err != nil {
			return loginRequest{}, err
		}
		jwt = token
	}
	return loginRequest{
		path: loginPath(mountOr(k.Path, defaultKubernetesPath)),
		body: map[string]any{"role": k.Role, "jwt": jwt},
	}, nil
}

// ownToken reads the controller's mounted ServiceAccount token.
func (p *Provider) ownToken() (string, error) {
	if p.saTokenFile == "" {
		return "", errors.New("auth.kubernetes sets neither serviceAccountRef nor secretRef, and the controller has no token file configured")
	}
	raw, err := os.ReadFile(p.saTokenFile)
	if err != nil {
		return "", fmt.Errorf("auth.kubernetes sets neither serviceAccountRef nor secretRef, and the controller's own token could not be read: %w", err)
	}
	return strings.TrimSpace(string(raw)), nil
}

// serviceAccountToken requests a token for sel through the TokenRequest API, with sel's
// audiences followed by audiences, valid for expiration seconds. The namespace follows the
// referent rules of package credentials.
func (r *resolver) serviceAccountToken(ctx context.Context, sel esmeta.ServiceAccountSelector, audiences []string, expiration int64) (string, error) {
	if sel.Name == "" {
		return "", errors.New("a service account reference needs a name")
	}
	ns, err := credentials.Namespace(r.store, r.namespace, sel.Namespace)
	if err != nil {
		return "", fmt.Errorf("requesting a token for ServiceAccount %q: %w", sel.Name, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sel.Name}}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		Audiences:         mergeAudiences(sel.Audiences, audiences),
		ExpirationSeconds: &expiration,
	}}
	if err := r.kube.SubResource("token").Create(ctx, sa, req); err != nil {
		return "", fmt.Errorf("requesting a token for ServiceAccount %s/%s: %w", ns, sel.Name, err)
	}
	if req.Status.Token == "" {
		return "", fmt.Errorf("the token request for ServiceAccount %s/%s returned no token", ns, sel.Name)
	}
	return req.Status.Token, nil
}

// legacyServiceAccountToken reads the token Secret (type kubernetes.io/service-account-token)
// listed by the ServiceAccount, for clusters or permissions without TokenRequest. When there
// is none the TokenRequest error (cause) is what the user needs to see.
func (r *resolver) legacyServiceAccountToken(ctx context.Context, sel esmeta.ServiceAccountSelector, cause error) (string, error) {
	ns, err := credentials.Namespace(r.store, r.namespace, sel.Namespace)
	if err != nil {
		return "", cause
	}
	sa := &corev1.ServiceAccount{}
	if err := r.kube.Get(ctx, client.ObjectKey{Namespace: ns, Name: sel.Name}, sa); err != nil {
		return "", cause
	}
	for _, ref := range sa.Secrets {
		s := &corev1.Secret{}
		if err := r.kube.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.Name}, s); err != nil {
			continue
		}
		if s.Type == corev1.SecretTypeServiceAccountToken && len(s.Data[corev1.ServiceAccountTokenKey]) > 0 {
			return string(s.Data[corev1.ServiceAccountTokenKey]), nil
		}
	}
	return "", cause
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
