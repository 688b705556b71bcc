package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"

	"github.com/seedb5e69c69/external-secrets/pkg/certcontroller"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
)

// certControllerOptions carries the certcontroller subcommand's flags, with upstream's names
// and defaults where they mean the same (contract §12.3).
type certControllerOptions struct {
	secretName       string
	secretNamespace  string
	serviceName      string
	serviceNamespace string
	extraNames       []string
	requeueInterval  time.Duration
	validity         time.Duration
	lookahead        time.Duration
	leaderElection   bool
	healthzAddr      string
	loglevel         string
	zapTimeEncoding  string
	metrics          metricsOptions
	// Accepted for compatibility with upstream's arguments, without effect.
	crdNames           []string
	enablePartialCache bool
}

func (o *certControllerOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.secretName, "secret-name", "external-secrets-webhook", "Secret holding the CA and the serving certificate.")
	fs.StringVar(&o.secretNamespace, "secret-namespace", "default", "Namespace of --secret-name.")
	fs.StringVar(&o.serviceName, "service-name", "external-secrets-webhook", "Service of the webhook: the certificate is issued for its names.")
	fs.StringVar(&o.serviceNamespace, "service-namespace", "default", "Namespace of --service-name.")
	fs.StringSliceVar(&o.extraNames, "extra-dns-names", nil, "More DNS names or IP addresses for the serving certificate, e.g. localhost.")
	fs.DurationVar(&o.requeueInterval, "requeue-interval", certcontroller.DefaultRequeueInterval, "How often the Secret and the webhook configurations are checked without any change.")
	fs.DurationVar(&o.requeueInterval, "crd-requeue-interval", certcontroller.DefaultRequeueInterval, "Upstream's name of --requeue-interval.")
	fs.DurationVar(&o.validity, "cert-validity", certcontroller.DefaultValidity, "Lifetime of the CA and serving certificates issued.")
	fs.DurationVar(&o.lookahead, "lookahead-interval", certcontroller.DefaultLookahead, "Replace a certificate this long before it expires.")
	fs.BoolVar(&o.leaderElection, "enable-leader-election", false, "Elect a leader (lease crd-certs-controller in --secret-namespace) so that only one replica writes.")
	fs.StringVar(&o.healthzAddr, "healthz-addr", ":8081", "The address /healthz and /readyz bind to.")
	fs.StringVar(&o.loglevel, "loglevel", "info", "Log level: debug, info, warn, error, dpanic, panic, fatal.")
	fs.StringVar(&o.zapTimeEncoding, "zap-time-encoding", "epoch", "Log time encoding: epoch, millis, nano, iso8601, rfc3339 or rfc3339nano.")
	o.metrics.bind(fs)
	fs.StringSliceVar(&o.crdNames, "crd-names", nil, "No effect: our CRDs convert with strategy None, so no conversion webhook needs a CA.")
	fs.BoolVar(&o.enablePartialCache, "enable-partial-cache", true, "No effect: the caches always hold only the Secret and the labelled webhook configurations.")
	_ = fs.MarkDeprecated("crd-names", "CRD conversion is not used; the flag has no effect")
	_ = fs.MarkDeprecated("enable-partial-cache", "the cache is always restricted; the flag has no effect")
	_ = fs.MarkHidden("crd-requeue-interval")
}

// newCertControllerCommand is `external-secrets certcontroller`: it issues and rotates the
// webhook's certificates and injects the CA into the webhook configurations.
func newCertControllerCommand() *cobra.Command {
	o := &certControllerOptions{}
	cmd := &cobra.Command{
		Use:          "certcontroller",
		Short:        "Issue and rotate the webhook certificates and inject their CA",
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := setupLogging(&controllerOptions{loglevel: o.loglevel, zapTimeEncoding: o.zapTimeEncoding}); err != nil {
				return err
			}
			return runCertController(cmd.Context(), o)
		},
	}
	o.bind(cmd.Flags())
	return cmd
}

func runCertController(ctx context.Context, o *certControllerOptions) error {
	tlsOpts, err := tlsOptions("1.2", "", false)
	if err != nil {
		return err
	}
	metrics, err := o.metrics.serverOptions(tlsOpts)
	if err != nil {
		return err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("loading kubeconfig: %w", err)
	}
	secret := types.NamespacedName{Name: o.secretName, Namespace: o.secretNamespace}
	service := types.NamespacedName{Name: o.serviceName, Namespace: o.serviceNamespace}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  esscheme.New(),
		Cache:                   certcontroller.CacheOptions(secret),
		Metrics:                 metrics,
		HealthProbeBindAddress:  o.healthzAddr,
		LeaderElection:          o.leaderElection,
		LeaderElectionID:        "crd-certs-controller",
		LeaderElectionNamespace: o.secretNamespace,
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	r := &certcontroller.Reconciler{
		Client: mgr.GetClient(), Secret: secret, Service: service, ExtraNames: o.extraNames,
		CAValidity: o.validity, Validity: o.validity, Lookahead: o.lookahead, RequeueInterval: o.requeueInterval,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("certs-injected", r.Ready()); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("webhook-endpoints", certcontroller.EndpointsReady(mgr.GetAPIReader(), service)); err != nil {
		return err
	}
	ctrl.Log.WithName("certcontroller").Info("starting", "secret", secret.String(), "service", service.String(), "dnsNames", r.DNSNames())
	return mgr.Start(ctx)
}
