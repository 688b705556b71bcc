package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	fakeclient "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// countingProvider is an in-memory provider that counts clients, reads and closes, to test
// the session and the coalescing logic without a backend.
type countingProvider struct {
	clients, reads, closes atomic.Int32
	gate                   chan struct{} // when set, reads block until it is closed
}

func (p *countingProvider) NewClient(context.Context, esv1.GenericStore, client.Client, string) (providers.Client, error) {
	p.clients.Add(1)
	return &countingClient{p: p}, nil
}
func (p *countingProvider) ValidateStore(esv1.GenericStore) (admission.Warnings, error) {
	return nil, nil
}
func (p *countingProvider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadOnly
}

type countingClient struct{ p *countingProvider }

func (c *countingClient) GetSecret(_ context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	c.p.reads.Add(1)
	if c.p.gate != nil {
		<-c.p.gate
	}
	if ref.Key == "missing" {
		return nil, providers.ErrSecretNotFound
	}
	return []byte("value-of-" + ref.Key), nil
}
func (c *countingClient) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	v, err := c.GetSecret(ctx, ref)
	return map[string][]byte{"k": v}, err
}
func (c *countingClient) GetAllSecrets(context.Context, esv1.ExternalSecretFind) (map[string][]byte, error) {
	c.p.reads.Add(1)
	return map[string][]byte{"a": []byte("1")}, nil
}
func (c *countingClient) Validate(context.Context) (esv1.ValidationResult, error) {
	return esv1.ValidationResultReady, nil
}
func (c *countingClient) Close(context.Context) error { c.p.closes.Add(1); return nil }

func readyStatus() esv1.SecretStoreStatus {
	return esv1.SecretStoreStatus{Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Valid"}}}
}

func newResolver(t *testing.T, p *countingProvider, window time.Duration, objs ...client.Object) *Resolver {
	t.Helper()
	reg, err := providers.NewRegistry(providers.Entry{Name: "fake", Provider: p})
	if err != nil {
		t.Fatal(err)
	}
	kube := fakeclient.NewClientBuilder().WithScheme(scheme.New()).WithObjects(objs...).Build()
	return &Resolver{Client: kube, Registry: reg, ControllerClass: "default", FloodGate: true, Reads: NewReadCache(window)}
}

func fakeStore(ns, name string) *esv1.SecretStore {
	return &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name), Generation: 1},
		Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{}}}, Status: readyStatus()}
}

func TestSession_oneLazyClientPerStoreAlwaysClosed(t *testing.T) {
	p := &countingProvider{}
	r := newResolver(t, p, 0, fakeStore("ns", "a"))
	ctx := context.Background()
	s := r.NewSession(r.Client, "ns")
	rd, err := s.Reader(ctx, esv1.SecretStoreRef{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if p.clients.Load() != 0 {
		t.Fatal("a client must only be created when a read needs it")
	}
	for range 3 {
		if v, err := rd.GetSecret(ctx, esv1.ExternalSecretDataRemoteRef{Key: "x"}); err != nil || string(v) != "value-of-x" {
			t.Fatalf("%q %v", v, err)
		}
	}
	again, _ := s.Reader(ctx, esv1.SecretStoreRef{Name: "a", Kind: "SecretStore"})
	if _, err := again.GetAllSecrets(ctx, esv1.ExternalSecretFind{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if p.clients.Load() != 1 || p.closes.Load() != 1 {
		t.Fatalf("clients %d closes %d: want one client, closed once", p.clients.Load(), p.closes.Load())
	}
}

func TestReadCache_coalescesIdenticalReadsAcrossSessions(t *testing.T) {
	p := &countingProvider{}
	r := newResolver(t, p, time.Minute, fakeStore("ns", "a"))
	ctx := context.Background()
	for range 5 {
		s := r.NewSession(r.Client, "ns")
		rd, err := s.Reader(ctx, esv1.SecretStoreRef{Name: "a"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := rd.GetSecretMap(ctx, esv1.ExternalSecretDataRemoteRef{Key: "x"})
		if err != nil {
			t.Fatal(err)
		}
		m["k"][0] = 'X' // callers may modify what they get without affecting others
		_ = s.Close(ctx)
	}
	if p.reads.Load() != 1 || p.clients.Load() != 1 {
		t.Fatalf("reads %d clients %d: want 1 and 1", p.reads.Load(), p.clients.Load())
	}
	s := r.NewSession(r.Client, "ns")
	rd, _ := s.Reader(ctx, esv1.SecretStoreRef{Name: "a"})
	if m, _ := rd.GetSecretMap(ctx, esv1.ExternalSecretDataRemoteRef{Key: "x"}); string(m["k"]) != "value-of-x" {
		t.Fatalf("cached value was modified: %q", m["k"])
	}
	if _, err := rd.GetSecretMap(ctx, esv1.ExternalSecretDataRemoteRef{Key: "x", Version: "2"}); err != nil || p.reads.Load() != 2 {
		t.Fatalf("a different ref must be read: %v %d", err, p.reads.Load())
	}
}

func TestReadCache_neverKeepsErrorsAndSharesInFlightReads(t *testing.T) {
	p := &countingProvider{gate: make(chan struct{})}
	r := newResolver(t, p, 0, fakeStore("ns", "a"))
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := r.NewSession(r.Client, "ns")
			defer func() { _ = s.Close(ctx) }()
			rd, _ := s.Reader(ctx, esv1.SecretStoreRef{Name: "a"})
			if v, err := rd.GetSecret(ctx, esv1.ExternalSecretDataRemoteRef{Key: "x"}); err != nil || string(v) != "value-of-x" {
				t.Errorf("%q %v", v, err)
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	close(p.gate)
	wg.Wait()
	if p.reads.Load() >= 8 {
		t.Fatalf("concurrent identical reads were not merged: %d", p.reads.Load())
	}
	before := p.reads.Load()
	s := r.NewSession(r.Client, "ns")
	rd, _ := s.Reader(ctx, esv1.SecretStoreRef{Name: "a"})
	for range 2 {
		if _, err := rd.GetSecret(ctx, esv1.ExternalSecretDataRemoteRef{Key: "missing"}); !errors.Is(err, providers.ErrSecretNotFound) {
			t.Fatal(err)
		}
	}
	if p.reads.Load() != before+2 {
		t.Fatal("errors must not be cached")
	}
}

func TestSession_refusesUnusableStores(t *testing.T) {
	notReady := fakeStore("ns", "not-ready")
	notReady.Status = esv1.SecretStoreStatus{}
	other := fakeStore("ns", "other-class")
	other.Spec.Controller = "other"
	css := &esv1.ClusterSecretStore{ObjectMeta: metav1.ObjectMeta{Name: "css"},
		Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{}}, Conditions: []esv1.ClusterSecretStoreCondition{
			{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}},
			{Namespaces: []string{"listed"}},
			{NamespaceRegexes: []string{"^dev-"}},
		}}, Status: readyStatus()}
	nss := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "labelled", Labels: map[string]string{"team": "a"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "listed"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dev-x"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prod"}},
	}
	r := newResolver(t, &countingProvider{}, 0, append(nss, notReady, other, css)...)
	tests := []struct {
		name    string
		ns      string
		ref     esv1.SecretStoreRef
		want    error
		kind    result.Kind
		allowed bool
	}{
		{"missing store waits", "ns", esv1.SecretStoreRef{Name: "nope"}, ErrNotFound, result.Waiting, false},
		{"store not ready waits (flood gate)", "ns", esv1.SecretStoreRef{Name: "not-ready"}, ErrNotReady, result.Waiting, false},
		{"store of another controller class", "ns", esv1.SecretStoreRef{Name: "other-class"}, ErrUnmanaged, result.Terminal, false},
		{"cluster store admits by label", "labelled", esv1.SecretStoreRef{Name: "css", Kind: "ClusterSecretStore"}, nil, 0, true},
		{"cluster store admits by name", "listed", esv1.SecretStoreRef{Name: "css", Kind: "ClusterSecretStore"}, nil, 0, true},
		{"cluster store admits by regex", "dev-x", esv1.SecretStoreRef{Name: "css", Kind: "ClusterSecretStore"}, nil, 0, true},
		{"cluster store denies others", "prod", esv1.SecretStoreRef{Name: "css", Kind: "ClusterSecretStore"}, ErrNamespaceDenied, result.Terminal, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.NewSession(r.Client, tt.ns).Reader(context.Background(), tt.ref)
			if tt.allowed {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var re *result.Error
			if !errors.Is(err, tt.want) || !errors.As(err, &re) || re.Kind != tt.kind {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// prefetchingClient records what it was asked to prefetch.
type prefetchingClient struct {
	countingClient
	asked *[][]esv1.ExternalSecretDataRemoteRef
}

func (c *prefetchingClient) Prefetch(_ context.Context, refs []esv1.ExternalSecretDataRemoteRef) error {
	*c.asked = append(*c.asked, refs)
	return nil
}

type prefetchingProvider struct {
	countingProvider
	asked [][]esv1.ExternalSecretDataRemoteRef
}

func (p *prefetchingProvider) NewClient(context.Context, esv1.GenericStore, client.Client, string) (providers.Client, error) {
	return &prefetchingClient{countingClient: countingClient{p: &p.countingProvider}, asked: &p.asked}, nil
}

func TestStoreReader_prefetchSkipsCachedRefs(t *testing.T) {
	p := &prefetchingProvider{}
	reg, err := providers.NewRegistry(providers.Entry{Name: "fake", Provider: p})
	if err != nil {
		t.Fatal(err)
	}
	kube := fakeclient.NewClientBuilder().WithScheme(scheme.New()).WithObjects(fakeStore("ns", "a")).Build()
	r := &Resolver{Client: kube, Registry: reg, ControllerClass: "default", Reads: NewReadCache(time.Minute)}
	ctx := context.Background()
	rd, err := r.NewSession(kube, "ns").Reader(ctx, esv1.SecretStoreRef{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.GetSecret(ctx, esv1.ExternalSecretDataRemoteRef{Key: "cached"}); err != nil {
		t.Fatal(err)
	}
	refs := []esv1.ExternalSecretDataRemoteRef{{Key: "cached"}, {Key: "b"}, {Key: "c"}}
	if err := rd.Prefetch(ctx, refs); err != nil {
		t.Fatal(err)
	}
	if len(p.asked) != 1 || len(p.asked[0]) != 2 || p.asked[0][0].Key != "b" {
		t.Fatalf("prefetch must get only the refs not already cached: %+v", p.asked)
	}
	if err := rd.Prefetch(ctx, refs[:2]); err != nil || len(p.asked) != 1 {
		t.Fatalf("a single missing ref is not worth a batch: %+v", p.asked)
	}
}

func TestReadCache_failedFreshReadEvictsTheKeptValue(t *testing.T) {
	c := NewReadCache(time.Minute)
	v, _ := c.do("k", false, func() (any, error) { return []byte("old"), nil })
	if string(v.([]byte)) != "old" {
		t.Fatal(v)
	}
	if _, err := c.do("k", true, func() (any, error) { return nil, providers.ErrSecretNotFound }); err == nil {
		t.Fatal("the fresh read's error must be returned")
	}
	calls := 0
	_, err := c.do("k", false, func() (any, error) { calls++; return nil, providers.ErrSecretNotFound })
	if calls != 1 || !errors.Is(err, providers.ErrSecretNotFound) {
		t.Fatalf("a value known to be stale was served again (calls %d, err %v)", calls, err)
	}
}
