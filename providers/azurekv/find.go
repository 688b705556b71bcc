package azurekv

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// GetAllSecrets lists the vault's secrets (every page), keeps the enabled ones whose name
// matches find.name.regexp (unanchored, like upstream) and that carry every tag of
// find.tags with the same value, and reads the latest value of each. Keys of the result are
// secret names. find.path is refused: Key Vault names are flat. A secret deleted between
// the list and the read is left out.
func (c *Client) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if find.Path != nil && *find.Path != "" {
		return nil, fmt.Errorf("find.path: Key Vault secret names have no path: %w", providers.ErrNotSupported)
	}
	var re *regexp.Regexp
	if find.Name != nil && find.Name.RegExp != "" {
		var err error
		if re, err = regexp.Compile(find.Name.RegExp); err != nil {
			return nil, fmt.Errorf("find.name.regexp: %w", err)
		}
	}
	names, err := c.listSecrets(ctx, func(p *azsecrets.SecretProperties) bool {
		if p.Attributes != nil && p.Attributes.Enabled != nil && !*p.Attributes.Enabled {
			return false
		}
		if re != nil && !re.MatchString(p.ID.Name()) {
			return false
		}
		return tagsMatch(tagMap(p.Tags), find.Tags)
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(names))
	for _, name := range names {
		obj, err := c.read(ctx, objectRef{kind: kindSecret, name: name}, "")
		if errors.Is(err, providers.ErrSecretNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[name] = obj.value
	}
	return out, nil
}

// listSecrets returns the names of the secrets keep accepts, following nextLink.
func (c *Client) listSecrets(ctx context.Context, keep func(*azsecrets.SecretProperties) bool) ([]string, error) {
	var names []string
	pager := c.secrets.NewListSecretPropertiesPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		c.observer(CallListSecrets, err)
		if err != nil {
			return nil, classify(err, "listing secrets")
		}
		for _, p := range page.Value {
			if p != nil && p.ID != nil && keep(p) {
				names = append(names, p.ID.Name())
			}
		}
	}
	return names, nil
}

// tagsMatch tells whether have carries every tag of want with the same value.
func tagsMatch(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}
