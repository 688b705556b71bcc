package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Default mount paths of the auth methods.
const (
	defaultAppRolePath    = "approle"
	defaultKubernetesPath = "kubernetes"
	defaultLdapPath       = "ldap"
	defaultUserPassPath   = "userpass"
	defaultJWTPath        = "jwt"
	defaultCertPath       = "cert"
)

// loginRequest is one call to an auth method's login endpoint.
type loginRequest struct {
	path string
	body map[string]any
}

// authenticate gives c its token: the one tokenSecretRef names (never revoked), a cached one
// that still works, or a fresh login. Tokens from a login are revoked on Close unless the
// cache keeps them.
func (p *Provider) authenticate(ctx context.Context, c *Client, r *resolver, spec *esv1.VaultProvider) error {
	auth := spec.Auth
	if auth == nil {
		return nil
	}
	if auth.TokenSecretRef != nil {
		token, err := r.secretKey(ctx, "auth.tokenSecretRef", *auth.TokenSecretRef)
		if err != nil {
			return err
		}
		c.api.SetToken(strings.TrimSpace(string(token)))
		return nil
	}
	key := keyFor(r.store, r.namespace)
	if p.tokens != nil && p.reuseCached(ctx, c, key) {
		return nil
	}
	req, err := p.loginRequest(ctx, r, auth)
	if err != nil {
		return err
	}
	if err := c.login(ctx, req); err != nil {
		return err
	}
	if p.tokens != nil {
		p.tokens.put(key, c.api.Token())
	} else {
		c.revoke = true
	}
	return nil
}

// loginRequest reads the credentials of the configured method and builds its login call.
func (p *Provider) loginRequest(ctx context.Context, r *resolver, auth *esv1.VaultAuth) (loginRequest, error) {
	switch {
	case auth.AppRole != nil:
		return r.appRoleLogin(ctx, auth.AppRole)
	case auth.Kubernetes != nil:
		return p.kubernetesLogin(ctx, r, auth.Kubernetes)
	case auth.Jwt != nil:
		return r.jwtLogin(ctx, auth.Jwt)
	case auth.UserPass != nil:
		return r.passwordLogin(ctx, "auth.userPass", mountOr(auth.UserPass.Path, defaultUserPassPath), auth.UserPass.Username, auth.UserPass.SecretRef)
	case auth.Ldap != nil:
		return r.passwordLogin(ctx, "auth.ldap", mountOr(auth.Ldap.Path, defaultLdapPath), auth.Ldap.Username, auth.Ldap.SecretRef)
	case auth.Cert != nil:
		// The certificate itself is presented by the TLS handshake (see tlsConfig).
		body := map[string]any{}
		if auth.Cert.VaultRole != "" {
			body["name"] = auth.Cert.VaultRole
		}
		return loginRequest{path: loginPath(mountOr(auth.Cert.Path, defaultCertPath)), body: body}, nil
	case auth.Iam != nil:
		return loginRequest{}, fmt.Errorf("auth.iam: %w", providers.ErrNotSupported)
	case auth.GCP != nil:
		return loginRequest{}, fmt.Errorf("auth.gcp: %w", providers.ErrNotSupported)
	}
	return loginRequest{}, errors.New("auth sets no login method")
}

func (r *resolver) appRoleLogin(ctx context.Context, a *esv1.VaultAppRole) (loginRequest, error) {
	roleID := a.RoleID
	if a.RoleRef != nil {
		v, err := r.secretKey(ctx, "auth.appRole.roleRef", *a.RoleRef)
		if err != nil {
			return loginRequest{}, err
		}
		roleID = strings.TrimSpace(string(v))
	}
	if roleID == "" {
		return loginRequest{}, errors.New("auth.appRole needs roleId or roleRef")
	}
	secretID, err := r.secretKey(ctx, "auth.appRole.secretRef", a.SecretRef)
	if err != nil {
		return loginRequest{}, err
	}
	return loginRequest{
		path: loginPath(mountOr(a.Path, defaultAppRolePath)),
		body: map[string]any{"role_id": roleID, "secret_id": strings.TrimSpace(string(secretID))},
	}, nil
}

func (r *resolver) jwtLogin(ctx context.Context, j *esv1.VaultJwtAuth) (loginRequest, error) {
	var jwt string
	switch {
	case j.SecretRef != nil:
		v, err := r.secretKey(ctx, "auth.jwt.secretRef", *j.SecretRef)
		if err != nil {
			return loginRequest{}, err
		}
		jwt = strings.TrimSpace(string(v))
	case j.KubernetesServiceAccountToken != nil:
		sat := j.KubernetesServiceAccountToken
		var audiences []string
		if sat.Audiences != nil {
			audiences = *sat.Audiences
		}
		if len(sat.ServiceAccountRef.Audiences) == 0 && len(audiences) == 0 {
			audiences = []string{defaultJWTAudience}
		}
		expiration := defaultTokenExpiration
		if sat.ExpirationSeconds != nil {
			expiration = *sat.ExpirationSeconds
		}
		token, err := r.serviceAccountToken(ctx, sat.ServiceAccountRef, audiences, expiration)
		if err != nil {
			return loginRequest{}, r.wrap("auth.jwt.kubernetesServiceAccountToken", err)
		}
		jwt = token
	default:
		return loginRequest{}, errors.New("auth.jwt needs secretRef or kubernetesServiceAccountToken")
	}
	return loginRequest{
		path: loginPath(mountOr(j.Path, defaultJWTPath)),
		body: map[string]any{"role": j.Role, "jwt": jwt},
	}, nil
}

func (r *resolver) passwordLogin(ctx context.Context, field, mount, username string, sel esmeta.SecretKeySelector) (loginRequest, error) {
	if username == "" {
		return loginRequest{}, fmt.Errorf("%s.username is required", field)
	}
	password, err := r.secretKey(ctx, field+".secretRef", sel)
	if err != nil {
		return loginRequest{}, err
	}
	return loginRequest{
		path: loginPath(mount) + "/" + username,
		body: map[string]any{"password": string(password)},
	}, nil
}

// login calls the method's login endpoint in the auth namespace, without a token, and keeps
// the token it returns with its expiry.
func (c *Client) login(ctx context.Context, req loginRequest) error {
	s, err := c.tokenAPI().Logical().WriteWithContext(ctx, req.path, req.body)
	c.observe(callLogin, err)
	if err != nil {
		return fmt.Errorf("logging in to Vault: %w", describe(err))
	}
	if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
		return fmt.Errorf("logging in to Vault: %s returned no token", req.path)
	}
	c.api.SetToken(s.Auth.ClientToken)
	c.accessor = s.Auth.Accessor
	if s.Auth.LeaseDuration > 0 {
		c.expiry = time.Now().Add(time.Duration(s.Auth.LeaseDuration) * time.Second)
	}
	return nil
}

func loginPath(mount string) string {
	return "auth/" + strings.Trim(mount, "/") + "/login"
}

func mountOr(path, def string) string {
	if strings.Trim(path, "/") == "" {
		return def
	}
	return path
}
