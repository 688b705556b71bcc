package providers

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// Maintenance tells users how much to rely on a provider: admission warns, and the store
// controller emits an event, for providers that are not maintained or are deprecated.
type Maintenance int

const (
	// Maintained providers are tested and supported.
	Maintained Maintenance = iota
	// NotMaintained providers work but get no fixes; users should plan a move.
	NotMaintained
	// Deprecated providers will be removed in the next major version.
	Deprecated
)

// Entry binds a Provider to the spec.provider key that selects it.
type Entry struct {
	// Name is the JSON field name of the provider in SecretStoreProvider, e.g. "aws".
	Name string
	// Provider serves every store that sets that field.
	Provider Provider
	// Maintenance feeds admission warnings and store events.
	Maintenance Maintenance
}

// Registry is the explicit list of providers one binary serves. main builds it and passes it
// to the controllers as a value; tests build one with only the providers they exercise. There
// is no global registry and no registration from init().
type Registry struct {
	entries map[string]Entry
}

// NewRegistry checks that every entry names a real spec.provider field, once.
func NewRegistry(entries ...Entry) (*Registry, error) {
	known := providerFields()
	r := &Registry{entries: make(map[string]Entry, len(entries))}
	for _, e := range entries {
		if _, ok := known[e.Name]; !ok {
			return nil, fmt.Errorf("provider %q is not a field of spec.provider", e.Name)
		}
		if _, dup := r.entries[e.Name]; dup {
			return nil, fmt.Errorf("provider %q registered twice", e.Name)
		}
		if e.Provider == nil {
			return nil, fmt.Errorf("provider %q has no implementation", e.Name)
		}
		r.entries[e.Name] = e
	}
	return r, nil
}

// Names lists the registered providers, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.entries))
	for n := range r.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ForStore returns the entry serving the provider a store configures.
func (r *Registry) ForStore(store esv1.GenericStore) (Entry, error) {
	name, err := ProviderName(store.GetSpec().Provider)
	if err != nil {
		return Entry{}, err
	}
	e, ok := r.entries[name]
	if !ok {
		return Entry{}, fmt.Errorf("failed to find registered store backend for type: %s, name: %s", name, store.GetName())
	}
	return e, nil
}

// ProviderName returns the JSON name of the one provider a spec.provider sets.
func ProviderName(p *esv1.SecretStoreProvider) (string, error) {
	if p == nil {
		return "", fmt.Errorf("secret stores must only have exactly one backend specified, found 0")
	}
	v := reflect.ValueOf(p).Elem()
	var set []string
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer && !f.IsNil() {
			set = append(set, jsonName(v.Type().Field(i)))
		}
	}
	if len(set) != 1 {
		return "", fmt.Errorf("secret stores must only have exactly one backend specified, found %d", len(set))
	}
	return set[0], nil
}

// providerFields lists the JSON names of SecretStoreProvider's fields.
func providerFields() map[string]struct{} {
	t := reflect.TypeFor[esv1.SecretStoreProvider]()
	out := make(map[string]struct{}, t.NumField())
	for i := range t.NumField() {
		out[jsonName(t.Field(i))] = struct{}{}
	}
	return out
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

// MaintenanceWarning is the warning shown for a provider that is not fully maintained (by
// admission and as a store event), in upstream's words; empty when it is maintained.
func (e Entry) MaintenanceWarning() string {
	switch e.Maintenance {
	case NotMaintained:
		return fmt.Sprintf("store %s isn't currently maintained. Please plan and prepare accordingly.", e.Name)
	case Deprecated:
		return fmt.Sprintf("store %s is deprecated and will stop working on the next major version. Please plan and prepare accordingly.", e.Name)
	case Maintained:
	}
	return ""
}
