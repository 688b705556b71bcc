package externalsecret

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
)

// applyTemplate renders the target from the fetched data (§10.4). Template errors need a spec
// change (or a change of a templateFrom source, which re-triggers through its watch), so they
// are terminal.
func (r *Reconciler) applyTemplate(ctx context.Context, s *scope, secret *corev1.Secret) error {
	err := r.Templates.Apply(ctx, template.ApplyInput{
		Secret:         secret,
		Template:       s.es.Spec.Target.Template,
		Data:           s.data,
		ESLabels:       s.es.Labels,
		ESAnnotations:  s.es.Annotations,
		CreationPolicy: s.es.Spec.Target.CreationPolicy,
		Sources:        templateSources{reader: r.Client, namespace: s.es.Namespace},
		Namespace:      s.es.Namespace,
	})
	if apierrors.IsNotFound(err) {
		// A templateFrom source that does not exist yet: a ConfigMap's creation re-queues us
		// through the watch, a Secret's is noticed by the retry.
		return result.NewWaiting(esv1.ConditionReasonSecretSyncedError, messageUpdateFailed, time.Minute, fmt.Errorf("could not apply template: %w", err))
	}
	if err != nil {
		return result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageUpdateFailed, fmt.Errorf("could not apply template: %w", err))
	}
	return nil
}

// templateSources reads templateFrom ConfigMaps and Secrets from the ExternalSecret's
// namespace.
type templateSources struct {
	reader    client.Reader
	namespace string
}

func (t templateSources) ConfigMap(ctx context.Context, name string) (map[string]string, error) {
	var cm corev1.ConfigMap
	if err := t.reader.Get(ctx, client.ObjectKey{Namespace: t.namespace, Name: name}, &cm); err != nil {
		return nil, err
	}
	return cm.Data, nil
}

func (t templateSources) Secret(ctx context.Context, name string) (map[string][]byte, error) {
	var s corev1.Secret
	if err := t.reader.Get(ctx, client.ObjectKey{Namespace: t.namespace, Name: name}, &s); err != nil {
		return nil, err
	}
	return s.Data, nil
}
