package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// listPageSize bounds each List call of GetAllSecrets, so a namespace with many large
// Secrets is read in pages instead of one huge response.
const listPageSize = 250

// GetSecret reads the Secret named ref.Key. Without a property it returns all its keys as a
// JSON object of strings; with one, the data key of that exact name, else the property as a
// path into that object (keys holding JSON objects or arrays are nested, so "config.port"
// reaches into a key "config"). With metadataPolicy Fetch it returns {"labels":…,
// "annotations":…} instead, or one entry of them with a property like "labels.app". A missing
// Secret or property wraps providers.ErrSecretNotFound.
func (c *Client) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	secret, err := c.readSecret(ctx, ref)
	if err != nil {
		return nil, err
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		return metadataValue(secret, ref.Property)
	}
	if ref.Property == "" {
		return json.Marshal(stringMap(secret.Data))
	}
	if v, ok := secret.Data[ref.Property]; ok {
		return v, nil
	}
	doc, err := nestedDocument(secret.Data)
	if err != nil {
		return nil, err
	}
	v, err := secretdata.GetProperty(doc, ref.Property)
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s/%s: %w", c.namespace, ref.Key, err)
	}
	return v, nil
}

// GetSecretMap returns the Secret's data as it is. With a property (or metadataPolicy
// Fetch) it reads that value like GetSecret and expands the JSON object it must hold.
func (c *Client) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	if ref.Property != "" || ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		v, err := c.GetSecret(ctx, ref)
		if err != nil {
			return nil, err
		}
		out, err := secretdata.JSONToMap(v)
		if err != nil {
			return nil, fmt.Errorf("reading Secret %s/%s property %q: %w", c.namespace, ref.Key, ref.Property, err)
		}
		return out, nil
	}
	secret, err := c.readSecret(ctx, ref)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(secret.Data))
	for k, v := range secret.Data {
		out[k] = v
	}
	return out, nil
}

// GetAllSecrets lists the Secrets of the remote namespace that carry all of find.Tags as
// labels and whose name matches find.Name.RegExp; each is returned under its name as the JSON
// object of its data. find.Path wraps providers.ErrNotSupported: Secrets have no paths.
func (c *Client) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if find.Path != nil {
		return nil, fmt.Errorf("kubernetes Secrets have no path, find by name or tags: %w", providers.ErrNotSupported)
	}
	if find.Name == nil && len(find.Tags) == 0 {
		return nil, fmt.Errorf("find needs a name or tags: %w", providers.ErrNotSupported)
	}
	var re *regexp.Regexp
	if find.Name != nil {
		var err error
		if re, err = regexp.Compile(find.Name.RegExp); err != nil {
			return nil, fmt.Errorf("find.name.regexp: %w", err)
		}
	}
	out := map[string][]byte{}
	opts := metav1.ListOptions{LabelSelector: labels.SelectorFromSet(find.Tags).String(), Limit: listPageSize}
	for {
		list, err := c.core.Secrets(c.namespace).List(ctx, opts)
		if err != nil {
			return nil, apiError("listing Secrets in "+c.namespace, err)
		}
		for i := range list.Items {
			s := &list.Items[i]
			if re != nil && !re.MatchString(s.Name) {
				continue
			}
			if out[s.Name], err = json.Marshal(stringMap(s.Data)); err != nil {
				return nil, err
			}
		}
		if opts.Continue = list.Continue; opts.Continue == "" {
			return out, nil
		}
	}
}

// readSecret gets the Secret a reference names, mapping NotFound to ErrSecretNotFound.
func (c *Client) readSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (*corev1.Secret, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if ref.Version != "" {
		return nil, fmt.Errorf("kubernetes Secrets have no versions, remove version %q: %w", ref.Version, providers.ErrNotSupported)
	}
	if ref.Key == "" {
		return nil, errors.New("remoteRef.key (the Secret name) is required")
	}
	secret, err := c.core.Secrets(c.namespace).Get(ctx, ref.Key, metav1.GetOptions{})
	if err != nil {
		return nil, apiError(fmt.Sprintf("reading Secret %s/%s", c.namespace, ref.Key), err)
	}
	return secret, nil
}

// apiError wraps the sentinel matching an API error, so callers decide with errors.Is.
func apiError(what string, err error) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s: %w: %w", what, providers.ErrSecretNotFound, err)
	case apierrors.IsUnauthorized(err), apierrors.IsForbidden(err):
		return fmt.Errorf("%s: %w: %w", what, providers.ErrUnauthorized, err)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

// metadataValue returns the Secret's labels and annotations as JSON, or one part of them.
func metadataValue(secret *corev1.Secret, property string) ([]byte, error) {
	meta := map[string]map[string]string{"labels": secret.Labels, "annotations": secret.Annotations}
	for k, m := range meta {
		if m == nil {
			meta[k] = map[string]string{}
		}
	}
	section, name, hasName := strings.Cut(property, ".")
	if m, ok := meta[section]; ok && hasName {
		// Label keys contain dots and slashes; read them literally before any path syntax.
		if v, ok := m[name]; ok {
			return []byte(v), nil
		}
	}
	doc, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	v, err := secretdata.GetProperty(doc, property)
	if err != nil {
		return nil, fmt.Errorf("metadata of Secret %s/%s: %w", secret.Namespace, secret.Name, err)
	}
	return v, nil
}

// nestedDocument is the JSON object properties are read from: each data key as a string,
// except values that are JSON objects or arrays, which are nested as they are.
func nestedDocument(data map[string][]byte) ([]byte, error) {
	doc := make(map[string]json.RawMessage, len(data))
	for k, v := range data {
		trimmed := strings.TrimSpace(string(v))
		if (strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")) && json.Valid(v) {
			doc[k] = json.RawMessage(trimmed)
			continue
		}
		s, err := json.Marshal(string(v))
		if err != nil {
			return nil, err
		}
		doc[k] = s
	}
	return json.Marshal(doc)
}

// stringMap turns Secret data into strings, for JSON output.
func stringMap(data map[string][]byte) map[string]string {
	out := make(map[string]string, len(data))
	for k, v := range data {
		out[k] = string(v)
	}
	return out
}
