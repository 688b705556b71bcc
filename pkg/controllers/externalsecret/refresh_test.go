package externalsecret

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/objecthash"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// synced returns an ExternalSecret that last synced at `at`, with its current metadata.
func synced(policy esv1.ExternalSecretRefreshPolicy, every time.Duration, at time.Time) *esv1.ExternalSecret {
	es := &esv1.ExternalSecret{
		ObjectMeta: metav1.ObjectMeta{Name: "es", Namespace: "ns", UID: "uid-1", Generation: 1},
		Spec:       esv1.ExternalSecretSpec{RefreshPolicy: policy, RefreshInterval: &metav1.Duration{Duration: every}},
	}
	es.Status.RefreshTime = metav1.NewTime(at)
	es.Status.SyncedResourceVersion = resourceVersion(es)
	return es
}

func edited(es *esv1.ExternalSecret) *esv1.ExternalSecret {
	es.Annotations = map[string]string{"force-sync": "1"}
	return es
}

// windowed allows periodic refreshes only between 02:00 and 03:00 UTC.
func windowed(es *esv1.ExternalSecret) *esv1.ExternalSecret {
	es.Spec.SyncWindows = &esv1.SyncWindows{Kind: esv1.SyncWindowAllow, Windows: []esv1.SyncWindow{
		{Schedule: "0 2 * * *", Duration: metav1.Duration{Duration: time.Hour}}}}
	return es
}

func TestShouldRefresh(t *testing.T) {
	tests := []struct {
		name string
		es   *esv1.ExternalSecret
		now  time.Time
		want bool
	}{
		{"never synced", &esv1.ExternalSecret{}, t0, true},
		{"synced but no refresh time", func() *esv1.ExternalSecret {
			es := synced("", time.Hour, t0)
			es.Status.RefreshTime = metav1.Time{}
			return es
		}(), t0, true},
		{"periodic, not due", synced("", time.Hour, t0), t0.Add(30 * time.Minute), false},
		{"periodic, due (past the jitter window)", synced("", time.Hour, t0), t0.Add(67 * time.Minute), true},
		{"periodic, annotation changed (force-sync)", edited(synced("", time.Hour, t0)), t0.Add(time.Minute), true},
		{"periodic, refresh time in the future", synced("", time.Hour, t0.Add(time.Hour)), t0, true},
		{"interval 0, unchanged: sync once", synced(esv1.RefreshPolicyPeriodic, 0, t0), t0.Add(48 * time.Hour), false},
		{"interval 0, annotation changed: force-sync still works", edited(synced(esv1.RefreshPolicyPeriodic, 0, t0)), t0.Add(time.Minute), true},
		{"created once never refreshes again", edited(synced(esv1.RefreshPolicyCreatedOnce, time.Hour, t0)), t0.Add(48 * time.Hour), false},
		{"on change, unchanged", synced(esv1.RefreshPolicyOnChange, time.Hour, t0), t0.Add(48 * time.Hour), false},
		{"on change, changed", edited(synced(esv1.RefreshPolicyOnChange, time.Hour, t0)), t0.Add(time.Minute), true},
		{"periodic, due but outside the allowed window", windowed(synced("", time.Hour, t0)), t0.Add(2 * time.Hour), false},
		{"periodic, due and inside the allowed window", windowed(synced("", time.Hour, t0)), time.Date(2026, 1, 2, 2, 30, 0, 0, time.UTC), true},
		{"a change refreshes outside the window too", edited(windowed(synced("", time.Hour, t0))), t0.Add(2 * time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shouldRefresh(tt.es, tt.now, time.Hour); got != tt.want {
				t.Fatalf("got %v want %v", got, tt.want)
			}
		})
	}
}

func TestJitter_staysWithinTenPercentAndIsStable(t *testing.T) {
	seen := map[time.Duration]bool{}
	for i := range 200 {
		es := synced("", time.Hour, t0.Add(time.Duration(i)*time.Second))
		j := jitter(es, time.Hour)
		if j < -6*time.Minute || j >= 6*time.Minute {
			t.Fatalf("jitter %v outside ±10%%", j)
		}
		if jitter(es, time.Hour) != j {
			t.Fatal("jitter must be stable for one object and one sync")
		}
		seen[j] = true
	}
	if len(seen) < 100 {
		t.Fatalf("jitter does not spread: %d distinct values of 200", len(seen))
	}
	if jitter(synced("", 0, t0), 0) != 0 {
		t.Fatal("no jitter without an interval")
	}
}

func TestRequeueAfter(t *testing.T) {
	es := synced("", time.Hour, t0)
	due := t0.Add(time.Hour + jitter(es, time.Hour))
	tests := []struct {
		name string
		es   *esv1.ExternalSecret
		now  time.Time
		want time.Duration
	}{
		{"waits until the jittered due time", es, t0.Add(10 * time.Minute), due.Sub(t0.Add(10 * time.Minute))},
		{"interval 0 never requeues", synced("", 0, t0), t0, 0},
		{"overdue looks again in a second", es, t0.Add(2 * time.Hour), time.Second},
		{"due outside the sync window sleeps until it opens", windowed(synced("", time.Hour, t0)), t0.Add(2 * time.Hour),
			time.Date(2026, 1, 2, 2, 0, 0, 0, time.UTC).Sub(t0.Add(2 * time.Hour))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := requeueAfter(tt.es, tt.now, time.Hour); got != tt.want {
				t.Fatalf("got %v want %v", got, tt.want)
			}
		})
	}
}

func TestTargetValid(t *testing.T) {
	good := func() *corev1.Secret {
		s := &corev1.Secret{Data: map[string][]byte{"k": []byte("v")}}
		s.Labels = map[string]string{esv1.LabelManaged: esv1.LabelManagedValue}
		s.Annotations = map[string]string{esv1.AnnotationDataHash: objecthash.Data(s.Data)}
		return s
	}
	owner := &esv1.ExternalSecret{Spec: esv1.ExternalSecretSpec{Target: esv1.ExternalSecretTarget{CreationPolicy: esv1.CreatePolicyOwner}}}
	orphan := &esv1.ExternalSecret{Spec: esv1.ExternalSecretSpec{Target: esv1.ExternalSecretTarget{CreationPolicy: esv1.CreatePolicyOrphan}}}
	tampered := good()
	tampered.Data["k"] = []byte("edited")
	unlabelled := good()
	delete(unlabelled.Labels, esv1.LabelManaged)
	tests := []struct {
		name   string
		es     *esv1.ExternalSecret
		secret *corev1.Secret
		want   bool
	}{
		{"intact target", owner, good(), true},
		{"missing target", owner, nil, false},
		{"data edited by someone else", owner, tampered, false},
		{"managed label removed", owner, unlabelled, false},
		{"orphan targets are not checked", orphan, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := targetValid(tt.es, tt.secret); got != tt.want {
				t.Fatalf("got %v want %v", got, tt.want)
			}
		})
	}
}

func failed(es *esv1.ExternalSecret) *esv1.ExternalSecret {
	es.Status.Conditions = []metav1.Condition{{Type: esv1.ExternalSecretReady, Status: metav1.ConditionFalse, Reason: esv1.ConditionReasonSecretSyncedError}}
	return es
}

func TestMustSync(t *testing.T) {
	valid := func(es *esv1.ExternalSecret) *corev1.Secret {
		data := map[string][]byte{"k": []byte("v")}
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{esv1.LabelManaged: esv1.LabelManagedValue},
				Annotations: map[string]string{esv1.AnnotationDataHash: objecthash.Data(data)}},
			Data: data,
		}
	}
	notDue := t0.Add(30 * time.Minute)
	tests := []struct {
		name              string
		es                *esv1.ExternalSecret
		dependencyChanged bool
		target            func(*esv1.ExternalSecret) *corev1.Secret
		want              bool
	}{
		{"periodic, not due, valid target", synced("", time.Hour, t0), false, valid, false},
		{"periodic, a dependency changed", synced("", time.Hour, t0), true, valid, true},
		{"explicit Periodic, a dependency changed", synced(esv1.RefreshPolicyPeriodic, time.Hour, t0), true, valid, true},
		{"created once ignores dependency changes", synced(esv1.RefreshPolicyCreatedOnce, time.Hour, t0), true, valid, false},
		{"on change ignores dependency changes", synced(esv1.RefreshPolicyOnChange, time.Hour, t0), true, valid, false},
		{"created once, target gone", synced(esv1.RefreshPolicyCreatedOnce, time.Hour, t0), false, func(*esv1.ExternalSecret) *corev1.Secret { return nil }, true},
		{"the last sync failed", failed(synced("", time.Hour, t0)), false, valid, true},
		{"created once whose last sync failed", failed(synced(esv1.RefreshPolicyCreatedOnce, time.Hour, t0)), false, valid, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustSync(tt.es, notDue, time.Hour, tt.dependencyChanged, tt.target(tt.es)); got != tt.want {
				t.Fatalf("mustSync = %v, want %v", got, tt.want)
			}
		})
	}
}
