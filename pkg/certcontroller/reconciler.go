// Package certcontroller keeps the admission webhook's TLS material alive without
// cert-manager: it issues a self-signed CA and a serving certificate into one Secret,
// rotates them before they expire, and injects the CA bundle into the
// ValidatingWebhookConfigurations labelled for it, so the apiserver trusts the webhook.
//
// It sees only what it needs: its informers hold its one Secret (selected by name and
// namespace) and the labelled webhook configurations, never the cluster's Secrets, and the
// RBAC it ships with (config/webhook) grants no more than that.
//
// CRD conversion webhooks are not injected: our CRDs serve v1 and v1beta1 with the same
// schema and conversion strategy None, so there is nothing to convert.
package certcontroller

import (
	"context"
	"fmt"
	"net/http"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/seedb5e69c69/external-secrets/pkg/servingcert"
)

// Defaults of the certcontroller subcommand (contract §12.3).
const (
	// DefaultValidity is how long issued certificates (CA and serving) are valid: ten years,
	// as upstream.
	DefaultValidity = 10 * 365 * 24 * time.Hour
	// DefaultLookahead is how long before expiry a certificate is replaced; the webhook
	// uses the same window to decide that its files are stale.
	DefaultLookahead = 90 * 24 * time.Hour
	// DefaultRequeueInterval is how often everything is checked again without any event.
	DefaultRequeueInterval = 5 * time.Minute
)

// caCommonName is the subject of the CAs this controller issues.
const caCommonName = "external-secrets-webhook-ca"

// Reconciler owns the certificate Secret and the CA bundle of the labelled webhook
// configurations. Every event (the Secret changed, a configuration was added or edited,
// the start-up kick) reconciles everything, through a single work-queue key.
type Reconciler struct {
	// Client reads from a cache set up with CacheOptions and writes to the apiserver.
	Client client.Client
	// Secret holds ca.crt, ca.key, tls.crt and tls.key.
	Secret types.NamespacedName
	// Service is the webhook's Service: the serving certificate is issued for its DNS
	// names, and webhook configurations that call a Service are pointed at it.
	Service types.NamespacedName
	// ExtraNames are more DNS names or IP addresses for the serving certificate, e.g.
	// "localhost" for a webhook run outside the cluster.
	ExtraNames []string
	// CAValidity and Validity are the lifetimes of new CAs and serving certificates
	// (DefaultValidity when zero). A serving certificate never outlives its CA.
	CAValidity time.Duration
	// Validity: see CAValidity.
	Validity time.Duration
	// Lookahead is how long before expiry a certificate is replaced (DefaultLookahead when
	// zero). It must be shorter than both validities.
	Lookahead time.Duration
	// RequeueInterval bounds the time between two checks (DefaultRequeueInterval when zero).
	RequeueInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DNSNames returns the names the serving certificate is issued for: the Service's
// in-cluster names and ExtraNames.
func (r *Reconciler) DNSNames() []string {
	svc, ns := r.Service.Name, r.Service.Namespace
	names := []string{svc + "." + ns + ".svc", svc, svc + "." + ns, svc + "." + ns + ".svc.cluster.local"}
	return append(names, r.ExtraNames...)
}

func (r *Reconciler) durations() (caValidity, validity, lookahead, every time.Duration) {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	return or(r.CAValidity, DefaultValidity), or(r.Validity, DefaultValidity), or(r.Lookahead, DefaultLookahead), or(r.RequeueInterval, DefaultRequeueInterval)
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// SetupWithManager registers the controller. The manager's cache must have been built with
// CacheOptions, so that the watches below see only the one Secret and the labelled
// configurations.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	caValidity, validity, lookahead, _ := r.durations()
	if lookahead >= validity || lookahead >= caValidity {
		return fmt.Errorf("the lookahead (%s) must be shorter than the certificate validity (%s, CA %s)", lookahead, validity, caValidity)
	}
	toSecret := handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []ctrl.Request {
		return []ctrl.Request{{NamespacedName: r.Secret}}
	})
	// The Secret may not exist yet and no configuration may be labelled yet: one event at
	// start makes sure the Secret is created anyway.
	kick := make(chan event.GenericEvent, 1)
	kick <- event.GenericEvent{Object: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: r.Secret.Name, Namespace: r.Secret.Namespace}}}
	ours := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetName() == r.Secret.Name && o.GetNamespace() == r.Secret.Namespace
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("webhook-certs").
		For(&corev1.Secret{}, builder.WithPredicates(ours)).
		Watches(&admissionregistrationv1.ValidatingWebhookConfiguration{}, toSecret, builder.WithPredicates(labelled)).
		WatchesRawSource(source.Channel(kick, toSecret)).
		Complete(r)
}

// Reconcile makes sure, in this order, that the Secret holds a CA that is not about to
// expire, that every labelled configuration trusts it, and only then that the serving
// certificate is signed by it. Issuing the serving certificate after the injection means
// the apiserver never meets a certificate from a CA it does not trust yet; the previous CA
// stays in the bundle until it expires, so the certificate still being served stays trusted
// until the new one reaches the webhook.
func (r *Reconciler) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	now := r.now()
	secret, err := r.getSecret(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	ca, err := r.ensureCA(ctx, secret, now)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.injectAll(ctx, secret.Data[servingcert.CACertKey]); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.ensureServing(ctx, secret, ca, now); err != nil {
		return ctrl.Result{}, err
	}
	_, _, lookahead, every := r.durations()
	return ctrl.Result{RequeueAfter: nextCheck(secret.Data, now, lookahead, every)}, nil
}

// getSecret reads the Secret, or returns a new unsaved one when it does not exist.
func (r *Reconciler) getSecret(ctx context.Context) (*corev1.Secret, error) {
	secret := &corev1.Secret{}
	err := r.Client.Get(ctx, r.Secret, secret)
	if apierrors.IsNotFound(err) {
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: r.Secret.Name, Namespace: r.Secret.Namespace},
			Type:       corev1.SecretTypeOpaque,
		}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the certificate Secret %s: %w", r.Secret, err)
	}
	return secret, nil
}

// ensureCA returns the CA to sign with. When the Secret has none that stays valid for the
// lookahead, it issues one, puts it in front of the trusted bundle and saves the Secret
// (keeping the current serving certificate for now). It also drops expired CAs.
func (r *Reconciler) ensureCA(ctx context.Context, secret *corev1.Secret, now time.Time) (servingcert.KeyPair, error) {
	caValidity, _, lookahead, _ := r.durations()
	if ca, _, ok := currentCA(secret.Data, now, lookahead); ok {
		bundle := secret.Data[servingcert.CACertKey]
		if pruned := pruneBundle(bundle, now); len(pruned) != len(bundle) {
			secret.Data[servingcert.CACertKey] = pruned
			return ca, r.save(ctx, secret, "dropped expired CAs from the bundle")
		}
		return ca, nil
	}
	ca, err := servingcert.NewCA(caCommonName, now, caValidity)
	if err != nil {
		return servingcert.KeyPair{}, err
	}
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	secret.Data[servingcert.CACertKey] = caBundle(ca.Cert, secret.Data[servingcert.CACertKey], now)
	secret.Data[servingcert.CAKeyKey] = ca.Key
	return ca, r.save(ctx, secret, "issued a new CA")
}

// ensureServing issues a serving certificate from ca when the current one is due.
func (r *Reconciler) ensureServing(ctx context.Context, secret *corev1.Secret, ca servingcert.KeyPair, now time.Time) error {
	_, validity, lookahead, _ := r.durations()
	names := r.DNSNames()
	if !servingDue(secret.Data, ca, names, now, lookahead) {
		return nil
	}
	serving, err := servingcert.NewServing(ca, names, now, validity)
	if err != nil {
		return err
	}
	secret.Data[servingcert.CertKey] = serving.Cert
	secret.Data[servingcert.KeyKey] = serving.Key
	return r.save(ctx, secret, "issued a new serving certificate")
}

// save creates or updates the Secret. An update carries the resourceVersion that was read,
// so two replicas (or a stale cache) cannot both rotate: the loser gets a conflict and
// retries with what the winner wrote.
func (r *Reconciler) save(ctx context.Context, secret *corev1.Secret, what string) error {
	var err error
	if secret.ResourceVersion == "" {
		err = r.Client.Create(ctx, secret)
	} else {
		err = r.Client.Update(ctx, secret)
	}
	if err != nil {
		return fmt.Errorf("saving the certificate Secret %s: %w", r.Secret, err)
	}
	ctrl.LoggerFrom(ctx).Info(what, "secret", r.Secret.String())
	return nil
}

// Ready is a readiness check: it passes once the Secret holds a serving certificate that is
// valid now and every labelled webhook configuration trusts its CA. It reads the cache,
// which runs on every replica, so a replica waiting for leadership is ready too once the
// leader has done the work.
func (r *Reconciler) Ready() healthz.Checker {
	return func(req *http.Request) error {
		ctx := context.Background()
		if req != nil {
			ctx = req.Context()
		}
		secret := &corev1.Secret{}
		if err := r.Client.Get(ctx, r.Secret, secret); err != nil {
			return fmt.Errorf("reading the certificate Secret: %w", err)
		}
		bundle := secret.Data[servingcert.CACertKey]
		serving := servingcert.KeyPair{Cert: secret.Data[servingcert.CertKey], Key: secret.Data[servingcert.KeyKey]}
		if err := servingcert.Check(bundle, serving, r.DNSNames()[0], r.now()); err != nil {
			return err
		}
		return r.trusted(ctx, bundle)
	}
}
