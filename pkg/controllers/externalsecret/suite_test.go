package externalsecret_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/controllers/externalsecret"
	"github.com/seedb5e69c69/external-secrets/pkg/controllers/generatorstate"
	"github.com/seedb5e69c69/external-secrets/pkg/controllers/secretstore"
	"github.com/seedb5e69c69/external-secrets/pkg/eventrecorder"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
	fakegen "github.com/seedb5e69c69/external-secrets/pkg/generators/fake"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/password"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/state"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/uuid"
	"github.com/seedb5e69c69/external-secrets/pkg/metrics"
	"github.com/seedb5e69c69/external-secrets/pkg/objecthash"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/pkg/store"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/fake"
	"github.com/seedb5e69c69/external-secrets/providers/kubernetes"
)

var (
	env *testenv.Env
	// metricsURL is where the test manager serves its metrics.
	metricsURL string
	// logs collects everything the controllers log, for the leak test.
	logs syncBuffer
	// k reads and writes as a user would, bypassing the controller's caches.
	k client.Client
)

// TestMain starts one control plane and one manager running the ExternalSecret and store
// controllers, configured as the binary configures them (managed-Secret cache, flood gate).
func TestMain(m *testing.M) {
	_ = result.RateLimiter // the controllers use the production rate limiter
	e, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env, k = e, e.Client
	ctx, cancel := context.WithCancel(context.Background())
	if err := startManager(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = e.Stop()
		os.Exit(1)
	}
	code := m.Run()
	cancel()
	_ = e.Stop()
	os.Exit(code)
}

func startManager(ctx context.Context) error {
	ctrl.SetLogger(zap.New(zap.WriteTo(&logs), zap.Level(zapcore.DebugLevel)))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	_ = l.Close()
	metricsURL = "http://" + addr + "/metrics"
	rec, err := metrics.New(ctrlmetrics.Registry, false, metrics.ExternalSecret, metrics.SecretStore, metrics.ClusterSecretStore)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  env.Scheme,
		Metrics: metricsserver.Options{BindAddress: addr},
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{&corev1.Secret{}: {
			Label: labels.SelectorFromSet(labels.Set{esv1.LabelManaged: esv1.LabelManagedValue}),
		}}},
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}}}},
	})
	if err != nil {
		return err
	}
	reg, err := providers.NewRegistry(
		providers.Entry{Name: "fake", Provider: fake.New(fake.WithCallObserver(rec)), Maintenance: providers.NotMaintained},
		providers.Entry{Name: "kubernetes", Provider: kubernetes.New(kubernetes.WithInClusterCAFile(""), kubernetes.WithCallObserver(rec))},
	)
	if err != nil {
		return err
	}
	gens, err := generators.NewRegistry(
		generators.Entry{Kind: "Password", Generator: password.Generator{}},
		generators.Entry{Kind: "UUID", Generator: uuid.Generator{}},
		generators.Entry{Kind: "Fake", Generator: fakegen.Generator{}},
		generators.Entry{Kind: "VaultDynamicSecret", Generator: testLeases},
	)
	if err != nil {
		return err
	}
	r := &externalsecret.Reconciler{
		Generators: gens,
		States:     &state.Books{Client: mgr.GetClient(), GracePeriod: testGracePeriod},
		Client:     mgr.GetClient(),
		Secrets:    mgr.GetCache(),
		APIReader:  mgr.GetAPIReader(),
		Stores: &store.Resolver{Client: mgr.GetClient(), Registry: reg, ControllerClass: "default", FloodGate: true,
			Reads: store.NewReadCache(time.Minute)},
		Templates:         template.New(),
		Events:            eventrecorder.For(mgr, "external-secrets"),
		RequeueInterval:   time.Hour,
		ClusterStores:     true,
		ClusterGenerators: true,
		Metrics:           rec,
	}
	if err := r.SetupWithManager(ctx, mgr, 4); err != nil {
		return err
	}
	gs := &generatorstate.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Generators: gens, Events: eventrecorder.For(mgr, "generator-state")}
	if err := gs.SetupWithManager(mgr, 2); err != nil {
		return err
	}
	for _, newStore := range []func() esv1.GenericStore{
		func() esv1.GenericStore { return &esv1.SecretStore{} },
		func() esv1.GenericStore { return &esv1.ClusterSecretStore{} },
	} {
		sr := &secretstore.Reconciler{Client: mgr.GetClient(), Registry: reg, NewStore: newStore, ControllerClass: "default",
			RequeueInterval: 5 * time.Minute, Events: eventrecorder.For(mgr, "secret-store"), Metrics: rec}
		if err := sr.SetupWithManager(mgr, 2); err != nil {
			return err
		}
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return nil
}

// ---- helpers ----

// syncBuffer is a bytes.Buffer safe for the concurrent writes of the logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// kv is the fake store's content: remote key -> value.
type kv map[string]string

func fakeProvider(data kv) *esv1.SecretStoreProvider {
	p := &esv1.FakeProvider{Data: []esv1.FakeProviderData{}}
	for key, v := range data {
		p.Data = append(p.Data, esv1.FakeProviderData{Key: key, Value: v})
	}
	return &esv1.SecretStoreProvider{Fake: p}
}

func newStore(t *testing.T, ns, name string, data kv) *esv1.SecretStore {
	t.Helper()
	st := &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: esv1.SecretStoreSpec{Provider: fakeProvider(data)}}
	must(t, k.Create(context.Background(), st))
	return st
}

func setStoreData(t *testing.T, st *esv1.SecretStore, data kv) {
	t.Helper()
	eventually(t, 5*time.Second, func() error {
		var cur esv1.SecretStore
		if err := k.Get(context.Background(), client.ObjectKeyFromObject(st), &cur); err != nil {
			return err
		}
		cur.Spec.Provider = fakeProvider(data)
		return k.Update(context.Background(), &cur)
	})
}

type esOption func(*esv1.ExternalSecret)

func withData(secretKey, remoteKey string) esOption {
	return func(es *esv1.ExternalSecret) {
		es.Spec.Data = append(es.Spec.Data, esv1.ExternalSecretData{SecretKey: secretKey, RemoteRef: esv1.ExternalSecretDataRemoteRef{Key: remoteKey}})
	}
}

func withExtract(remoteKey string) esOption {
	return func(es *esv1.ExternalSecret) {
		es.Spec.DataFrom = append(es.Spec.DataFrom, esv1.ExternalSecretDataFromRemoteRef{Extract: &esv1.ExternalSecretDataRemoteRef{Key: remoteKey}})
	}
}

func withPolicies(c esv1.ExternalSecretCreationPolicy, d esv1.ExternalSecretDeletionPolicy) esOption {
	return func(es *esv1.ExternalSecret) {
		es.Spec.Target.CreationPolicy, es.Spec.Target.DeletionPolicy = c, d
	}
}

func withTarget(name string) esOption {
	return func(es *esv1.ExternalSecret) { es.Spec.Target.Name = name }
}

func withInterval(d time.Duration) esOption {
	return func(es *esv1.ExternalSecret) { es.Spec.RefreshInterval = &metav1.Duration{Duration: d} }
}

func newES(t *testing.T, ns, name, storeName string, opts ...esOption) *esv1.ExternalSecret {
	t.Helper()
	es := &esv1.ExternalSecret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       esv1.ExternalSecretSpec{SecretStoreRef: esv1.SecretStoreRef{Name: storeName}},
	}
	for _, o := range opts {
		o(es)
	}
	must(t, k.Create(context.Background(), es))
	return es
}

func getES(t *testing.T, es *esv1.ExternalSecret) *esv1.ExternalSecret {
	t.Helper()
	var cur esv1.ExternalSecret
	must(t, k.Get(context.Background(), client.ObjectKeyFromObject(es), &cur))
	return &cur
}

// waitReady waits until the Ready condition has the given status and reason for the current
// generation, and returns the object.
func waitReady(t *testing.T, es *esv1.ExternalSecret, status metav1.ConditionStatus, reason string, within time.Duration) *esv1.ExternalSecret {
	t.Helper()
	var cur esv1.ExternalSecret
	eventually(t, within, func() error {
		if err := k.Get(context.Background(), client.ObjectKeyFromObject(es), &cur); err != nil {
			return err
		}
		c := meta.FindStatusCondition(cur.Status.Conditions, esv1.ExternalSecretReady)
		if c == nil || c.Status != status || c.Reason != reason || c.ObservedGeneration != cur.Generation {
			return fmt.Errorf("Ready = %+v, want %s/%s", c, status, reason)
		}
		// A success must be for the object as it is now (labels and annotations included), not
		// a leftover of an earlier sync.
		if status == metav1.ConditionTrue && cur.Status.SyncedResourceVersion != objecthash.ResourceVersion(cur.Generation, cur.Labels, cur.Annotations) {
			return fmt.Errorf("status is from an earlier version of the object")
		}
		return nil
	})
	return &cur
}

func getSecret(t *testing.T, ns, name string) *corev1.Secret {
	t.Helper()
	var s corev1.Secret
	must(t, k.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &s))
	return &s
}

func secretExists(ns, name string) bool {
	var s corev1.Secret
	return k.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &s) == nil
}

// waitData waits until the Secret holds exactly want.
func waitData(t *testing.T, ns, name string, want kv, within time.Duration) *corev1.Secret {
	t.Helper()
	var s corev1.Secret
	eventually(t, within, func() error {
		if err := k.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
			return err
		}
		return sameData(s.Data, want)
	})
	return &s
}

func sameData(got map[string][]byte, want kv) error {
	if len(got) != len(want) {
		return fmt.Errorf("data has keys %v, want %v", keys(got), want)
	}
	for k, v := range want {
		if string(got[k]) != v {
			return fmt.Errorf("data[%s] = %q, want %q", k, got[k], v)
		}
	}
	return nil
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// events returns the notes of the events recorded on obj with the given reason.
func events(t *testing.T, ns, objName, reason string) []string {
	t.Helper()
	var list corev1.EventList
	must(t, k.List(context.Background(), &list, client.InNamespace(ns)))
	var out []string
	for _, e := range list.Items {
		if e.InvolvedObject.Name == objName && e.Reason == reason {
			out = append(out, e.Message)
		}
	}
	return out
}

func waitEvent(t *testing.T, ns, objName, reason, contains string) {
	t.Helper()
	eventually(t, 5*time.Second, func() error {
		for _, m := range events(t, ns, objName, reason) {
			if strings.Contains(m, contains) {
				return nil
			}
		}
		return fmt.Errorf("no %s event containing %q on %s", reason, contains, objName)
	})
}

func eventually(t *testing.T, within time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %v", within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
