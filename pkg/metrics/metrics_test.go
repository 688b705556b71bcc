package metrics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func ready(status metav1.ConditionStatus) []metav1.Condition {
	return []metav1.Condition{{Type: "Ready", Status: status}}
}

func TestRecorder_externalSecretSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := New(reg, false, ExternalSecret, SecretStore)
	if err != nil {
		t.Fatal(err)
	}
	key := types.NamespacedName{Namespace: "ns", Name: "db"}
	r.Reconciled(ExternalSecret, Object{Key: key, Conditions: ready(metav1.ConditionTrue), Duration: 3 * time.Millisecond})
	r.Reconciled(ExternalSecret, Object{Key: key, Conditions: ready(metav1.ConditionFalse), Failed: true, Duration: time.Millisecond})
	r.ObserveAPICall("Kubernetes", "GetSecret", nil)
	r.ObserveAPICall("Kubernetes", "GetSecret", errors.New("x"))

	want := `
# HELP externalsecret_status_condition The status condition of a specific externalsecret: 1 for the current status, 0 for the other.
# TYPE externalsecret_status_condition gauge
externalsecret_status_condition{condition="Ready",name="db",namespace="ns",status="False"} 1
externalsecret_status_condition{condition="Ready",name="db",namespace="ns",status="True"} 0
# HELP externalsecret_sync_calls_error Total number of ExternalSecret reconciles that failed.
# TYPE externalsecret_sync_calls_error counter
externalsecret_sync_calls_error{name="db",namespace="ns"} 1
# HELP externalsecret_sync_calls_total Total number of ExternalSecret reconciles.
# TYPE externalsecret_sync_calls_total counter
externalsecret_sync_calls_total{name="db",namespace="ns"} 2
# HELP externalsecret_reconcile_duration Duration of the last reconcile of a externalsecret, in nanoseconds (upstream's unit).
# TYPE externalsecret_reconcile_duration gauge
externalsecret_reconcile_duration{name="db",namespace="ns"} 1e+06
# HELP externalsecret_provider_api_calls_count Number of API calls made to secret stores, by provider, call and outcome.
# TYPE externalsecret_provider_api_calls_count counter
externalsecret_provider_api_calls_count{call="GetSecret",provider="Kubernetes",status="error"} 1
externalsecret_provider_api_calls_count{call="GetSecret",provider="Kubernetes",status="success"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "externalsecret_status_condition", "externalsecret_sync_calls_error",
		"externalsecret_sync_calls_total", "externalsecret_reconcile_duration", "externalsecret_provider_api_calls_count"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(r.kinds[ExternalSecret].histogram); n != 1 {
		t.Fatalf("histogram series: %d", n)
	}

	r.Reconciled(ExternalSecret, Object{Key: key, Gone: true})
	for _, name := range []string{"externalsecret_status_condition", "externalsecret_sync_calls_total", "externalsecret_reconcile_duration"} {
		if n, _ := testutil.GatherAndCount(reg, name); n != 0 {
			t.Fatalf("%s still has %d series after deletion", name, n)
		}
	}
}

func TestRecorder_extendedLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := New(reg, true, SecretStore)
	if err != nil {
		t.Fatal(err)
	}
	r.Reconciled(SecretStore, Object{Key: types.NamespacedName{Namespace: "ns", Name: "s"}, Conditions: ready(metav1.ConditionTrue),
		Labels: map[string]string{"app.kubernetes.io/name": "vault", "app.kubernetes.io/part-of": "platform", "other": "x"}})
	want := `
# HELP secretstore_reconcile_duration Duration of the last reconcile of a secretstore, in nanoseconds (upstream's unit).
# TYPE secretstore_reconcile_duration gauge
secretstore_reconcile_duration{app_kubernetes_io_component="",app_kubernetes_io_instance="",app_kubernetes_io_managed_by="",app_kubernetes_io_name="vault",app_kubernetes_io_part_of="platform",app_kubernetes_io_version="",name="s",namespace="ns"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "secretstore_reconcile_duration"); err != nil {
		t.Fatal(err)
	}
	if n, _ := testutil.GatherAndCount(reg, "externalsecret_sync_calls_total"); n != 0 {
		t.Fatal("collectors of disabled controllers must not be registered")
	}
}
