// Package metrics holds every collector the controllers export, with upstream's names and
// labels so that existing dashboards and alerts keep working, and records them from the
// final state of a reconcile. Nothing else in the code base touches a collector.
//
// No label ever carries a secret value: labels are object names and namespaces, condition
// types and statuses, provider and call names.
package metrics

import (
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Status label values of the provider API call counter.
const (
	StatusSuccess = "success"
	StatusError   = "error"
)

// extendedLabels are the app.kubernetes.io/* labels copied onto series with
// --enable-extended-metric-labels, already in Prometheus form.
var extendedLabels = []string{
	"app_kubernetes_io_name", "app_kubernetes_io_instance", "app_kubernetes_io_version",
	"app_kubernetes_io_component", "app_kubernetes_io_part_of", "app_kubernetes_io_managed_by",
}

var nonAlnum = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// Recorder owns the collectors. One per process; the zero value is not usable, use New.
type Recorder struct {
	extended bool

	apiCalls *prometheus.CounterVec
	kinds    map[string]*kindCollectors
}

// kindCollectors are the per-object series of one kind (externalsecret, secretstore, ...).
type kindCollectors struct {
	syncCalls  *prometheus.CounterVec // externalsecret only
	syncErrors *prometheus.CounterVec // externalsecret only
	condition  *prometheus.GaugeVec
	duration   *prometheus.GaugeVec
	histogram  *prometheus.HistogramVec // externalsecret only (§17.12)
}

// Kinds whose series this package knows, as they prefix the metric names.
const (
	ExternalSecret        = "externalsecret"
	SecretStore           = "secretstore"
	ClusterSecretStore    = "clustersecretstore"
	ClusterExternalSecret = "clusterexternalsecret"
	PushSecret            = "pushsecret"
	ClusterPushSecret     = "clusterpushsecret"
)

// New creates and registers the collectors of the given kinds (only enabled controllers'
// metrics are registered) plus the provider API call counter, which is always there.
func New(reg prometheus.Registerer, extended bool, kinds ...string) (*Recorder, error) {
	r := &Recorder{extended: extended, kinds: map[string]*kindCollectors{}}
	r.apiCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Subsystem: "externalsecret", Name: "provider_api_calls_count",
		Help: "Number of API calls made to secret stores, by provider, call and outcome.",
	}, []string{"provider", "call", "status"})
	cs := []prometheus.Collector{r.apiCalls}
	for _, kind := range kinds {
		k := r.newKind(kind)
		r.kinds[kind] = k
		cs = append(cs, k.condition, k.duration)
		if kind == ExternalSecret {
			cs = append(cs, k.syncCalls, k.syncErrors, k.histogram)
		}
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// MustNew is New for processes that build the recorder once; it panics on a registration
// conflict, which is a programming error.
func MustNew(reg prometheus.Registerer, extended bool, kinds ...string) *Recorder {
	r, err := New(reg, extended, kinds...)
	if err != nil {
		panic(err)
	}
	return r
}

func (r *Recorder) objectLabels() []string {
	l := []string{"name", "namespace"}
	if r.extended {
		l = append(l, extendedLabels...)
	}
	return l
}

func (r *Recorder) newKind(kind string) *kindCollectors {
	obj := r.objectLabels()
	k := &kindCollectors{
		condition: prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: kind, Name: "status_condition",
			Help: "The status condition of a specific " + kind + ": 1 for the current status, 0 for the other."},
			append(append([]string{}, obj...), "condition", "status")),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: kind, Name: "reconcile_duration",
			Help: "Duration of the last reconcile of a " + kind + ", in nanoseconds (upstream's unit)."}, obj),
	}
	if kind == ExternalSecret {
		k.syncCalls = prometheus.NewCounterVec(prometheus.CounterOpts{Subsystem: kind, Name: "sync_calls_total",
			Help: "Total number of ExternalSecret reconciles."}, obj)
		k.syncErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Subsystem: kind, Name: "sync_calls_error",
			Help: "Total number of ExternalSecret reconciles that failed."}, obj)
		k.histogram = prometheus.NewHistogramVec(prometheus.HistogramOpts{Subsystem: kind, Name: "reconcile_duration_seconds",
			Help:    "Duration of ExternalSecret reconciles, in seconds.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}}, []string{"namespace"})
	}
	return k
}

// Object is what a reconcile reports about one object.
type Object struct {
	// Key is the object's namespace and name (namespace empty for cluster-scoped kinds).
	Key types.NamespacedName
	// Labels are the object's labels, for the extended metric labels; nil when the object is gone.
	Labels map[string]string
	// Conditions are the object's final conditions; nil when the object is gone.
	Conditions []metav1.Condition
	// Gone is true when the object no longer exists: its series are removed.
	Gone bool
	// Failed is true when the reconcile failed (for sync_calls_error).
	Failed bool
	// Duration is how long the reconcile took.
	Duration time.Duration
}

// Reconciled records the outcome of one reconcile of an object of kind. Called once, from
// the end of the reconcile, with the final status.
func (r *Recorder) Reconciled(kind string, o Object) {
	if r == nil {
		return
	}
	k, ok := r.kinds[kind]
	if !ok {
		return
	}
	base := prometheus.Labels{"name": o.Key.Name, "namespace": o.Key.Namespace}
	if o.Gone {
		k.condition.DeletePartialMatch(base)
		k.duration.DeletePartialMatch(base)
		if k.syncCalls != nil {
			k.syncCalls.DeletePartialMatch(base)
			k.syncErrors.DeletePartialMatch(base)
		}
		return
	}
	labels := r.withExtended(base, o.Labels)
	k.duration.With(labels).Set(float64(o.Duration))
	if k.syncCalls != nil {
		k.syncCalls.With(labels).Inc()
		if o.Failed {
			k.syncErrors.With(labels).Inc()
		}
		k.histogram.WithLabelValues(o.Key.Namespace).Observe(o.Duration.Seconds())
	}
	r.setConditions(k, labels, o.Conditions)
}

// setConditions exports each condition as two series, 1 for its status and 0 for the
// opposite one, so that `== 0` alerts work without absent().
func (r *Recorder) setConditions(k *kindCollectors, labels prometheus.Labels, conds []metav1.Condition) {
	for _, c := range conds {
		current, other := string(c.Status), string(metav1.ConditionFalse)
		if c.Status == metav1.ConditionFalse {
			other = string(metav1.ConditionTrue)
		}
		k.condition.With(with(labels, "condition", c.Type, "status", current)).Set(1)
		k.condition.With(with(labels, "condition", c.Type, "status", other)).Set(0)
	}
}

func (r *Recorder) withExtended(base prometheus.Labels, objLabels map[string]string) prometheus.Labels {
	out := prometheus.Labels{}
	for k, v := range base {
		out[k] = v
	}
	if !r.extended {
		return out
	}
	for _, l := range extendedLabels {
		out[l] = ""
	}
	for k, v := range objLabels {
		if !strings.HasPrefix(k, "app.kubernetes.io/") {
			continue
		}
		name := strings.ToLower(nonAlnum.ReplaceAllString(k, "_"))
		if _, known := out[name]; known {
			out[name] = v
		}
	}
	return out
}

func with(base prometheus.Labels, kv ...string) prometheus.Labels {
	out := prometheus.Labels{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// ObserveAPICall counts one call of a provider to its backend. Providers get it as their
// providers.CallObserver.
func (r *Recorder) ObserveAPICall(provider, call string, err error) {
	if r == nil {
		return
	}
	status := StatusSuccess
	if err != nil {
		status = StatusError
	}
	r.apiCalls.WithLabelValues(provider, call, status).Inc()
}
