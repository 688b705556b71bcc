package main

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/controllers/externalsecret"
	"github.com/seedb5e69c69/external-secrets/pkg/controllers/generatorstate"
	"github.com/seedb5e69c69/external-secrets/pkg/controllers/secretstore"
	"github.com/seedb5e69c69/external-secrets/pkg/eventrecorder"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/ecr"
	fakegen "github.com/seedb5e69c69/external-secrets/pkg/generators/fake"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/gcr"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/password"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/state"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/uuid"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/vaultdynamic"
	webhookgen "github.com/seedb5e69c69/external-secrets/pkg/generators/webhook"
	"github.com/seedb5e69c69/external-secrets/pkg/metrics"
	"github.com/seedb5e69c69/external-secrets/pkg/store"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
	"github.com/seedb5e69c69/external-secrets/providers"
	awsprovider "github.com/seedb5e69c69/external-secrets/providers/aws"
	"github.com/seedb5e69c69/external-secrets/providers/azurekv"
	"github.com/seedb5e69c69/external-secrets/providers/doppler"
	"github.com/seedb5e69c69/external-secrets/providers/fake"
	gcpprovider "github.com/seedb5e69c69/external-secrets/providers/gcp"
	"github.com/seedb5e69c69/external-secrets/providers/infisical"
	"github.com/seedb5e69c69/external-secrets/providers/kubernetes"
	"github.com/seedb5e69c69/external-secrets/providers/onepassword"
	"github.com/seedb5e69c69/external-secrets/providers/vault"
	"github.com/seedb5e69c69/external-secrets/providers/webhook"
)

// newRegistry is the one explicit list of the providers this binary ships. The JSON name of
// each entry is the field of spec.provider that selects it.
// observer receives every provider API call (for the metrics); nil is allowed. caches sizes
// the providers' caches; the zero value disables them.
func newRegistry(observer providers.CallObserver, caches providerCaches) (*providers.Registry, error) {
	return providers.NewRegistry(
		providers.Entry{Name: "aws", Provider: awsprovider.New(awsprovider.WithCallObserver(observer)), Maintenance: providers.Maintained},
		providers.Entry{Name: "doppler", Provider: doppler.New(doppler.WithCallObserver(observer), doppler.WithETagCacheSize(caches.dopplerETags)), Maintenance: providers.Maintained},
		providers.Entry{Name: "fake", Provider: fake.New(fake.WithCallObserver(observer)), Maintenance: providers.NotMaintained},
		providers.Entry{Name: "azurekv", Provider: azurekv.New(azurekv.WithCallObserver(observer)), Maintenance: providers.Maintained},
		providers.Entry{Name: "gcpsm", Provider: gcpprovider.New(gcpprovider.WithCallObserver(observer)), Maintenance: providers.Maintained},
		providers.Entry{Name: "infisical", Provider: infisical.New(infisical.WithCallObserver(observer)), Maintenance: providers.Maintained},
		providers.Entry{Name: "onepassword", Provider: onepassword.New(onepassword.WithCallObserver(observer)), Maintenance: providers.Maintained},
		providers.Entry{Name: "vault", Provider: vault.New(vault.WithCallObserver(observer), vault.WithTokenCache(caches.vaultTokens)), Maintenance: providers.Maintained},
		providers.Entry{Name: "kubernetes", Provider: kubernetes.New(kubernetes.WithCallObserver(observer)), Maintenance: providers.Maintained},
		providers.Entry{Name: "webhook", Provider: webhook.New(webhook.WithCallObserver(observer)), Maintenance: providers.Maintained},
	)
}

// providerCaches sizes the caches providers keep across reconciles.
type providerCaches struct {
	// vaultTokens is the size of the Vault login token cache (0: log in and revoke on every
	// sync).
	vaultTokens int
	// dopplerETags is the number of Doppler downloads kept for conditional requests (0: none).
	dopplerETags int
}

// newGenerators is the one explicit list of the generator kinds this binary runs.
// observer receives every API call a generator makes (for the metrics); nil is allowed.
func newGenerators(observer providers.CallObserver) (*generators.Registry, error) {
	return generators.NewRegistry(
		generators.Entry{Kind: genv1alpha1.PasswordKind, Generator: password.Generator{}},
		generators.Entry{Kind: genv1alpha1.UUIDKind, Generator: uuid.Generator{}},
		generators.Entry{Kind: genv1alpha1.FakeKind, Generator: fakegen.Generator{}},
		generators.Entry{Kind: genv1alpha1.ECRAuthorizationTokenKind, Generator: ecr.New(ecr.WithCallObserver(observer))},
		generators.Entry{Kind: genv1alpha1.GCRAccessTokenKind, Generator: gcr.New(gcr.WithCallObserver(observer))},
		generators.Entry{Kind: genv1alpha1.WebhookKind, Generator: webhookgen.New(webhook.WithCallObserver(observer))},
		generators.Entry{Kind: genv1alpha1.VaultDynamicSecretKind, Generator: vaultdynamic.New(vaultdynamic.WithCallObserver(observer))},
	)
}

// shared holds what several controllers use, built once per process.
type shared struct {
	generators *generators.Registry
	metrics    *metrics.Recorder
	registry   *providers.Registry
	templates  *template.Engine
	reads      *store.ReadCache
}

func newShared(opts *controllerOptions) (*shared, error) {
	kinds := []string{metrics.ExternalSecret}
	if opts.reconcilers.secretStore {
		kinds = append(kinds, metrics.SecretStore)
	}
	if opts.reconcilers.clusterStore {
		kinds = append(kinds, metrics.ClusterSecretStore)
	}
	rec, err := metrics.New(ctrlmetrics.Registry, opts.extendedLabels, kinds...)
	if err != nil {
		return nil, err
	}
	caches := providerCaches{dopplerETags: opts.dopplerETagCacheSz}
	if opts.vaultTokenCache {
		caches.vaultTokens = opts.vaultTokenCacheSz
	}
	reg, err := newRegistry(rec, caches)
	if err != nil {
		return nil, err
	}
	gens, err := newGenerators(rec)
	if err != nil {
		return nil, err
	}
	return &shared{
		generators: gens,
		metrics:    rec,
		registry:   reg,
		templates:  template.New(template.WithDelimiters(opts.templateLeftDelim, opts.templateRightDel)),
		reads:      store.NewReadCache(opts.readCoalesceWindow),
	}, nil
}

// setups is the explicit list of controllers this binary runs; adding one is one line here.
func setups(sh *shared) []reconcilerSetup {
	return []reconcilerSetup{
		{name: "externalsecret", enabled: always, setup: sh.setupExternalSecrets},
		{name: "generatorstate", enabled: always, setup: sh.setupGeneratorStates},
		{name: "secretstore", enabled: func(o *controllerOptions) bool { return o.reconcilers.secretStore }, setup: sh.setupStores(func() esv1.GenericStore { return &esv1.SecretStore{} })},
		{name: "clustersecretstore", enabled: func(o *controllerOptions) bool { return o.reconcilers.clusterStore }, setup: sh.setupStores(func() esv1.GenericStore { return &esv1.ClusterSecretStore{} })},
	}
}

func always(*controllerOptions) bool { return true }

func (sh *shared) resolver(mgr manager.Manager, opts *controllerOptions) *store.Resolver {
	return &store.Resolver{
		Client:          mgr.GetClient(),
		Registry:        sh.registry,
		ControllerClass: opts.controllerClass,
		FloodGate:       opts.enableFloodGate,
		Reads:           sh.reads,
		NoClusterStores: !opts.reconcilers.clusterStore,
	}
}

func (sh *shared) setupExternalSecrets(ctx context.Context, mgr manager.Manager, opts *controllerOptions) error {
	r := &externalsecret.Reconciler{
		Client:            mgr.GetClient(),
		Secrets:           secretReader(mgr, opts),
		APIReader:         mgr.GetAPIReader(),
		Stores:            sh.resolver(mgr, opts),
		Templates:         sh.templates,
		Generators:        sh.generators,
		States:            generatorStates(mgr, opts),
		Events:            eventrecorder.For(mgr, "external-secrets"),
		RequeueInterval:   opts.requeueInterval,
		ClusterStores:     opts.reconcilers.clusterStore,
		ClusterGenerators: opts.namespace == "",
		Metrics:           sh.metrics,
	}
	return r.SetupWithManager(ctx, mgr, opts.concurrent)
}

// generatorStates keeps the books of stateful generators unless --enable-generator-state=false.
func generatorStates(mgr manager.Manager, opts *controllerOptions) *state.Books {
	if !opts.enableGenState {
		return nil
	}
	return &state.Books{Client: mgr.GetClient(), GracePeriod: opts.generatorGCGrace}
}

// setupGeneratorStates runs the collector of GeneratorStates. It runs even with
// --enable-generator-state=false, so that states recorded earlier are still cleaned up.
func (sh *shared) setupGeneratorStates(_ context.Context, mgr manager.Manager, opts *controllerOptions) error {
	r := &generatorstate.Reconciler{
		Client:     mgr.GetClient(),
		APIReader:  mgr.GetAPIReader(),
		Generators: sh.generators,
		Events:     eventrecorder.For(mgr, "generator-state"),
	}
	return r.SetupWithManager(mgr, opts.concurrent)
}

// secretReader is where target Secrets are read: the cache (restricted to managed Secrets
// unless --enable-secrets-caching) or, with caching off, the API server.
func secretReader(mgr manager.Manager, opts *controllerOptions) client.Reader {
	if opts.caching.managedSecrets || opts.caching.secrets {
		return mgr.GetCache()
	}
	return mgr.GetAPIReader()
}

func (sh *shared) setupStores(newStore func() esv1.GenericStore) func(context.Context, manager.Manager, *controllerOptions) error {
	return func(_ context.Context, mgr manager.Manager, opts *controllerOptions) error {
		r := &secretstore.Reconciler{
			Client:          mgr.GetClient(),
			Registry:        sh.registry,
			NewStore:        newStore,
			ControllerClass: opts.controllerClass,
			RequeueInterval: opts.storeRequeue,
			Events:          eventrecorder.For(mgr, "secret-store"),
			Metrics:         sh.metrics,
		}
		return r.SetupWithManager(mgr, opts.concurrent)
	}
}
