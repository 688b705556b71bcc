package externalsecret

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
)

// readyCondition is the Ready condition for a sync that ended with err (nil: success with
// the given outcome). Pure, so every row of the outcome table is tested without a server.
func readyCondition(out outcome, err error, generation int64) metav1.Condition {
	c := metav1.Condition{Type: esv1.ExternalSecretReady, Status: metav1.ConditionTrue, ObservedGeneration: generation}
	if err != nil {
		e := result.As(err, esv1.ConditionReasonSecretSyncedError, messageUpdateFailed)
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, e.Reason, e.Message
		return c
	}
	switch out {
	case outcomeRetained:
		c.Reason, c.Message = esv1.ConditionReasonSecretSynced, "secret retained due to DeletionPolicy=Retain"
	case outcomeDeleted:
		c.Reason, c.Message = esv1.ConditionReasonSecretDeleted, "secret deleted due to DeletionPolicy=Delete"
	case outcomeMissing:
		c.Reason, c.Message = esv1.ConditionReasonSecretMissing, "secret will not be created due to CreationPolicy=Merge"
	default:
		c.Reason, c.Message = esv1.ConditionReasonSecretSynced, "secret synced"
	}
	return c
}

// setStatus computes the status from what the reconcile observed. A failure keeps
// refreshTime and syncedResourceVersion, so the next reconcile tries again; the error detail
// goes to a Warning event (when it differs from the last one) and never to the condition.
func (r *Reconciler) setStatus(ctx context.Context, s *scope, err error) {
	es := s.es
	meta.SetStatusCondition(&es.Status.Conditions, readyCondition(s.outcome, err, es.Generation))
	key := client.ObjectKeyFromObject(es).String()
	if err != nil {
		if r.failures.changed(key, err.Error()) {
			r.Events.Eventf(es, nil, corev1.EventTypeWarning, esv1.EventReasonUpdateFailed, "Sync", "%s", err.Error())
		}
		ctrl.LoggerFrom(ctx).V(1).Info("sync failed", "error", err.Error())
		return
	}
	r.failures.forget(key)
	es.Status.RefreshTime = metav1.NewTime(s.start)
	es.Status.SyncedResourceVersion = s.rv
}

// patchStatus writes the status once, and only when it changed.
func (r *Reconciler) patchStatus(ctx context.Context, es *esv1.ExternalSecret, before *esv1.ExternalSecretStatus) error {
	if equality.Semantic.DeepEqual(before, &es.Status) {
		return nil
	}
	base := es.DeepCopy()
	base.Status = *before
	return client.IgnoreNotFound(r.Client.Status().Patch(ctx, es, client.MergeFrom(base)))
}

// failureMemory remembers the last error reported for each object, so that a failure that
// repeats under backoff produces one Warning event instead of one per retry.
type failureMemory struct {
	mu   sync.Mutex
	last map[string]string
}

func (f *failureMemory) changed(key, msg string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last == nil {
		f.last = map[string]string{}
	}
	if f.last[key] == msg {
		return false
	}
	f.last[key] = msg
	return true
}

func (f *failureMemory) forget(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.last, key)
}
