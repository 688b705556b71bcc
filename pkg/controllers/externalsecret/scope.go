package externalsecret

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/state"
)

// outcome is how a successful sync ended; it selects the Ready reason and message.
type outcome int

const (
	// outcomeSynced: the target holds the provider data (or, with creationPolicy None,
	// nothing was to be written).
	outcomeSynced outcome = iota
	// outcomeRetained: the provider returned no data and deletionPolicy Retain kept the target.
	outcomeRetained
	// outcomeDeleted: the provider returned no data and deletionPolicy Delete removed the target.
	outcomeDeleted
	// outcomeMissing: creationPolicy Merge and there is no Secret to merge into.
	outcomeMissing
)

// scope is what one reconcile observed and did. Steps fill it in; setStatus reads it.
type scope struct {
	es *esv1.ExternalSecret
	// start is the reconcile start, truncated to what status.refreshTime can hold, so that
	// the due time computed now equals the one computed from the persisted status.
	start time.Time
	// rv is the change marker of the object as reconciled.
	rv string
	// target is the existing target Secret, nil when it was not found in the managed cache.
	target *corev1.Secret
	// data is the provider data after the key pipeline, before templating.
	data map[string][]byte
	// outcome is how the sync ended when it succeeded.
	outcome outcome
	// states records the generator states of this sync; nil when none are kept.
	states *state.Batch
}

func newScope(es *esv1.ExternalSecret, now time.Time) *scope {
	return &scope{es: es, start: now.Truncate(time.Second), rv: resourceVersion(es)}
}

// targetName is the name of the target Secret: target.name, or the ExternalSecret's name.
func targetName(es *esv1.ExternalSecret) string {
	if es.Spec.Target.Name != "" {
		return es.Spec.Target.Name
	}
	return es.Name
}
