package secretdata

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// TransformFunc renders a rewrite.transform template with the data {"value": key} and
// returns the new key. The template engine lives in its own package (it depends on sprig
// and our function map); the caller plugs it in here so that this package stays a leaf.
type TransformFunc func(template string, key string) (string, error)

// errNoTransform is returned when a transform rewrite is configured but the caller did not
// provide a template engine: a wiring bug, not a user error, so it must not pass silently.
var errNoTransform = errors.New("transform rewrite needs a template engine, none was configured")

// Rewrite applies the rewrite operations of one dataFrom entry in order, each to the output
// of the previous one. It never modifies in. Keys are processed in sorted order, so that
// when two keys are renamed to the same key the result does not depend on map iteration
// order: the key that sorts last wins. Errors name the failing operation by index.
func Rewrite(rewrites []esv1.ExternalSecretRewrite, in map[string][]byte, transform TransformFunc) (map[string][]byte, error) {
	out := maps.Clone(in)
	if out == nil {
		out = map[string][]byte{}
	}
	for i, op := range rewrites {
		var err error
		out, err = rewriteOne(op, out, transform)
		if err != nil {
			return nil, fmt.Errorf("failed rewrite operation[%d]: %w", i, err)
		}
	}
	return out, nil
}

// rewriteOne dispatches one operation; exactly one of its fields must be set, as the CRD
// enforces, so that an object that bypassed admission does not silently do nothing.
func rewriteOne(op esv1.ExternalSecretRewrite, in map[string][]byte, transform TransformFunc) (map[string][]byte, error) {
	set := 0
	for _, isSet := range []bool{op.Regexp != nil, op.Transform != nil, op.Merge != nil} {
		if isSet {
			set++
		}
	}
	if set != 1 {
		return nil, fmt.Errorf("a rewrite must set exactly one of regexp, transform or merge, found %d", set)
	}
	switch {
	case op.Regexp != nil:
		return rewriteRegexp(*op.Regexp, in)
	case op.Transform != nil:
		return rewriteTransform(*op.Transform, in, transform)
	default:
		return rewriteMerge(*op.Merge, in)
	}
}

// rewriteRegexp replaces every match of source in each key with target ($1 and ${name}
// expand); keys without a match are kept.
func rewriteRegexp(op esv1.ExternalSecretRewriteRegexp, in map[string][]byte) (map[string][]byte, error) {
	re, err := regexp.Compile(op.Source)
	if err != nil {
		return nil, fmt.Errorf("regexp failed with failed to compile: %w", err)
	}
	out := make(map[string][]byte, len(in))
	for _, key := range slices.Sorted(maps.Keys(in)) {
		out[re.ReplaceAllString(key, op.Target)] = in[key]
	}
	return out, nil
}

// rewriteTransform renames each key to what the template renders for it.
func rewriteTransform(op esv1.ExternalSecretRewriteTransform, in map[string][]byte, transform TransformFunc) (map[string][]byte, error) {
	if transform == nil {
		return nil, errNoTransform
	}
	out := make(map[string][]byte, len(in))
	for _, key := range slices.Sorted(maps.Keys(in)) {
		newKey, err := transform(op.Template, key)
		if err != nil {
			return nil, fmt.Errorf("transform failed with failed to transform key %q: %w", key, err)
		}
		out[newKey] = in[key]
	}
	return out, nil
}
