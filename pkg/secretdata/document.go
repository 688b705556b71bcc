package secretdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrNotAnObject means a remote value is not a JSON object, so a PushSecret property cannot
// be set in it (nor deleted from it).
var ErrNotAnObject = errors.New("the remote value is not a JSON object, so a property cannot be set in it")

// SetProperty stores value as a string at property in the JSON object doc (an empty doc is
// an empty object), creating the objects on the way. A property is resolved the way reads
// resolve it: a top-level key that contains dots wins over the nested path. Providers that
// push into a property of a JSON secret share it, so that a pushed property reads back the
// same from every store. Errors never quote the document.
func SetProperty(doc []byte, property string, value []byte) ([]byte, error) {
	if !utf8.ValidString(property) {
		return nil, errors.New("the property name is not valid UTF-8")
	}
	if !utf8.Valid(value) {
		// JSON would silently replace the bytes: refuse rather than corrupt the value.
		return nil, errors.New("the value is not valid UTF-8, so it cannot be stored in a JSON property")
	}
	root, err := parseDocument(doc)
	if err != nil {
		return nil, err
	}
	path := writePath(root, property)
	obj := root
	for _, p := range path[:len(path)-1] {
		next, ok := obj[p]
		if !ok {
			child := map[string]any{}
			obj[p], obj = child, child
			continue
		}
		child, ok := next.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("property %q: %q is not a JSON object", property, p)
		}
		obj = child
	}
	obj[path[len(path)-1]] = string(value)
	return MarshalJSON(root)
}

// DeleteProperty removes property from the JSON object doc. found is false (and doc is
// returned unchanged) when it was not there; empty is true when nothing is left, so the
// caller can delete the whole remote secret.
func DeleteProperty(doc []byte, property string) (out []byte, found, empty bool, err error) {
	root, err := parseDocument(doc)
	if err != nil {
		return nil, false, false, err
	}
	path := writePath(root, property)
	obj := root
	for _, p := range path[:len(path)-1] {
		child, ok := obj[p].(map[string]any)
		if !ok {
			return doc, false, len(root) == 0, nil
		}
		obj = child
	}
	leaf := path[len(path)-1]
	if _, ok := obj[leaf]; !ok {
		return doc, false, len(root) == 0, nil
	}
	delete(obj, leaf)
	out, err = MarshalJSON(root)
	return out, true, len(root) == 0, err
}

// parseDocument parses a JSON object, keeping numbers as written.
func parseDocument(doc []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(bytes.TrimSpace(doc)) == 0 {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, ErrNotAnObject
	}
	return m, nil
}

func writePath(m map[string]any, property string) []string {
	if _, ok := m[property]; ok || !strings.Contains(property, ".") {
		return []string{property}
	}
	return strings.Split(property, ".")
}

// MarshalJSON encodes without HTML escaping and without a trailing newline, so that values
// written to a store keep their characters (<, >, &) as the user wrote them.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
