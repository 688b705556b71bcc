package template

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
)

// literalName is the template name of a templateFrom literal in errors.
const literalName = "literal"

// errNoSources is returned when templateFrom names a ConfigMap or Secret but Apply was given
// no way to read it (a wiring mistake of the caller).
var errNoSources = errors.New("no reader for templateFrom ConfigMaps and Secrets")

// renderer runs steps 7 to 9 of Apply on one Secret. It reads each templateFrom ConfigMap
// and Secret once, however many items use it.
type renderer struct {
	engine    *Engine
	secret    *corev1.Secret
	data      map[string]string
	sources   Sources
	namespace string

	configMaps map[string]map[string]string
	secrets    map[string]map[string][]byte
}

// render applies templateFrom, template.data, then the metadata templates.
func (r *renderer) render(ctx context.Context, t *esv1.ExternalSecretTemplate) error {
	for _, tf := range t.TemplateFrom {
		if err := r.templateFrom(ctx, tf); err != nil {
			return err
		}
	}
	steps := []struct {
		templates map[string]string
		target    esv1.TemplateTarget
	}{
		{t.Data, esv1.TemplateTargetData},
		{t.Metadata.Labels, esv1.TemplateTargetLabels},
		{t.Metadata.Annotations, esv1.TemplateTargetAnnotations},
	}
	for _, step := range steps {
		for _, key := range sortedKeys(step.templates) {
			if err := r.values(key, step.templates[key], step.target, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// templateFrom applies one templateFrom entry: its configMap items, its secret items, then
// its literal.
func (r *renderer) templateFrom(ctx context.Context, tf esv1.TemplateFrom) error {
	target, ok := secretTarget(tf.Target)
	if !ok { // ValidateTemplate already refused it; keep the exact message
		return validateTemplate(&esv1.ExternalSecretTemplate{TemplateFrom: []esv1.TemplateFrom{tf}}, "")
	}
	if ref := tf.ConfigMap; ref != nil {
		cm, err := r.configMap(ctx, ref.Name)
		if err != nil {
			return err
		}
		if err := r.items("configmap", ref, func(k string) (string, bool) { v, ok := cm[k]; return v, ok }, target, tf.ValuesDecodingStrategy); err != nil {
			return err
		}
	}
	if ref := tf.Secret; ref != nil {
		sec, err := r.secretData(ctx, ref.Name)
		if err != nil {
			return err
		}
		if err := r.items("secret", ref, func(k string) (string, bool) { v, ok := sec[k]; return string(v), ok }, target, tf.ValuesDecodingStrategy); err != nil {
			return err
		}
	}
	if tf.Literal != nil {
		return r.keysAndValues(literalName, *tf.Literal, target, tf.ValuesDecodingStrategy)
	}
	return nil
}

// items renders the listed keys of a ConfigMap or Secret.
func (r *renderer) items(kind string, ref *esv1.TemplateRef, get func(string) (string, bool), target esv1.TemplateTarget, strategy esv1.ExternalSecretDecodingStrategy) error {
	for _, item := range ref.Items {
		tpl, ok := get(item.Key)
		if !ok {
			return fmt.Errorf("error in %s %s: missing key %s", kind, ref.Name, item.Key)
		}
		var err error
		if item.TemplateAs == esv1.TemplateScopeKeysAndValues {
			err = r.keysAndValues(item.Key, tpl, target, strategy)
		} else {
			err = r.values(item.Key, tpl, target, strategy)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *renderer) configMap(ctx context.Context, name string) (map[string]string, error) {
	if cm, ok := r.configMaps[name]; ok {
		return cm, nil
	}
	if r.sources == nil {
		return nil, fmt.Errorf("error fetching templateFrom data: configmap %s/%s: %w", r.namespace, name, errNoSources)
	}
	cm, err := r.sources.ConfigMap(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("error fetching templateFrom data: configmap %s/%s: %w", r.namespace, name, err)
	}
	if r.configMaps == nil {
		r.configMaps = map[string]map[string]string{}
	}
	r.configMaps[name] = cm
	return cm, nil
}

func (r *renderer) secretData(ctx context.Context, name string) (map[string][]byte, error) {
	if s, ok := r.secrets[name]; ok {
		return s, nil
	}
	if r.sources == nil {
		return nil, fmt.Errorf("error fetching templateFrom data: secret %s/%s: %w", r.namespace, name, errNoSources)
	}
	s, err := r.sources.Secret(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("error fetching templateFrom data: secret %s/%s: %w", r.namespace, name, err)
	}
	if r.secrets == nil {
		r.secrets = map[string]map[string][]byte{}
	}
	r.secrets[name] = s
	return s, nil
}

// values is the Values scope: render tpl and store the (decoded) output under key.
func (r *renderer) values(key, tpl string, target esv1.TemplateTarget, strategy esv1.ExternalSecretDecodingStrategy) error {
	out, err := r.engine.Execute(key, tpl, r.data)
	if err != nil {
		return fmt.Errorf("could not execute template: %w", err)
	}
	value, err := decodeValue(key, strategy, []byte(out))
	if err != nil {
		return err
	}
	r.write(target, key, value)
	return nil
}

// keysAndValues is the KeysAndValues scope: render tpl, read the output as a YAML map of
// strings and store every (decoded) pair.
func (r *renderer) keysAndValues(name, tpl string, target esv1.TemplateTarget, strategy esv1.ExternalSecretDecodingStrategy) error {
	out, err := r.engine.Execute(name, tpl, r.data)
	if err != nil {
		return fmt.Errorf("could not execute template: %w", err)
	}
	var kv map[string]string
	if err := yaml.Unmarshal([]byte(out), &kv); err != nil {
		// The YAML error could quote the output, which holds secret values.
		return fmt.Errorf("could not execute template: the output of template at key %s is not a YAML map of strings", name)
	}
	for _, k := range sortedKeys(kv) {
		value, err := decodeValue(k, strategy, []byte(kv[k]))
		if err != nil {
			return err
		}
		r.write(target, k, value)
	}
	return nil
}

// write stores one rendered value in the Secret's data, labels or annotations.
func (r *renderer) write(target esv1.TemplateTarget, key string, value []byte) {
	switch target {
	case esv1.TemplateTargetLabels:
		r.secret.Labels = setString(r.secret.Labels, key, string(value))
	case esv1.TemplateTargetAnnotations:
		r.secret.Annotations = setString(r.secret.Annotations, key, string(value))
	default:
		r.secret.Data[key] = value
	}
}

// decodeValue applies a templateFrom valuesDecodingStrategy to a rendered value, with the
// same rules as a fetched value's decodingStrategy (secretdata.Decode), naming the key.
func decodeValue(key string, strategy esv1.ExternalSecretDecodingStrategy, v []byte) ([]byte, error) {
	out, err := secretdata.Decode(strategy, v)
	if err != nil {
		return nil, fmt.Errorf("unable to decode the output of template at key %s: %w", key, err)
	}
	return out, nil
}
