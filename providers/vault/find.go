package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// GetAllSecrets lists the engine recursively under the store's path and find.path (LIST on
// the metadata endpoint for KV v2), keeps the secrets whose path matches find.name.regexp
// (unanchored) and, for KV v2, whose custom_metadata holds every find.tags entry, and
// returns each one's data as a JSON object keyed by its path relative to the mount
// ("team/db" with find.path "team"). Secrets that vanish or whose current version is deleted
// meanwhile are skipped. Tags need KV v2 and wrap providers.ErrNotSupported on v1.
func (c *Client) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if len(find.Tags) > 0 && c.kv.v1 {
		return nil, fmt.Errorf("cannot perform find by tag operations with kv version v1: %w", providers.ErrNotSupported)
	}
	var name *regexp.Regexp
	if find.Name != nil && find.Name.RegExp != "" {
		re, err := regexp.Compile(find.Name.RegExp)
		if err != nil {
			return nil, fmt.Errorf("find.name.regexp: %w", err)
		}
		name = re
	}
	root := ""
	if find.Path != nil {
		root = strings.Trim(*find.Path, "/")
	}
	mount, dir := c.kv.split(root)
	if mount == "" {
		return nil, errors.New("find.path must start with the mount of the KV engine when the store sets no path")
	}
	keys, err := c.walk(ctx, mount, dir)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, key := range keys {
		if name != nil && !name.MatchString(key) {
			continue
		}
		value, err := c.found(ctx, mount, key, find.Tags)
		if errors.Is(err, providers.ErrSecretNotFound) || (err == nil && value == nil) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[key] = value
	}
	return out, nil
}

// found returns the data of one listed secret as JSON, or nil when its metadata lacks one
// of tags.
func (c *Client) found(ctx context.Context, mount, key string, tags map[string]string) ([]byte, error) {
	if len(tags) > 0 {
		meta, err := c.readMetadataAt(ctx, key, c.kv.pathIn(mount, "metadata", key))
		if err != nil {
			return nil, err
		}
		custom := customMetadataOf(meta)
		for k, v := range tags {
			if got, ok := custom[k]; !ok || got != v {
				return nil, nil
			}
		}
	}
	data, err := c.readDataAt(ctx, key, c.kv.pathIn(mount, "data", key), "")
	if err != nil {
		return nil, err
	}
	return json.Marshal(data)
}

// walk returns the paths, relative to mount, of every secret under dir, sorted.
func (c *Client) walk(ctx context.Context, mount, dir string) ([]string, error) {
	s, err := c.list(ctx, c.kv.pathIn(mount, "metadata", dir))
	if err != nil {
		return nil, fmt.Errorf("listing %q: %w", join(mount, dir), err)
	}
	if s == nil {
		return nil, nil
	}
	raw, _ := s.Data["keys"].([]any)
	var out []string
	for _, entry := range raw {
		name, ok := entry.(string)
		if !ok || name == "" {
			continue
		}
		if strings.HasSuffix(name, "/") {
			sub, err := c.walk(ctx, mount, join(dir, name))
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
			continue
		}
		out = append(out, join(dir, name))
	}
	sort.Strings(out)
	return out, nil
}
