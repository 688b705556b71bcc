package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
)

// reconcilerSetup registers one controller with the manager. wiring.go lists them explicitly
// in setups, so adding a controller is one line there.
type reconcilerSetup struct {
	name    string
	enabled func(*controllerOptions) bool
	setup   func(context.Context, manager.Manager, *controllerOptions) error
}

func newRootCommand() *cobra.Command {
	opts := &controllerOptions{}
	cmd := &cobra.Command{
		Use:           "external-secrets",
		Short:         "Sync secrets from external stores into Kubernetes Secrets",
		SilenceUsage:  true,
		SilenceErrors: false,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := setupLogging(opts); err != nil {
				return err
			}
			mgr, err := newManager(cmd.Context(), opts)
			if err != nil {
				return err
			}
			ctrl.Log.WithName("setup").Info("starting manager", "controllerClass", opts.controllerClass, "namespace", opts.namespace)
			return mgr.Start(cmd.Context())
		},
	}
	opts.bind(cmd.Flags())
	cmd.AddCommand(newWebhookCommand(), newCertControllerCommand())
	return cmd
}

// setupLogging installs the process-wide zap logger at the requested level and time format.
func setupLogging(opts *controllerOptions) error {
	level, err := zapcore.ParseLevel(opts.loglevel)
	if err != nil {
		return fmt.Errorf("--loglevel: %w", err)
	}
	encoders := map[string]zapcore.TimeEncoder{
		"epoch":       zapcore.EpochTimeEncoder,
		"millis":      zapcore.EpochMillisTimeEncoder,
		"nano":        zapcore.EpochNanosTimeEncoder,
		"iso8601":     zapcore.ISO8601TimeEncoder,
		"rfc3339":     zapcore.RFC3339TimeEncoder,
		"rfc3339nano": zapcore.RFC3339NanoTimeEncoder,
	}
	enc, ok := encoders[opts.zapTimeEncoding]
	if !ok {
		return fmt.Errorf("--zap-time-encoding: unknown encoding %q", opts.zapTimeEncoding)
	}
	ctrl.SetLogger(zap.New(zap.Level(level), zap.UseDevMode(false), zap.Encoder(zapcore.NewJSONEncoder(zapcore.EncoderConfig{
		TimeKey: "ts", LevelKey: "level", NameKey: "logger", MessageKey: "msg", StacktraceKey: "stacktrace",
		CallerKey: "caller", EncodeTime: enc, EncodeLevel: zapcore.LowercaseLevelEncoder,
		EncodeDuration: zapcore.StringDurationEncoder, EncodeCaller: zapcore.ShortCallerEncoder,
		LineEnding: zapcore.DefaultLineEnding,
	}))))
	return nil
}

// newManager builds the controller manager from the flags and registers every enabled
// controller. It starts nothing.
func newManager(ctx context.Context, opts *controllerOptions) (manager.Manager, error) {
	if opts.metricsAuth && !opts.metricsSecure {
		return nil, errors.New("--metrics-auth requires --metrics-secure")
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig: %w", err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = opts.clientQPS, opts.clientBurst

	mgr, err := ctrl.NewManager(cfg, managerOptions(opts))
	if err != nil {
		return nil, fmt.Errorf("creating manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	sh, err := newShared(opts)
	if err != nil {
		return nil, err
	}
	for _, s := range setups(sh) {
		if !s.enabled(opts) {
			continue
		}
		if err := s.setup(ctx, mgr, opts); err != nil {
			return nil, fmt.Errorf("setting up the %s controller: %w", s.name, err)
		}
	}
	return mgr, nil
}

func managerOptions(opts *controllerOptions) ctrl.Options {
	var tlsOpts []func(*tls.Config)
	if !opts.enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metrics := metricsserver.Options{
		BindAddress:   opts.metricsAddr,
		SecureServing: opts.metricsSecure,
		CertDir:       opts.metricsCertDir,
		CertName:      opts.metricsCertName,
		KeyName:       opts.metricsKeyName,
		TLSOpts:       tlsOpts,
	}
	if opts.metricsAuth {
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	cacheOpts := cache.Options{}
	if opts.namespace != "" {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{opts.namespace: {}}
	}
	if !opts.caching.secrets {
		// Only Secrets carrying the managed label are cached and watched (§17.7): memory stays
		// proportional to what we manage, not to the cluster.
		cacheOpts.ByObject = map[client.Object]cache.ByObject{&corev1.Secret{}: {
			Label: labels.SelectorFromSet(labels.Set{esv1.LabelManaged: esv1.LabelManagedValue}),
		}}
	}
	// ServiceAccounts are read only by providers (IRSA role annotations), rarely: read them from
	// the API instead of caching every ServiceAccount of the cluster.
	uncached := []client.Object{&corev1.ServiceAccount{}}
	if !opts.caching.secrets {
		uncached = append(uncached, &corev1.Secret{})
	}
	if !opts.caching.configMaps {
		uncached = append(uncached, &corev1.ConfigMap{})
	}
	return ctrl.Options{
		Scheme:                 esscheme.New(),
		Metrics:                metrics,
		HealthProbeBindAddress: opts.liveAddr,
		PprofBindAddress:       opts.pprofAddr,
		Cache:                  cacheOpts,
		Client:                 client.Options{Cache: &client.CacheOptions{DisableFor: uncached}},
		LeaderElection:         opts.leaderElection.enabled,
		LeaderElectionID:       opts.leaderElection.id,
		LeaseDuration:          &opts.leaderElection.leaseDuration,
		RenewDeadline:          &opts.leaderElection.renewDeadline,
		RetryPeriod:            &opts.leaderElection.retryPeriod,
	}
}
