package externalsecret

import (
	"encoding/binary"
	"hash/fnv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/objecthash"
)

// The decision "does this ExternalSecret need a provider round trip now?" is a chain of small
// pure functions, each tested with one table in refresh_test.go.

// jitterFraction spreads refreshes over ±10% of the interval (§17.5), so that objects synced
// together (after a restart, after a mass apply) do not keep hitting the store together.
const jitterFraction = 0.10

// resourceVersion is the marker recorded in status.syncedResourceVersion: it changes when the
// spec, a label or an annotation changes, which is what force-sync relies on.
func resourceVersion(es *esv1.ExternalSecret) string {
	return objecthash.ResourceVersion(es.Generation, es.Labels, es.Annotations)
}

// interval is the effective refresh interval: the spec's, or the controller default when the
// object predates the CRD default.
func interval(es *esv1.ExternalSecret, fallback time.Duration) time.Duration {
	if es.Spec.RefreshInterval == nil {
		return fallback
	}
	return es.Spec.RefreshInterval.Duration
}

// jitter is a stable offset in [-10%, +10%) of d for one object and one sync: it depends on
// the object's UID and the time of its last sync, so every reconcile of that object computes
// the same due time and the spread survives restarts.
func jitter(es *esv1.ExternalSecret, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(es.UID))
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(es.Status.RefreshTime.UnixNano()))
	h.Write(b[:])
	span := int64(float64(d) * 2 * jitterFraction)
	if span <= 0 {
		return 0
	}
	return time.Duration(int64(h.Sum64()%uint64(span)) - span/2)
}

// dueAt is when the next periodic refresh is due; the zero time when it never is.
func dueAt(es *esv1.ExternalSecret, fallback time.Duration) time.Time {
	d := interval(es, fallback)
	if d <= 0 || es.Status.RefreshTime.IsZero() {
		return time.Time{}
	}
	return es.Status.RefreshTime.Add(d + jitter(es, d))
}

// neverSynced: an object that has not completed a sync always needs one.
func neverSynced(es *esv1.ExternalSecret) bool {
	return es.Status.SyncedResourceVersion == "" || es.Status.RefreshTime.IsZero()
}

// changedSinceSync: spec, labels or annotations changed since the last sync (force-sync).
func changedSinceSync(es *esv1.ExternalSecret) bool {
	return es.Status.SyncedResourceVersion != resourceVersion(es)
}

// shouldRefresh applies the refreshPolicy. With Periodic (or empty) and refreshInterval 0, a
// change still refreshes (§17.4: force-sync works with interval 0; upstream ignored it).
func shouldRefresh(es *esv1.ExternalSecret, now time.Time, fallback time.Duration) bool {
	if neverSynced(es) {
		return true
	}
	switch es.Spec.RefreshPolicy {
	case esv1.RefreshPolicyCreatedOnce:
		return false
	case esv1.RefreshPolicyOnChange:
		return changedSinceSync(es)
	case esv1.RefreshPolicyPeriodic:
	}
	if changedSinceSync(es) {
		return true
	}
	if interval(es, fallback) <= 0 {
		return false
	}
	if es.Status.RefreshTime.After(now) {
		return true // clock skew or a restored object: do not trust a future sync time
	}
	if now.Before(dueAt(es, fallback)) {
		return false
	}
	allowed, _ := windowState(es.Spec.SyncWindows, now)
	return allowed // syncWindows restrict periodic refreshes only, never changes
}

// lastSyncFailed: the last sync did not succeed, so the target may not hold what the spec
// asks for. Such an object syncs at every reconcile (its retries and rechecks are paced by
// the rate limiter), whatever its refresh policy: otherwise a failed forced sync would
// stay failed until its next periodic refresh.
func lastSyncFailed(es *esv1.ExternalSecret) bool {
	c := meta.FindStatusCondition(es.Status.Conditions, esv1.ExternalSecretReady)
	return c != nil && c.Status == metav1.ConditionFalse
}

// mustSync is the whole decision. dependencyChanged says that a store's spec, a templateFrom
// ConfigMap or a generator changed since the last sync: that refreshes Periodic objects
// only. CreatedOnce and OnChange are explicit promises not to refresh for anything but the
// object's own changes, and a CreatedOnce password must survive its generator being edited.
func mustSync(es *esv1.ExternalSecret, now time.Time, fallback time.Duration, dependencyChanged bool, target *corev1.Secret) bool {
	if !targetValid(es, target) || lastSyncFailed(es) || shouldRefresh(es, now, fallback) {
		return true
	}
	return dependencyChanged && (es.Spec.RefreshPolicy == "" || es.Spec.RefreshPolicy == esv1.RefreshPolicyPeriodic)
}

// targetValid reports whether the existing target still holds what the controller last wrote:
// it exists, carries the managed label, and its data matches the data-hash annotation. An
// Orphan target is not watched for drift; it is repaired at the next scheduled refresh.
func targetValid(es *esv1.ExternalSecret, target *corev1.Secret) bool {
	if es.Spec.Target.CreationPolicy == esv1.CreatePolicyOrphan {
		return true
	}
	if target == nil {
		return false
	}
	if target.Labels[esv1.LabelManaged] != esv1.LabelManagedValue {
		return false
	}
	return target.Annotations[esv1.AnnotationDataHash] == objecthash.Data(target.Data)
}

// requeueAfter is when a synced (or skipped) object is next looked at: at its jittered due
// time, or never for refreshInterval 0. A refresh that is already due (e.g. it was skipped
// because the object was just synced by another path) is looked at again after a second.
func requeueAfter(es *esv1.ExternalSecret, now time.Time, fallback time.Duration) time.Duration {
	d := interval(es, fallback)
	if d <= 0 {
		return 0
	}
	due := dueAt(es, fallback)
	if due.IsZero() {
		return d + jitter(es, d)
	}
	if wait := due.Sub(now); wait > 0 {
		return wait
	}
	if allowed, next := windowState(es.Spec.SyncWindows, now); !allowed && next.After(now) {
		return next.Sub(now) // due but outside its sync window: sleep until the window opens
	}
	return time.Second
}
