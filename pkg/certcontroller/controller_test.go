package certcontroller

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/seedb5e69c69/external-secrets/pkg/servingcert"
	"github.com/seedb5e69c69/external-secrets/pkg/webhook"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/fake"
)

// injectedEverywhere checks that every labelled configuration trusts exactly bundle.
func injectedEverywhere(ctx context.Context, bundle []byte) error {
	var list admissionregistrationv1.ValidatingWebhookConfigurationList
	if err := env.Client.List(ctx, &list, client.MatchingLabels{ComponentLabel: ComponentWebhook}); err != nil {
		return err
	}
	if len(list.Items) < 2 {
		return fmt.Errorf("%d labelled configurations, want those of config/webhook", len(list.Items))
	}
	for _, vwc := range list.Items {
		for _, w := range vwc.Webhooks {
			if !bytes.Equal(w.ClientConfig.CABundle, bundle) {
				return fmt.Errorf("%s/%s does not trust the current bundle yet", vwc.Name, w.Name)
			}
		}
	}
	return nil
}

func getSecret(ctx context.Context) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	return s, env.Client.Get(ctx, secretKey, s)
}

func TestReconciler_issuesAndInjectsWithItsOwnRBAC(t *testing.T) {
	ctx := context.Background()
	// A configuration without the label must be left alone.
	url := "https://127.0.0.1:1/unrelated"
	unrelated := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "unrelated"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: "unrelated.example.com", ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url},
			SideEffects: new(admissionregistrationv1.SideEffectClassNone), AdmissionReviewVersions: []string{"v1"},
		}},
	}
	if err := env.Client.Create(ctx, unrelated); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, unrelated) })

	r := &Reconciler{Secret: secretKey, Service: serviceKey, ExtraNames: []string{"localhost"}}
	startController(t, r)

	var secret *corev1.Secret
	eventually(t, 20*time.Second, func() error {
		var err error
		if secret, err = getSecret(ctx); err != nil {
			return err
		}
		serving := servingcert.KeyPair{Cert: secret.Data[servingcert.CertKey], Key: secret.Data[servingcert.KeyKey]}
		for _, name := range []string{"external-secrets-webhook.external-secrets.svc", "external-secrets-webhook.external-secrets.svc.cluster.local", "localhost"} {
			if err := servingcert.Check(secret.Data[servingcert.CACertKey], serving, name, time.Now().Add(DefaultLookahead)); err != nil {
				return err
			}
		}
		return nil
	})
	eventually(t, 10*time.Second, func() error { return injectedEverywhere(ctx, secret.Data[servingcert.CACertKey]) })
	eventually(t, 5*time.Second, func() error { return r.Ready()(nil) })

	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(unrelated), unrelated); err != nil {
		t.Fatal(err)
	}
	if len(unrelated.Webhooks[0].ClientConfig.CABundle) != 0 {
		t.Error("a configuration without the label got a CA bundle")
	}

	// The shipped RBAC gives no access to other Secrets, in its namespace or elsewhere.
	cfg, err := env.UserConfig(serviceAccountUser)
	if err != nil {
		t.Fatal(err)
	}
	restricted, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"", secretKey.Namespace, "default"} {
		err := restricted.List(ctx, &corev1.SecretList{}, client.InNamespace(ns))
		if !apierrors.IsForbidden(err) {
			t.Errorf("listing Secrets in %q: %v, want Forbidden", ns, err)
		}
	}
}

// TestRotation_webhookKeepsServing rotates the serving certificate every 2 s and the CA every
// 4 s while the apiserver keeps calling the webhook, and requires every call to be answered
// by the webhook itself: a certificate the apiserver does not trust would surface as a
// "failed calling webhook" error instead of the webhook's rejection.
func TestRotation_webhookKeepsServing(t *testing.T) {
	ctx := context.Background()
	r := &Reconciler{
		Secret: secretKey, Service: serviceKey,
		ExtraNames: []string{"localhost", "127.0.0.1", env.WebhookHost},
		CAValidity: 6 * time.Second, Validity: 4 * time.Second, Lookahead: 2 * time.Second,
		RequeueInterval: time.Second,
	}
	startController(t, r)
	dir := t.TempDir()
	mirror := startMirror(t, dir)
	eventually(t, 20*time.Second, func() error { return servingcert.CheckDir(dir, env.WebhookHost, time.Now()) })
	startWebhook(t, dir)

	ns := env.Namespace(t)
	served := map[string]bool{}
	calls := 0
	for end := time.Now().Add(6500 * time.Millisecond); time.Now().Before(end); calls++ {
		err := env.Client.Create(ctx, invalidExternalSecret(ns))
		if err == nil || !strings.Contains(err.Error(), "duplicate secretKey found: a") {
			t.Errorf("call %d at %s was not answered by the webhook: %v", calls, time.Now().Format("15:04:05.000"), err)
		}
		served[servedSerial(t)] = true
		time.Sleep(100 * time.Millisecond)
	}
	issued, cas := mirror.counts()
	t.Logf("%d calls; %d serving certificates and %d CAs issued; %d certificates served", calls, issued, cas, len(served))
	if issued < 3 || cas < 2 || len(served) < 3 {
		t.Errorf("too few rotations: %d serving certificates, %d CAs, %d served; want at least 3, 2, 3", issued, cas, len(served))
	}
}

func invalidExternalSecret(ns string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
		"metadata": map[string]any{"generateName": "rotation-", "namespace": ns},
		"spec": map[string]any{
			"secretStoreRef": map[string]any{"name": "store"},
			"data": []any{
				map[string]any{"secretKey": "a", "remoteRef": map[string]any{"key": "k"}},
				map[string]any{"secretKey": "a", "remoteRef": map[string]any{"key": "l"}},
			},
		},
	}}
	return u
}

// servedSerial returns the serial number of the certificate the webhook presents now.
func servedSerial(t *testing.T) string {
	t.Helper()
	addr := net.JoinHostPort(env.WebhookHost, strconv.Itoa(env.WebhookPort))
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only reads the presented certificate
	if err != nil {
		t.Errorf("dialing the webhook: %v", err)
		return ""
	}
	defer func() { _ = conn.Close() }()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

// startWebhook serves the admission webhook on the port the apiserver calls, with the
// certificates of dir, which the server reloads when they change.
func startWebhook(t *testing.T, dir string) {
	t.Helper()
	reg, err := providers.NewRegistry(providers.Entry{Name: "fake", Provider: fake.New()})
	if err != nil {
		t.Fatal(err)
	}
	srv := ctrlwebhook.NewServer(ctrlwebhook.Options{Host: env.WebhookHost, Port: env.WebhookPort, CertDir: dir})
	webhook.Register(srv, reg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("webhook server: %v", err)
		}
	})
	eventually(t, 10*time.Second, func() error { return srv.StartedChecker()(nil) })
}

// mirror copies the certificate Secret into files, as the kubelet does for a mounted
// Secret (each file replaced atomically), and counts the certificates it has seen.
type mirror struct {
	mu      sync.Mutex
	serving map[string]bool
	cas     map[string]bool
}

func (m *mirror) counts() (serving, cas int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.serving), len(m.cas)
}

func startMirror(t *testing.T, dir string) *mirror {
	t.Helper()
	m := &mirror{serving: map[string]bool{}, cas: map[string]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		var last []byte
		for ctx.Err() == nil {
			if s, err := getSecret(ctx); err == nil && len(s.Data[servingcert.CertKey]) > 0 && !bytes.Equal(last, s.Data[servingcert.CertKey]) {
				m.write(t, dir, s.Data)
				last = s.Data[servingcert.CertKey]
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return m
}

func (m *mirror) write(t *testing.T, dir string, data map[string][]byte) {
	m.mu.Lock()
	m.serving[string(data[servingcert.CertKey])] = true
	if cas, err := servingcert.ParseCertificates(data[servingcert.CACertKey]); err == nil {
		m.cas[cas[0].SerialNumber.String()] = true
	}
	m.mu.Unlock()
	for _, name := range []string{servingcert.CACertKey, servingcert.KeyKey, servingcert.CertKey} {
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, data[name], 0o600); err != nil {
			t.Errorf("mirroring %s: %v", name, err)
			return
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Errorf("mirroring %s: %v", name, err)
			return
		}
	}
}
