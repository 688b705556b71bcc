package vault

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/controllers/externalsecret"
	"github.com/seedb5e69c69/external-secrets/pkg/controllers/secretstore"
	"github.com/seedb5e69c69/external-secrets/pkg/eventrecorder"
	"github.com/seedb5e69c69/external-secrets/pkg/store"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// startControllers runs the ExternalSecret and store controllers with only this provider
// registered, configured as the binary configures them, until the test ends.
func startControllers(t *testing.T) {
	t.Helper()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  env.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{&corev1.Secret{}: {
			Label: labels.SelectorFromSet(labels.Set{esv1.LabelManaged: esv1.LabelManagedValue}),
		}}},
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := providers.NewRegistry(providers.Entry{Name: "vault", Provider: New(), Maintenance: providers.Maintained})
	if err != nil {
		t.Fatal(err)
	}
	es := &externalsecret.Reconciler{
		Client:    mgr.GetClient(),
		Secrets:   mgr.GetCache(),
		APIReader: mgr.GetAPIReader(),
		Stores: &store.Resolver{Client: mgr.GetClient(), Registry: reg, ControllerClass: "default", FloodGate: true,
			Reads: store.NewReadCache(0)},
		Templates:       template.New(),
		Events:          eventrecorder.For(mgr, "external-secrets"),
		RequeueInterval: time.Hour,
		ClusterStores:   true,
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := es.SetupWithManager(ctx, mgr, 2); err != nil {
		t.Fatal(err)
	}
	css := &secretstore.Reconciler{Client: mgr.GetClient(), Registry: reg, ControllerClass: "default", RequeueInterval: 5 * time.Minute,
		NewStore: func() esv1.GenericStore { return &esv1.ClusterSecretStore{} }, Events: eventrecorder.For(mgr, "secret-store")}
	if err := css.SetupWithManager(mgr, 1); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// eventually retries check until it succeeds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSeed004_syncAndRotation applies seed 004's ClusterSecretStore and ExternalSecret (pointed
// at the test Vault) to the control plane with the controllers running: the Secret
// vault-secret gets production/myapp/config through Kubernetes auth, follows a change in
// Vault at once on force-sync (the seed's refresh interval is 30m), and by itself within a
// short refresh interval.
func TestSeed004_syncAndRotation(t *testing.T) {
	f := newFixture(t)
	css, es := f.seed004()
	prod := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: es.Namespace}}
	if err := env.Client.Create(context.Background(), prod); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	f.kv2("production/myapp/config", map[string]any{"DATABASE_URL": "postgres://v1", "API_KEY": "k-1"})
	startControllers(t)
	for _, obj := range []client.Object{css, es} {
		if err := env.Client.Create(context.Background(), obj); err != nil {
			t.Fatalf("creating %s: %v", obj.GetName(), err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
	}
	target := client.ObjectKey{Namespace: es.Namespace, Name: es.Spec.Target.Name}
	wantValue := func(want string) func() error {
		return func() error {
			s := &corev1.Secret{}
			if err := env.Client.Get(context.Background(), target, s); err != nil {
				return err
			}
			if got := string(s.Data["DATABASE_URL"]); got != want {
				return fmt.Errorf("DATABASE_URL = %q, want %q", got, want)
			}
			return nil
		}
	}
	eventually(t, 30*time.Second, wantValue("postgres://v1"))

	// Rotation in Vault, then a force-sync: followed at once, not after 30m.
	f.kv2("production/myapp/config", map[string]any{"DATABASE_URL": "postgres://v2", "API_KEY": "k-2"})
	patchES(t, es, func(cur *esv1.ExternalSecret) {
		cur.Annotations = map[string]string{"force-sync": time.Now().Format(time.RFC3339Nano)}
	})
	eventually(t, 10*time.Second, wantValue("postgres://v2"))

	// With a short refresh interval the next rotation is followed without any nudge.
	patchES(t, es, func(cur *esv1.ExternalSecret) { cur.Spec.RefreshInterval = &metav1.Duration{Duration: time.Second} })
	eventually(t, 10*time.Second, func() error {
		cur := &esv1.ExternalSecret{}
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(es), cur); err != nil {
			return err
		}
		// Synced for the new generation: a later change can only come from the interval.
		if !strings.HasPrefix(cur.Status.SyncedResourceVersion, fmt.Sprintf("%d-", cur.Generation)) {
			return fmt.Errorf("generation %d not synced yet (%q)", cur.Generation, cur.Status.SyncedResourceVersion)
		}
		return nil
	})
	f.kv2("production/myapp/config", map[string]any{"DATABASE_URL": "postgres://v3", "API_KEY": "k-3"})
	eventually(t, 10*time.Second, wantValue("postgres://v3"))
}

func patchES(t *testing.T, es *esv1.ExternalSecret, change func(*esv1.ExternalSecret)) {
	t.Helper()
	eventually(t, 5*time.Second, func() error {
		cur := &esv1.ExternalSecret{}
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(es), cur); err != nil {
			return err
		}
		change(cur)
		return env.Client.Update(context.Background(), cur)
	})
}
