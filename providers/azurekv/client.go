package azurekv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Client reads one vault with one credential, for one reconcile.
type Client struct {
	vaultURL string
	scope    string
	observer func(string, error)
	cred     azcore.TokenCredential
	secrets  *azsecrets.Client
	keys     *azkeys.Client
	certs    *azcertificates.Client
	// referent is set when the credentials could not be resolved for lack of a namespace.
	referent error

	mu    sync.Mutex
	reads map[string]cachedRead
}

var (
	_ providers.Client = (*Client)(nil)
	_ providers.Writer = (*Client)(nil)
)

// Object types of a remote key's prefix.
const (
	kindSecret = "secret"
	kindKey    = "key"
	kindCert   = "cert"
)

// objectRef is a remote key split into its object type and name.
type objectRef struct {
	kind string
	name string
}

func (o objectRef) String() string { return o.kind + "/" + o.name }

// parseKey reads "secret/<name>", "key/<name>", "cert/<name>" or a bare "<name>" (a secret).
// Key Vault names cannot contain '/', so anything else is refused.
func parseKey(key string) (objectRef, error) {
	kind, name, found := strings.Cut(key, "/")
	if !found {
		kind, name = kindSecret, key
	}
	switch {
	case kind != kindSecret && kind != kindKey && kind != kindCert:
		return objectRef{}, fmt.Errorf("key %q: unknown object type %q (use secret/<name>, key/<name> or cert/<name>)", key, kind)
	case name == "" || strings.Contains(name, "/"):
		return objectRef{}, fmt.Errorf("key %q: a Key Vault object name is one segment of letters, digits and dashes", key)
	}
	return objectRef{kind: kind, name: name}, nil
}

// remoteObject is one version of a secret, key or certificate: its payload (the secret's
// value, the key's JWK JSON, the certificate's DER), tags and attributes.
type remoteObject struct {
	value       []byte
	contentType string
	tags        map[string]string
	created     *time.Time
	updated     *time.Time
	expires     *time.Time
	notBefore   *time.Time
}

// cachedRead is one read remembered for the client's lifetime: an object, or the error
// saying it does not exist.
type cachedRead struct {
	obj *remoteObject
	err error
}

// usable fails for a client built without credentials.
func (c *Client) usable() error {
	if c.referent != nil {
		return fmt.Errorf("no credentials: %w", c.referent)
	}
	return nil
}

// GetSecret returns the object ref.Key names: a secret's value, a key's JWK JSON or a
// certificate's DER bytes, at ref.Version (a Key Vault version ID; the latest when empty).
// ref.Property selects a field of a JSON secret or of the JWK. With metadataPolicy Fetch the
// object's tags and attributes are returned instead (see metadataValue). A missing object,
// version, property or tag is providers.ErrSecretNotFound.
func (c *Client) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	o, err := parseKey(ref.Key)
	if err != nil {
		return nil, err
	}
	obj, err := c.read(ctx, o, ref.Version)
	if err != nil {
		return nil, err
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		return metadataValue(obj, ref.Property, o)
	}
	if o.kind == kindCert && ref.Property != "" {
		return nil, fmt.Errorf("%s: property %q: a certificate is DER bytes, not JSON: %w", o, ref.Property, providers.ErrNotSupported)
	}
	v, err := secretdata.GetProperty(obj.value, ref.Property)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o, err)
	}
	return v, nil
}

// GetSecretMap returns the top-level fields of a JSON secret, or with metadataPolicy Fetch
// its tags. Keys and certificates cannot be split into a map.
func (c *Client) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	o, err := parseKey(ref.Key)
	if err != nil {
		return nil, err
	}
	if o.kind != kindSecret {
		return nil, fmt.Errorf("%s: dataFrom.extract reads secrets only; read keys and certificates with data[]: %w", o, providers.ErrNotSupported)
	}
	obj, err := c.read(ctx, o, ref.Version)
	if err != nil {
		return nil, err
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		out := make(map[string][]byte, len(obj.tags))
		for k, v := range obj.tags {
			out[k] = []byte(v)
		}
		return out, nil
	}
	value := obj.value
	if ref.Property != "" {
		if value, err = secretdata.GetProperty(value, ref.Property); err != nil {
			return nil, fmt.Errorf("%s: %w", o, err)
		}
	}
	m, err := secretdata.JSONToMap(value)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o, err)
	}
	return m, nil
}

// read returns one version of an object, once per client.
func (c *Client) read(ctx context.Context, o objectRef, version string) (*remoteObject, error) {
	key := o.String() + "#" + version
	c.mu.Lock()
	r, ok := c.reads[key]
	c.mu.Unlock()
	if ok {
		return r.obj, r.err
	}
	obj, err := c.fetch(ctx, o, version)
	if err == nil || errors.Is(err, providers.ErrSecretNotFound) {
		c.mu.Lock()
		c.reads[key] = cachedRead{obj: obj, err: err}
		c.mu.Unlock()
	}
	return obj, err
}

// forget drops what the client read, after it wrote.
func (c *Client) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads = map[string]cachedRead{}
}

// fetch calls Key Vault for one version of an object.
func (c *Client) fetch(ctx context.Context, o objectRef, version string) (*remoteObject, error) {
	what := fmt.Sprintf("reading %s (version %q)", o, version)
	switch o.kind {
	case kindKey:
		res, err := c.keys.GetKey(ctx, o.name, version, nil)
		c.observer(CallGetKey, err)
		if err != nil {
			return nil, classify(err, what)
		}
		jwk, err := json.Marshal(res.Key)
		if err != nil {
			return nil, fmt.Errorf("%s: encoding the JWK: %w", what, err)
		}
		obj := &remoteObject{value: jwk, tags: tagMap(res.Tags)}
		if a := res.Attributes; a != nil {
			obj.created, obj.updated, obj.expires, obj.notBefore = a.Created, a.Updated, a.Expires, a.NotBefore
		}
		return obj, nil
	case kindCert:
		res, err := c.certs.GetCertificate(ctx, o.name, version, nil)
		c.observer(CallGetCertificate, err)
		if err != nil {
			return nil, classify(err, what)
		}
		obj := &remoteObject{value: res.CER, tags: tagMap(res.Tags)}
		if a := res.Attributes; a != nil {
			obj.created, obj.updated, obj.expires, obj.notBefore = a.Created, a.Updated, a.Expires, a.NotBefore
		}
		return obj, nil
	default:
		res, err := c.secrets.GetSecret(ctx, o.name, version, nil)
		c.observer(CallGetSecret, err)
		if err != nil {
			return nil, classify(err, what)
		}
		return secretObject(res.Secret), nil
	}
}

func secretObject(s azsecrets.Secret) *remoteObject {
	obj := &remoteObject{tags: tagMap(s.Tags)}
	if s.Value != nil {
		obj.value = []byte(*s.Value)
	}
	if s.ContentType != nil {
		obj.contentType = *s.ContentType
	}
	if a := s.Attributes; a != nil {
		obj.created, obj.updated, obj.expires, obj.notBefore = a.Created, a.Updated, a.Expires, a.NotBefore
	}
	return obj
}

func tagMap(tags map[string]*string) map[string]string {
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// metadata is what metadataPolicy Fetch returns for an object: its tags, and its
// attributes created, updated, expires and notBefore (RFC 3339) where set and not shadowed
// by a tag of the same name.
func (obj *remoteObject) metadata() map[string]string {
	m := make(map[string]string, len(obj.tags)+4)
	attrs := map[string]*time.Time{"created": obj.created, "updated": obj.updated, "expires": obj.expires, "notBefore": obj.notBefore}
	for k, t := range attrs {
		if t != nil {
			m[k] = t.UTC().Format(time.RFC3339)
		}
	}
	for k, v := range obj.tags {
		m[k] = v
	}
	return m
}

// metadataValue is the result of metadataPolicy Fetch: the metadata as a JSON object, or
// the entry property names. A dotted property that names no entry is read as
// "<tag>.<path>": path is looked up in the tag's JSON value.
func metadataValue(obj *remoteObject, property string, o objectRef) ([]byte, error) {
	m := obj.metadata()
	if property == "" {
		return json.Marshal(m)
	}
	if v, ok := m[property]; ok {
		return []byte(v), nil
	}
	tag, path, dotted := strings.Cut(property, ".")
	v, ok := m[tag]
	if !dotted || !ok {
		return nil, fmt.Errorf("%s has no tag %q: %w", o, property, providers.ErrSecretNotFound)
	}
	out, err := secretdata.GetProperty([]byte(v), path)
	if err != nil {
		return nil, fmt.Errorf("%s: tag %q: %w", o, tag, err)
	}
	return out, nil
}

// Validate asks Entra ID (or the managed identity endpoint) for a Key Vault token, which
// proves the credentials without needing any permission on the vault. It returns Ready when
// a token is issued; Error (wrapping providers.ErrUnauthorized when Entra ID refused the
// credentials) when none can be obtained; Unknown with the error when the token endpoint
// cannot be reached; and Unknown without error for a ClusterSecretStore whose credentials
// are per namespace.
func (c *Client) Validate(ctx context.Context) (esv1.ValidationResult, error) {
	if c.referent != nil {
		return esv1.ValidationResultUnknown, nil
	}
	_, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	switch {
	case err == nil:
		return esv1.ValidationResultReady, nil
	case isTransport(err):
		return esv1.ValidationResultUnknown, fmt.Errorf("checking the Azure credentials: %w", err)
	default:
		return esv1.ValidationResultError, classify(err, "checking the Azure credentials")
	}
}

// Close releases nothing: credentials cannot be revoked and connections belong to the
// shared transport.
func (c *Client) Close(context.Context) error { return nil }
