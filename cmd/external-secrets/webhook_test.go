package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/seedb5e69c69/external-secrets/pkg/servingcert"
)

// writeCerts issues a CA and a localhost certificate valid for validity into a new directory.
func writeCerts(t *testing.T, validity time.Duration) (dir string, ca []byte) {
	t.Helper()
	now := time.Now()
	caPair, err := servingcert.NewCA("test", now, validity)
	if err != nil {
		t.Fatal(err)
	}
	serving, err := servingcert.NewServing(caPair, []string{"localhost", "127.0.0.1"}, now, validity)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	for name, data := range map[string][]byte{servingcert.CACertKey: caPair.Cert, servingcert.CertKey: serving.Cert, servingcert.KeyKey: serving.Key} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, caPair.Cert
}

func freePort(t *testing.T) int {
	t.Helper()
	_, port, err := net.SplitHostPort(freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return p
}

// run executes the root command with args until the test ends, and returns its result
// channel.
func run(t *testing.T, args ...string) (<-chan error, context.CancelFunc) {
	t.Helper()
	t.Setenv("KUBECONFIG", env.Kubeconfig)
	cmd := newRootCommand()
	cmd.SetArgs(args)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	return done, cancel
}

func stopped(t *testing.T, done <-chan error, cancel context.CancelFunc) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("did not stop after its context was cancelled")
	}
}

func TestWebhookCommand_servesAdmission(t *testing.T) {
	dir, ca := writeCerts(t, 3*time.Hour)
	port, healthz := freePort(t), freeAddr(t)
	done, cancel := run(t, "webhook", "--port", strconv.Itoa(port), "--cert-dir", dir, "--dns-name", "localhost",
		"--healthz-addr", healthz, "--metrics-addr", "0", "--tls-min-version", "1.3")

	if body := get(t, "http://"+healthz+"/readyz"); body != "ok" {
		t.Errorf("/readyz answered %q", body)
	}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID: types.UID("1"), Operation: admissionv1.Create,
			Kind:   metav1.GroupVersionKind{Group: "external-secrets.io", Version: "v1beta1", Kind: "ExternalSecret"},
			Object: runtime.RawExtension{Raw: []byte(`{"spec":{"secretStoreRef":{"name":"s"}}}`)},
		},
	}
	body, _ := json.Marshal(review)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}}}
	url := "https://localhost:" + strconv.Itoa(port) + "/validate-external-secrets-io-v1beta1-externalsecret"
	resp, err := client.Post(url, "application/json", bytes.NewReader(body)) //nolint:noctx // test
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var answer admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatal(err)
	}
	if answer.Response == nil || answer.Response.Allowed || !strings.Contains(answer.Response.Result.Message, "either data or dataFrom should be specified") {
		t.Errorf("response %+v", answer.Response)
	}
	// TLS 1.2 is refused with --tls-min-version 1.3.
	//nolint:gosec // testing the refusal
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12}}}
	//nolint:noctx // test
	if resp, err := old.Post(url, "application/json", bytes.NewReader(body)); err == nil {
		_ = resp.Body.Close()
		t.Error("a TLS 1.2 client was served")
	}
	stopped(t, done, cancel)
}

func TestWebhookCommand_exitsWhenTheCertificateExpiresWithinLookahead(t *testing.T) {
	dir, _ := writeCerts(t, 2*time.Hour)
	done, cancel := run(t, "webhook", "--port", strconv.Itoa(freePort(t)), "--cert-dir", dir, "--dns-name", "localhost",
		"--healthz-addr", freeAddr(t), "--metrics-addr", "0", "--check-interval", "50ms", "--lookahead-interval", "3h")
	defer cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "expires within 3h0m0s") {
			t.Errorf("exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the webhook kept running with a certificate about to expire")
	}
}

func TestWebhookCommand_refusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--tls-min-version", "1.4"},
		{"--tls-ciphers", "TLS_NOT_A_CIPHER"},
		{"--metrics-auth"},
		{"--loglevel", "loud"},
	} {
		done, cancel := run(t, append([]string{"webhook", "--healthz-addr", "0", "--metrics-addr", "0"}, args...)...)
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%v: accepted", args)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%v: still running", args)
		}
		cancel()
	}
}

func TestTLSOptions(t *testing.T) {
	opts, err := tlsOptions("1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{NextProtos: []string{"h2"}}
	for _, o := range opts {
		o(cfg)
	}
	if cfg.MinVersion != tls.VersionTLS12 || len(cfg.CipherSuites) != 2 || cfg.CipherSuites[0] != tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 {
		t.Errorf("config %+v", cfg)
	}
	if len(cfg.NextProtos) != 1 || cfg.NextProtos[0] != "http/1.1" {
		t.Errorf("HTTP/2 not disabled: %v", cfg.NextProtos)
	}
}

func TestCertControllerCommand_issuesTheSecret(t *testing.T) {
	ns := env.Namespace(t)
	healthz := freeAddr(t)
	done, cancel := run(t, "certcontroller", "--secret-namespace", ns, "--service-namespace", ns,
		"--healthz-addr", healthz, "--metrics-addr", "0", "--crd-names", "ignored", "--crd-requeue-interval", "1m")
	if body := get(t, "http://"+healthz+"/healthz"); body != "ok" {
		t.Errorf("/healthz answered %q", body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var s corev1.Secret
		err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "external-secrets-webhook"}, &s)
		if err == nil && len(s.Data[servingcert.CertKey]) > 0 {
			if err := servingcert.Check(s.Data[servingcert.CACertKey], servingcert.KeyPair{Cert: s.Data[servingcert.CertKey], Key: s.Data[servingcert.KeyKey]},
				"external-secrets-webhook."+ns+".svc", time.Now()); err != nil {
				t.Error(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no certificate Secret: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopped(t, done, cancel)
}
