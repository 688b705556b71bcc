package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Run(m, &env) }

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// get polls url until it answers 200 or the deadline passes, and returns the body.
func get(t *testing.T, url string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url) //nolint:noctx // test poll against a local server
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return string(body)
			}
			err = &httpError{status: resp.Status, body: string(body)}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type httpError struct{ status, body string }

func (e *httpError) Error() string { return e.status + ": " + e.body }

func TestRootCommand_servesHealthAndMetrics(t *testing.T) {
	t.Setenv("KUBECONFIG", env.Kubeconfig)
	metricsAddr, liveAddr := freeAddr(t), freeAddr(t)
	cmd := newRootCommand()
	cmd.SetArgs([]string{"--metrics-addr", metricsAddr, "--live-addr", liveAddr, "--loglevel", "debug", "--zap-time-encoding", "iso8601", "--concurrent", "2"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	if body := get(t, "http://"+liveAddr+"/healthz"); body != "ok" {
		t.Errorf("/healthz answered %q", body)
	}
	if body := get(t, "http://"+liveAddr+"/readyz"); body != "ok" {
		t.Errorf("/readyz answered %q", body)
	}
	if body := get(t, "http://"+metricsAddr+"/metrics"); !strings.Contains(body, "rest_client_requests_total") {
		t.Errorf("/metrics lacks the client-go request counter:\n%.2000s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("manager stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("manager did not stop after its context was cancelled")
	}
}

func TestRootCommand_rejectsBadFlags(t *testing.T) {
	t.Setenv("KUBECONFIG", env.Kubeconfig)
	cases := map[string][]string{
		"an unknown log level":           {"--loglevel", "loud"},
		"an unknown time encoding":       {"--zap-time-encoding", "sundial"},
		"metrics auth without HTTPS":     {"--metrics-auth"},
		"a positional argument":          {"extra"},
		"a malformed requeue interval":   {"--store-requeue-interval", "soon"},
		"a non-numeric concurrency":      {"--concurrent", "many"},
		"a non-numeric client rate":      {"--client-qps", "fast"},
		"a leader lease that is no time": {"--leader-election-lease-duration", "forever"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			cmd := newRootCommand()
			cmd.SetArgs(append(args, "--metrics-addr", "0", "--live-addr", "0"))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			if err := cmd.ExecuteContext(context.Background()); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestRootCommand_flagDefaults pins the flag names and defaults users' Helm values and
// extraArgs rely on (contract §12.1).
func TestRootCommand_flagDefaults(t *testing.T) {
	want := map[string]string{
		"metrics-addr": ":8080", "metrics-secure": "false", "metrics-auth": "false",
		"metrics-cert-dir": "", "metrics-cert-name": "tls.crt", "metrics-key-name": "tls.key",
		"live-addr": ":8082", "controller-class": "default", "enable-leader-election": "false",
		"leader-election-id": "external-secrets-controller", "leader-election-lease-duration": "15s",
		"leader-election-renew-deadline": "10s", "leader-election-retry-period": "2s",
		"concurrent": "1", "client-qps": "50", "client-burst": "100", "loglevel": "info",
		"zap-time-encoding": "epoch", "namespace": "", "enable-cluster-store-reconciler": "true",
		"enable-secret-store-reconciler": "true", "enable-cluster-external-secret-reconciler": "true",
		"enable-push-secret-reconciler": "true", "enable-cluster-push-secret-reconciler": "true",
		"enable-secrets-caching": "false", "enable-configmaps-caching": "false",
		"enable-managed-secrets-caching": "true", "enable-secret-api-read-on-cache-mismatch": "true",
		"store-requeue-interval": "5m0s", "enable-flood-gate": "true", "enable-generator-state": "true",
		"enable-extended-metric-labels": "false", "enable-http2": "false", "unsafe-allow-generic-targets": "false",
		"template-left-delimiter": "{{", "template-right-delimiter": "}}", "generator-gc-grace-period": "2m0s",
		"enable-vault-token-cache": "false", "vault-token-cache-size": "262144",
	}
	flags := newRootCommand().Flags()
	for name, def := range want {
		f := flags.Lookup(name)
		if f == nil {
			t.Errorf("flag --%s is missing", name)
			continue
		}
		if f.DefValue != def {
			t.Errorf("flag --%s defaults to %q, want %q", name, f.DefValue, def)
		}
	}
}
