// Command crd-versions adds the deprecated v1beta1 version to the external-secrets.io CRDs that
// controller-gen generated from the v1 types. v1beta1 is served with exactly the v1 schema
// (conversion None), so manifests written for older releases apply unchanged while the
// controllers only ever read v1. Keeping one Go type and copying its schema here means the two
// versions can never drift apart.
//
// Usage: go run ./hack/crd-versions DIR
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

const (
	group          = "external-secrets.io"
	storageVersion = "v1"
	legacyVersion  = "v1beta1"
)

// servedAtLegacy lists the kinds whose manifests exist in the wild at v1beta1.
var servedAtLegacy = map[string]bool{
	"ExternalSecret":        true,
	"ClusterExternalSecret": true,
	"SecretStore":           true,
	"ClusterSecretStore":    true,
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: crd-versions DIR")
		os.Exit(2)
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], group+"_*.yaml"))
	if err != nil {
		fail(err)
	}
	for _, f := range files {
		if err := addLegacyVersion(f); err != nil {
			fail(fmt.Errorf("%s: %w", f, err))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "crd-versions:", err)
	os.Exit(1)
}

// addLegacyVersion rewrites one CRD file in place when its kind is served at v1beta1.
func addLegacyVersion(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var crd map[string]any
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return err
	}
	spec, _ := crd["spec"].(map[string]any)
	names, _ := spec["names"].(map[string]any)
	kind, _ := names["kind"].(string)
	if !servedAtLegacy[kind] {
		return nil
	}
	versions, _ := spec["versions"].([]any)
	var v1 map[string]any
	var kept []any
	for _, v := range versions {
		m, _ := v.(map[string]any)
		switch m["name"] {
		case storageVersion:
			v1 = m
			kept = append(kept, m)
		case legacyVersion:
			// Regenerated below from the current v1 schema.
		default:
			kept = append(kept, m)
		}
	}
	if v1 == nil {
		return fmt.Errorf("kind %s has no %s version", kind, storageVersion)
	}
	legacy, err := deepCopy(v1)
	if err != nil {
		return err
	}
	legacy["name"] = legacyVersion
	legacy["served"] = true
	legacy["storage"] = false
	legacy["deprecated"] = true
	legacy["deprecationWarning"] = fmt.Sprintf("%s/%s %s is deprecated; use %s/%s (same schema)", group, legacyVersion, kind, group, storageVersion)
	spec["versions"] = append(kept, legacy)

	out, err := yaml.Marshal(crd)
	if err != nil {
		return err
	}
	out = append([]byte("---\n"), out...)
	if bytes.Equal(out, raw) {
		return nil
	}
	return os.WriteFile(path, out, 0o644)
}

func deepCopy(m map[string]any) (map[string]any, error) {
	b, err := yaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	var c map[string]any
	return c, yaml.Unmarshal(b, &c)
}
