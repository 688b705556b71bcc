package main

import (
	"time"

	"github.com/spf13/pflag"
)

// controllerOptions carries the root command's flags. Names and defaults are those of the
// upstream controller (contract §12.1) so existing Helm values and extraArgs keep working.
type controllerOptions struct {
	metricsAddr       string
	metricsSecure     bool
	metricsAuth       bool
	metricsCertDir    string
	metricsCertName   string
	metricsKeyName    string
	liveAddr          string
	pprofAddr         string
	enableHTTP2       bool
	controllerClass   string
	concurrent        int
	clientQPS         float32
	clientBurst       int
	loglevel          string
	zapTimeEncoding   string
	namespace         string
	requeueInterval   time.Duration
	storeRequeue      time.Duration
	leaderElection    leaderElectionOptions
	reconcilers       reconcilerToggles
	caching           cachingOptions
	enableFloodGate   bool
	enableGenState    bool
	extendedLabels    bool
	genericTargets    bool
	templateLeftDelim string
	templateRightDel  string
	generatorGCGrace  time.Duration
	vaultTokenCache   bool
	vaultTokenCacheSz int
	// dopplerETagCacheSz bounds the Doppler ETag cache.
	dopplerETagCacheSz int
	// dopplerOIDCCache and dopplerOIDCCacheSz are accepted for compatibility; see the flag.
	dopplerOIDCCache   bool
	dopplerOIDCCacheSz int
	// readCoalesceWindow is how long an identical remote read is reused (§17.6).
	readCoalesceWindow time.Duration
}

type leaderElectionOptions struct {
	enabled       bool
	id            string
	leaseDuration time.Duration
	renewDeadline time.Duration
	retryPeriod   time.Duration
}

// reconcilerToggles lets one deployment run a subset of the controllers, e.g. without the
// cluster-scoped kinds in a namespace-scoped install.
type reconcilerToggles struct {
	clusterStore          bool
	secretStore           bool
	clusterExternalSecret bool
	pushSecret            bool
	clusterPushSecret     bool
}

// cachingOptions decide which Secrets and ConfigMaps are held in informer memory. The default
// caches only Secrets carrying the managed label: a cluster-wide Secret cache is the largest
// memory cost of the upstream controller.
type cachingOptions struct {
	secrets           bool
	configMaps        bool
	managedSecrets    bool
	apiReadOnMismatch bool
}

func (o *controllerOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.metricsAddr, "metrics-addr", ":8080", "The address the metrics endpoint binds to; 0 disables it.")
	fs.BoolVar(&o.metricsSecure, "metrics-secure", false, "Serve metrics over HTTPS.")
	fs.BoolVar(&o.metricsAuth, "metrics-auth", false, "Require Kubernetes authentication and authorization for metrics (needs --metrics-secure).")
	fs.StringVar(&o.metricsCertDir, "metrics-cert-dir", "", "Directory of the metrics serving certificate; empty generates a self-signed one.")
	fs.StringVar(&o.metricsCertName, "metrics-cert-name", "tls.crt", "File name of the metrics serving certificate.")
	fs.StringVar(&o.metricsKeyName, "metrics-key-name", "tls.key", "File name of the metrics serving key.")
	fs.StringVar(&o.liveAddr, "live-addr", ":8082", "The address /healthz and /readyz bind to.")
	fs.StringVar(&o.pprofAddr, "pprof-addr", "", "The address Go's /debug/pprof endpoints bind to, for profiling; empty (the default) serves none.")
	fs.BoolVar(&o.enableHTTP2, "enable-http2", false, "Allow HTTP/2 on the metrics server (off by default to avoid HTTP/2 rapid-reset exposure).")
	fs.StringVar(&o.controllerClass, "controller-class", "default", "Process only stores and generators whose spec.controller is empty or equal to this.")
	fs.IntVar(&o.concurrent, "concurrent", 1, "Maximum concurrent reconciles of every controller.")
	fs.Float32Var(&o.clientQPS, "client-qps", 50, "Queries per second to the Kubernetes API.")
	fs.IntVar(&o.clientBurst, "client-burst", 100, "Burst of queries to the Kubernetes API.")
	fs.StringVar(&o.loglevel, "loglevel", "info", "Log level: debug, info, warn, error, dpanic, panic, fatal.")
	fs.StringVar(&o.zapTimeEncoding, "zap-time-encoding", "epoch", "Log time encoding: epoch, millis, nano, iso8601, rfc3339 or rfc3339nano.")
	fs.StringVar(&o.namespace, "namespace", "", "Watch only this namespace (cluster-scoped kinds stay visible); empty watches all.")
	fs.DurationVar(&o.requeueInterval, "requeue-interval", time.Hour, "Default refresh interval when an object does not set one.")
	fs.DurationVar(&o.storeRequeue, "store-requeue-interval", 5*time.Minute, "How often stores are revalidated when they do not set spec.refreshInterval.")

	fs.BoolVar(&o.leaderElection.enabled, "enable-leader-election", false, "Elect a leader so that only one replica reconciles.")
	fs.StringVar(&o.leaderElection.id, "leader-election-id", "external-secrets-controller", "Name of the leader-election Lease.")
	fs.DurationVar(&o.leaderElection.leaseDuration, "leader-election-lease-duration", 15*time.Second, "How long non-leaders wait before taking over.")
	fs.DurationVar(&o.leaderElection.renewDeadline, "leader-election-renew-deadline", 10*time.Second, "How long the leader retries renewing before giving up.")
	fs.DurationVar(&o.leaderElection.retryPeriod, "leader-election-retry-period", 2*time.Second, "How often leader-election clients retry.")

	fs.BoolVar(&o.reconcilers.clusterStore, "enable-cluster-store-reconciler", true, "Reconcile ClusterSecretStores (when false, ExternalSecrets that use one are skipped).")
	fs.BoolVar(&o.reconcilers.secretStore, "enable-secret-store-reconciler", true, "Reconcile SecretStores.")
	fs.BoolVar(&o.reconcilers.clusterExternalSecret, "enable-cluster-external-secret-reconciler", true, "Reconcile ClusterExternalSecrets.")
	fs.BoolVar(&o.reconcilers.pushSecret, "enable-push-secret-reconciler", true, "Reconcile PushSecrets.")
	fs.BoolVar(&o.reconcilers.clusterPushSecret, "enable-cluster-push-secret-reconciler", true, "Reconcile ClusterPushSecrets.")

	fs.BoolVar(&o.caching.secrets, "enable-secrets-caching", false, "Cache every Secret of the cluster in memory (costly on large clusters).")
	fs.BoolVar(&o.caching.configMaps, "enable-configmaps-caching", false, "Cache every ConfigMap of the cluster in memory.")
	fs.BoolVar(&o.caching.managedSecrets, "enable-managed-secrets-caching", true, "Cache only the Secrets this controller manages (ignored with --enable-secrets-caching).")
	fs.BoolVar(&o.caching.apiReadOnMismatch, "enable-secret-api-read-on-cache-mismatch", true, "Read a target Secret from the API when the caches disagree about it.")

	fs.BoolVar(&o.enableFloodGate, "enable-flood-gate", true, "Fail an ExternalSecret fast while its store is not Ready instead of calling the provider.")
	fs.BoolVar(&o.enableGenState, "enable-generator-state", true, "Keep GeneratorState objects so generated credentials can be cleaned up.")
	fs.BoolVar(&o.extendedLabels, "enable-extended-metric-labels", false, "Add app.kubernetes.io/* labels of the object to its metrics.")
	fs.BoolVar(&o.genericTargets, "unsafe-allow-generic-targets", false, "Allow ExternalSecrets to render into kinds other than Secret (target.manifest).")
	fs.StringVar(&o.templateLeftDelim, "template-left-delimiter", "{{", "Left delimiter of templates.")
	fs.StringVar(&o.templateRightDel, "template-right-delimiter", "}}", "Right delimiter of templates.")
	fs.DurationVar(&o.generatorGCGrace, "generator-gc-grace-period", 2*time.Minute, "How long a superseded GeneratorState is kept before its credentials are cleaned up.")
	fs.BoolVar(&o.vaultTokenCache, "enable-vault-token-cache", false, "Reuse Vault login tokens across reconciles instead of logging in and revoking each time.")
	fs.IntVar(&o.vaultTokenCacheSz, "vault-token-cache-size", 262144, "Maximum number of cached Vault tokens.")
	fs.DurationVar(&o.readCoalesceWindow, "provider-read-coalesce-window", 5*time.Second, "Reuse the result of an identical read from the same store with the same credentials for this long; 0 only merges reads in flight at the same time.")
	fs.BoolVar(&o.vaultTokenCache, "experimental-enable-vault-token-cache", false, "Deprecated: use --enable-vault-token-cache.")
	fs.IntVar(&o.vaultTokenCacheSz, "experimental-vault-token-cache-size", 262144, "Deprecated: use --vault-token-cache-size.")
	fs.IntVar(&o.dopplerETagCacheSz, "doppler-etag-cache-size", 16384, "Maximum number of Doppler downloads kept for conditional (ETag) requests; 0 disables the cache.")
	fs.BoolVar(&o.dopplerOIDCCache, "experimental-enable-doppler-oidc-cache", false, "Accepted for compatibility; has no effect: Doppler OIDC tokens are exchanged per reconcile.")
	fs.IntVar(&o.dopplerOIDCCacheSz, "experimental-doppler-oidc-cache-size", 262144, "Accepted for compatibility; has no effect.")
	_ = fs.MarkDeprecated("experimental-enable-vault-token-cache", "use --enable-vault-token-cache")
	_ = fs.MarkDeprecated("experimental-vault-token-cache-size", "use --vault-token-cache-size")
}
