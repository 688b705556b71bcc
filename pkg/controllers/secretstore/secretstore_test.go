package secretstore_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/controllers/secretstore"
	"github.com/seedb5e69c69/external-secrets/pkg/eventrecorder"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/fake"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	e, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	ctx, cancel := context.WithCancel(context.Background())
	if err := start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cancel()
	_ = e.Stop()
	os.Exit(code)
}

func start(ctx context.Context) error {
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: env.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		return err
	}
	reg, err := providers.NewRegistry(providers.Entry{Name: "fake", Provider: fake.New(), Maintenance: providers.NotMaintained})
	if err != nil {
		return err
	}
	for _, newStore := range []func() esv1.GenericStore{
		func() esv1.GenericStore { return &esv1.SecretStore{} },
		func() esv1.GenericStore { return &esv1.ClusterSecretStore{} },
	} {
		r := &secretstore.Reconciler{Client: mgr.GetClient(), Registry: reg, NewStore: newStore, ControllerClass: "default",
			RequeueInterval: time.Minute, Events: eventrecorder.For(mgr, "secret-store")}
		if err := r.SetupWithManager(mgr, 2); err != nil {
			return err
		}
	}
	go func() { _ = mgr.Start(ctx) }()
	return nil
}

func fakeSpec(result *esv1.ValidationResult) esv1.SecretStoreSpec {
	return esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{
		Data: []esv1.FakeProviderData{{Key: "k", Value: "v"}}, ValidationResult: result}}}
}

func waitCondition(t *testing.T, st esv1.GenericStore, status metav1.ConditionStatus, reason string) esv1.GenericStore {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		cur := st.Copy()
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(st), cur); err != nil {
			t.Fatal(err)
		}
		c := meta.FindStatusCondition(cur.GetStatus().Conditions, esv1.SecretStoreReady)
		if c != nil && c.Status == status && c.Reason == reason {
			return cur
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ready = %+v, want %s/%s", c, status, reason)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStoreStatus(t *testing.T) {
	unknown, invalid := esv1.ValidationResultUnknown, esv1.ValidationResultError
	ns := env.Namespace(t)
	tests := []struct {
		name    string
		result  *esv1.ValidationResult
		status  metav1.ConditionStatus
		reason  string
		message string
	}{
		{"valid", nil, metav1.ConditionTrue, "Valid", "store validated"},
		{"undecidable is still ready", &unknown, metav1.ConditionTrue, "ValidationUnknown", "could not determine validation status"},
		{"invalid", &invalid, metav1.ConditionFalse, "InvalidProviderConfig", "unable to validate store"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss := &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("s%d", i), Namespace: ns}, Spec: fakeSpec(tt.result)}
			must(t, env.Client.Create(context.Background(), ss))
			got := waitCondition(t, ss, tt.status, tt.reason)
			c := meta.FindStatusCondition(got.GetStatus().Conditions, esv1.SecretStoreReady)
			if c.Message != tt.message || c.ObservedGeneration != got.GetGeneration() {
				t.Fatalf("condition %+v", c)
			}
			if tt.status == metav1.ConditionTrue && got.GetStatus().Capabilities != esv1.SecretStoreReadWrite {
				t.Fatalf("capabilities %q", got.GetStatus().Capabilities)
			}
			waitEvent(t, ns, ss.Name, tt.reason)
			waitEvent(t, ns, ss.Name, "StoreUnmaintained")
		})
	}
}

func TestStoreStatus_fixedStoreTurnsReady(t *testing.T) {
	invalid := esv1.ValidationResultError
	css := &esv1.ClusterSecretStore{ObjectMeta: metav1.ObjectMeta{GenerateName: "css-"}, Spec: fakeSpec(&invalid)}
	must(t, env.Client.Create(context.Background(), css))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), css) })
	cur := waitCondition(t, css, metav1.ConditionFalse, "InvalidProviderConfig").(*esv1.ClusterSecretStore)
	cur.Spec = fakeSpec(nil)
	must(t, env.Client.Update(context.Background(), cur))
	waitCondition(t, css, metav1.ConditionTrue, "Valid")
}

func TestStoreStatus_otherControllerClassIsIgnored(t *testing.T) {
	ns := env.Namespace(t)
	ss := &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: ns}, Spec: fakeSpec(nil)}
	ss.Spec.Controller = "someone-else"
	must(t, env.Client.Create(context.Background(), ss))
	time.Sleep(time.Second)
	must(t, env.Client.Get(context.Background(), client.ObjectKeyFromObject(ss), ss))
	if len(ss.Status.Conditions) != 0 {
		t.Fatalf("a store of another class got a status: %+v", ss.Status)
	}
}

func waitEvent(t *testing.T, ns, name, reason string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var list corev1.EventList
		must(t, env.Client.List(context.Background(), &list, client.InNamespace(ns)))
		for _, e := range list.Items {
			if e.InvolvedObject.Name == name && e.Reason == reason {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s event on %s", reason, name)
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
