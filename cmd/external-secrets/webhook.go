package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/pkg/servingcert"
	"github.com/seedb5e69c69/external-secrets/pkg/webhook"
)

// webhookOptions carries the webhook subcommand's flags, with upstream's names and
// defaults (contract §12.2) so the same Deployment arguments work.
type webhookOptions struct {
	port            int
	certDir         string
	dnsName         string
	checkInterval   time.Duration
	lookahead       time.Duration
	tlsCiphers      string
	tlsMinVersion   string
	healthzAddr     string
	enableHTTP2     bool
	loglevel        string
	zapTimeEncoding string
	metrics         metricsOptions
	// certWait is how long start-up waits for valid certificates (not a flag).
	certWait time.Duration
}

// metricsOptions are the metrics flags the webhook and the cert controller share with the
// root command.
type metricsOptions struct {
	addr     string
	secure   bool
	auth     bool
	certDir  string
	certName string
	keyName  string
}

func (m *metricsOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&m.addr, "metrics-addr", ":8080", "The address the metrics endpoint binds to; 0 disables it.")
	fs.BoolVar(&m.secure, "metrics-secure", false, "Serve metrics over HTTPS.")
	fs.BoolVar(&m.auth, "metrics-auth", false, "Require Kubernetes authentication and authorization for metrics (needs --metrics-secure).")
	fs.StringVar(&m.certDir, "metrics-cert-dir", "", "Directory of the metrics serving certificate; empty generates a self-signed one.")
	fs.StringVar(&m.certName, "metrics-cert-name", "tls.crt", "File name of the metrics serving certificate.")
	fs.StringVar(&m.keyName, "metrics-key-name", "tls.key", "File name of the metrics serving key.")
}

func (m *metricsOptions) serverOptions(tlsOpts []func(*tls.Config)) (metricsserver.Options, error) {
	if m.auth && !m.secure {
		return metricsserver.Options{}, errors.New("--metrics-auth requires --metrics-secure")
	}
	opts := metricsserver.Options{
		BindAddress: m.addr, SecureServing: m.secure,
		CertDir: m.certDir, CertName: m.certName, KeyName: m.keyName, TLSOpts: tlsOpts,
	}
	if m.auth {
		opts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	return opts, nil
}

func (o *webhookOptions) bind(fs *pflag.FlagSet) {
	fs.IntVar(&o.port, "port", 10250, "Port the webhook listens on (HTTPS).")
	fs.StringVar(&o.certDir, "cert-dir", "/tmp/k8s-webhook-server/serving-certs", "Directory holding tls.crt, tls.key and ca.crt; changed files are picked up without a restart.")
	fs.StringVar(&o.dnsName, "dns-name", "localhost", "Name the serving certificate must be valid for, e.g. external-secrets-webhook.external-secrets.svc.")
	fs.DurationVar(&o.checkInterval, "check-interval", 5*time.Minute, "How often the certificate files are checked.")
	fs.DurationVar(&o.lookahead, "lookahead-interval", 90*24*time.Hour, "Exit (to be restarted with fresh files) when the certificate would be invalid this far ahead.")
	fs.StringVar(&o.tlsCiphers, "tls-ciphers", "", "Comma-separated TLS cipher suites (IANA names) for TLS 1.2; empty uses Go's defaults.")
	fs.StringVar(&o.tlsMinVersion, "tls-min-version", "1.2", "Minimum TLS version: 1.0, 1.1, 1.2 or 1.3.")
	fs.StringVar(&o.healthzAddr, "healthz-addr", ":8081", "The address /healthz and /readyz bind to.")
	fs.BoolVar(&o.enableHTTP2, "enable-http2", false, "Allow HTTP/2 (off by default to avoid HTTP/2 rapid-reset exposure).")
	fs.StringVar(&o.loglevel, "loglevel", "info", "Log level: debug, info, warn, error, dpanic, panic, fatal.")
	fs.StringVar(&o.zapTimeEncoding, "zap-time-encoding", "epoch", "Log time encoding: epoch, millis, nano, iso8601, rfc3339 or rfc3339nano.")
	o.metrics.bind(fs)
}

// newWebhookCommand is `external-secrets webhook`: the validating admission webhook for
// ExternalSecrets, SecretStores and ClusterSecretStores (v1 and v1beta1).
func newWebhookCommand() *cobra.Command {
	o := &webhookOptions{certWait: 2 * time.Minute}
	cmd := &cobra.Command{
		Use:          "webhook",
		Short:        "Serve the validating admission webhook",
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := setupLogging(&controllerOptions{loglevel: o.loglevel, zapTimeEncoding: o.zapTimeEncoding}); err != nil {
				return err
			}
			return runWebhook(cmd.Context(), o)
		},
	}
	o.bind(cmd.Flags())
	return cmd
}

func runWebhook(ctx context.Context, o *webhookOptions) error {
	tlsOpts, err := tlsOptions(o.tlsMinVersion, o.tlsCiphers, o.enableHTTP2)
	if err != nil {
		return err
	}
	metrics, err := o.metrics.serverOptions(tlsOpts)
	if err != nil {
		return err
	}
	log := ctrl.Log.WithName("webhook")
	if err := waitForCerts(ctx, o.certDir, o.dnsName, o.certWait); err != nil {
		return err
	}
	// The webhook only asks providers to validate configurations: no calls to observe.
	reg, err := newRegistry(nil, providerCaches{})
	if err != nil {
		return err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("loading kubeconfig: %w", err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 esscheme.New(),
		Metrics:                metrics,
		HealthProbeBindAddress: o.healthzAddr,
		WebhookServer:          ctrlwebhook.NewServer(ctrlwebhook.Options{Port: o.port, CertDir: o.certDir, TLSOpts: tlsOpts}),
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	webhook.Register(mgr.GetWebhookServer(), reg)
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	// Ready only once the webhook server accepts connections: a pod marked Ready earlier
	// would receive admission calls it refuses.
	if err := mgr.AddReadyzCheck("webhook-server", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("certs", func(*http.Request) error {
		return servingcert.CheckDir(o.certDir, o.dnsName, time.Now().Add(time.Hour))
	}); err != nil {
		return err
	}
	if err := mgr.Add(&certExpiry{dir: o.certDir, name: o.dnsName, every: o.checkInterval, lookahead: o.lookahead}); err != nil {
		return err
	}
	log.Info("serving the admission webhook", "port", o.port, "certDir", o.certDir, "providers", reg.Names())
	return mgr.Start(ctx)
}

// waitForCerts waits up to timeout for certificates valid for name for the next hour: the
// cert controller may still be issuing them, and the kubelet takes a while to update a
// mounted Secret.
func waitForCerts(ctx context.Context, dir, name string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var reported string
	for {
		err := servingcert.CheckDir(dir, name, time.Now().Add(time.Hour))
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no valid certificates in %s after %s: %w", dir, timeout, err)
		}
		if err.Error() != reported {
			reported = err.Error()
			ctrl.Log.WithName("webhook").Info("waiting for valid certificates", "certDir", dir, "reason", reported)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// certExpiry stops the process when its certificate files would be invalid within the
// lookahead: they should have been rotated by then, and a restart waits for fresh ones.
type certExpiry struct {
	dir, name        string
	every, lookahead time.Duration
}

// Start checks the files every c.every until ctx ends; an error stops the manager.
func (c *certExpiry) Start(ctx context.Context) error {
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := servingcert.CheckDir(c.dir, c.name, time.Now().Add(c.lookahead)); err != nil {
				return fmt.Errorf("the webhook certificate expires within %s, restarting to load a fresh one: %w", c.lookahead, err)
			}
		}
	}
}

// NeedLeaderElection is false: every replica checks its own files.
func (c *certExpiry) NeedLeaderElection() bool { return false }

// tlsOptions turns the TLS flags into options for the webhook and metrics servers.
func tlsOptions(minVersion, ciphers string, http2 bool) ([]func(*tls.Config), error) {
	versions := map[string]uint16{"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}
	v, ok := versions[minVersion]
	if !ok {
		return nil, fmt.Errorf("--tls-min-version: unknown version %q, want 1.0, 1.1, 1.2 or 1.3", minVersion)
	}
	suites, err := cipherSuites(ciphers)
	if err != nil {
		return nil, err
	}
	opts := []func(*tls.Config){func(c *tls.Config) {
		c.MinVersion = v //nolint:gosec // the operator chooses; the default is 1.2
		c.CipherSuites = suites
	}}
	if !http2 {
		opts = append(opts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	return opts, nil
}

// cipherSuites parses a comma-separated list of IANA cipher suite names.
func cipherSuites(list string) ([]uint16, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	known := map[string]uint16{}
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		known[s.Name] = s.ID
	}
	var ids []uint16
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		id, ok := known[name]
		if !ok {
			return nil, fmt.Errorf("--tls-ciphers: unknown cipher suite %q", name)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
