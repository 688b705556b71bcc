package infisical

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	infisicalsdk "github.com/infisical/go-sdk"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// maxTokenFileSize bounds what is read from a ServiceAccount token file; real tokens are a
// few KiB.
const maxTokenFileSize = 64 << 10

// login is one auth method, its credentials already read: the SDK call that logs in, the
// metric call name, and whether the resulting token is ours to revoke.
type login struct {
	call   string // metric call name; empty when no API call is made
	do     func(infisicalsdk.AuthInterface) error
	revoke bool
}

// credentialReader reads the Secret keys a store references, with the referent rules of
// package credentials.
type credentialReader struct {
	kube      client.Client
	store     esv1.GenericStore
	namespace string
}

func (r credentialReader) read(ctx context.Context, field string, sel esmeta.SecretKeySelector) (string, error) {
	v, err := credentials.SecretKey(ctx, r.kube, r.store, r.namespace, sel)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	return string(v), nil
}

// readAll reads several references in order, stopping at the first error.
func (r credentialReader) readAll(ctx context.Context, refs ...ref) ([]string, error) {
	out := make([]string, len(refs))
	for i, ref := range refs {
		v, err := r.read(ctx, ref.field, ref.sel)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

type ref struct {
	field string
	sel   esmeta.SecretKeySelector
}

// errUnsupportedAuth is the error of auth methods this controller does not implement.
func errUnsupportedAuth(method, why string) error {
	return fmt.Errorf("auth.%s is %w: %s; use universalAuthCredentials, jwtAuthCredentials, ldapAuthCredentials, ociAuthCredentials, tokenAuthCredentials, or (ClusterSecretStore only) kubernetesAuthCredentials or awsAuthCredentials",
		method, errNotSupportedByController, why)
}

// errNotSupportedByController wraps providers.ErrNotSupported with the wording users see.
var errNotSupportedByController = fmt.Errorf("not supported by this controller (%w)", providers.ErrNotSupported)

// errAmbientIdentity refuses, in a namespaced SecretStore, the methods that prove the
// controller's own identity: they would send a proof of it (its ServiceAccount token, a
// signed AWS request) to whatever hostAPI the namespace's users choose.
func errAmbientIdentity(method string) error {
	return fmt.Errorf("auth.%s logs in with the controller's own identity and is only allowed in a ClusterSecretStore", method)
}

// prepareLogin reads the credentials of the store's auth method and returns how to log in.
// authReferences has already refused what this controller does not implement.
func (p *Provider) prepareLogin(ctx context.Context, r credentialReader, auth esv1.InfisicalAuth) (login, error) {
	if _, err := authReferences(r.store, auth); err != nil {
		return login{}, err
	}
	switch {
	case auth.UniversalAuthCredentials != nil:
		return universalLogin(ctx, r, auth.UniversalAuthCredentials)
	case auth.JwtAuthCredentials != nil:
		v, err := r.readAll(ctx, ref{"auth.jwtAuthCredentials.identityId", auth.JwtAuthCredentials.IdentityID}, ref{"auth.jwtAuthCredentials.jwt", auth.JwtAuthCredentials.JWT})
		if err != nil {
			return login{}, err
		}
		return login{call: "MachineIdentityLoginViaJwtAuth", revoke: true, do: func(a infisicalsdk.AuthInterface) error {
			_, err := a.JwtAuthLogin(v[0], strings.TrimSpace(v[1]))
			return err
		}}, nil
	case auth.LdapAuthCredentials != nil:
		c := auth.LdapAuthCredentials
		v, err := r.readAll(ctx, ref{"auth.ldapAuthCredentials.identityId", c.IdentityID}, ref{"auth.ldapAuthCredentials.ldapUsername", c.LDAPUsername}, ref{"auth.ldapAuthCredentials.ldapPassword", c.LDAPPassword})
		if err != nil {
			return login{}, err
		}
		return login{call: "MachineIdentityLoginViaLdapAuth", revoke: true, do: func(a infisicalsdk.AuthInterface) error {
			_, err := a.LdapAuthLogin(v[0], v[1], v[2])
			return err
		}}, nil
	case auth.OciAuthCredentials != nil:
		return ociLogin(ctx, r, auth.OciAuthCredentials)
	case auth.KubernetesAuthCredentials != nil:
		return p.kubernetesLogin(ctx, r, auth.KubernetesAuthCredentials)
	case auth.AwsAuthCredentials != nil:
		id, err := r.read(ctx, "auth.awsAuthCredentials.identityId", auth.AwsAuthCredentials.IdentityID)
		if err != nil {
			return login{}, err
		}
		return login{call: "MachineIdentityLoginViaAwsAuth", revoke: true, do: func(a infisicalsdk.AuthInterface) error {
			_, err := a.AwsIamAuthLogin(id)
			return err
		}}, nil
	case auth.TokenAuthCredentials != nil:
		token, err := r.read(ctx, "auth.tokenAuthCredentials.accessToken", auth.TokenAuthCredentials.AccessToken)
		if err != nil {
			return login{}, err
		}
		return login{do: func(a infisicalsdk.AuthInterface) error {
			a.SetAccessToken(strings.TrimSpace(token))
			return nil
		}}, nil
	default:
		return login{}, errors.New("auth sets no login method this controller implements")
	}
}

func universalLogin(ctx context.Context, r credentialReader, c *esv1.UniversalAuthCredentials) (login, error) {
	v, err := r.readAll(ctx, ref{"auth.universalAuthCredentials.clientId", c.ClientID}, ref{"auth.universalAuthCredentials.clientSecret", c.ClientSecret})
	if err != nil {
		return login{}, err
	}
	return login{call: "MachineIdentityLoginViaUniversalAuth", revoke: true, do: func(a infisicalsdk.AuthInterface) error {
		_, err := a.UniversalAuthLogin(strings.TrimSpace(v[0]), strings.TrimSpace(v[1]))
		return err
	}}, nil
}

func ociLogin(ctx context.Context, r credentialReader, c *esv1.OciAuthCredentials) (login, error) {
	v, err := r.readAll(ctx,
		ref{"auth.ociAuthCredentials.identityId", c.IdentityID},
		ref{"auth.ociAuthCredentials.privateKey", c.PrivateKey},
		ref{"auth.ociAuthCredentials.fingerprint", c.Fingerprint},
		ref{"auth.ociAuthCredentials.userId", c.UserID},
		ref{"auth.ociAuthCredentials.tenancyId", c.TenancyID},
		ref{"auth.ociAuthCredentials.region", c.Region},
	)
	if err != nil {
		return login{}, err
	}
	var passphrase *string
	if c.PrivateKeyPassphrase.Name != "" {
		pass, err := r.read(ctx, "auth.ociAuthCredentials.privateKeyPassphrase", c.PrivateKeyPassphrase)
		if err != nil {
			return login{}, err
		}
		passphrase = &pass
	}
	opts := infisicalsdk.OciAuthLoginOptions{
		IdentityID:  v[0],
		PrivateKey:  v[1],
		Fingerprint: strings.TrimSpace(v[2]),
		UserID:      strings.TrimSpace(v[3]),
		TenancyID:   strings.TrimSpace(v[4]),
		Region:      strings.TrimSpace(v[5]),
		Passphrase:  passphrase,
	}
	return login{call: "MachineIdentityLoginViaOciAuth", revoke: true, do: func(a infisicalsdk.AuthInterface) error {
		_, err := a.OciAuthLogin(opts)
		return err
	}}, nil
}

// kubernetesLogin reads the ServiceAccount token file itself (bounded, and so that a read
// error names the path only) and sends the token with the SDK's raw-token login.
func (p *Provider) kubernetesLogin(ctx context.Context, r credentialReader, c *esv1.KubernetesAuthCredentials) (login, error) {
	id, err := r.read(ctx, "auth.kubernetesAuthCredentials.identityId", c.IdentityID)
	if err != nil {
		return login{}, err
	}
	path := p.defaultTokenPath
	if c.ServiceAccountTokenPath.Name != "" {
		if path, err = r.read(ctx, "auth.kubernetesAuthCredentials.serviceAccountTokenPath", c.ServiceAccountTokenPath); err != nil {
			return login{}, err
		}
		path = strings.TrimSpace(path)
	}
	token, err := readTokenFile(path)
	if err != nil {
		return login{}, err
	}
	return login{call: "MachineIdentityLoginViaKubernetesAuth", revoke: true, do: func(a infisicalsdk.AuthInterface) error {
		_, err := a.KubernetesRawServiceAccountTokenLogin(id, token)
		return err
	}}, nil
}

func readTokenFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("auth.kubernetesAuthCredentials: reading the ServiceAccount token file %q: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, maxTokenFileSize+1))
	if err != nil {
		return "", fmt.Errorf("auth.kubernetesAuthCredentials: reading the ServiceAccount token file %q: %w", path, err)
	}
	if len(data) > maxTokenFileSize {
		return "", fmt.Errorf("auth.kubernetesAuthCredentials: %q is larger than a ServiceAccount token", path)
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", fmt.Errorf("auth.kubernetesAuthCredentials: the ServiceAccount token file %q is empty", path)
	}
	return token, nil
}

func isCluster(store esv1.GenericStore) bool {
	return store.GetKind() == esv1.ClusterSecretStoreKind
}

// login runs l with the client's SDK; a refused login is providers.ErrUnauthorized.
func (c *Client) login(ctx context.Context, l login) error {
	err := providers.RunWithContext(ctx, func() error { return l.do(c.sdk.Auth()) })
	if l.call != "" {
		c.observe(l.call, err)
	}
	if err != nil {
		return fmt.Errorf("logging in to Infisical: %w", describeLogin(err))
	}
	c.revoke = l.revoke
	return nil
}
