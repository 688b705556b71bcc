package certcontroller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// Label that marks the ValidatingWebhookConfigurations whose CA bundle this controller
// manages; the same key and value as upstream, so existing manifests keep working.
const (
	// ComponentLabel is the label key.
	ComponentLabel = "external-secrets.io/component"
	// ComponentWebhook is the value that selects a configuration for injection.
	ComponentWebhook = "webhook"
)

var webhookSelector = labels.SelectorFromSet(labels.Set{ComponentLabel: ComponentWebhook})

var labelled = predicate.NewPredicateFuncs(func(o client.Object) bool {
	return webhookSelector.Matches(labels.Set(o.GetLabels()))
})

// CacheOptions restricts the manager's cache to what the controller may see: its one
// Secret (a field selector on its name, in its namespace, which RBAC can limit with
// resourceNames) and the labelled webhook configurations. Reading any other kind through
// the cached client fails instead of silently starting a cluster-wide informer.
func CacheOptions(secret types.NamespacedName) cache.Options {
	return cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {
				Namespaces: map[string]cache.Config{secret.Namespace: {}},
				Field:      fields.OneTermEqualSelector("metadata.name", secret.Name),
			},
			&admissionregistrationv1.ValidatingWebhookConfiguration{}: {Label: webhookSelector},
		},
		ReaderFailOnMissingInformer: true,
	}
}

// injectAll points every labelled configuration at the CA bundle.
func (r *Reconciler) injectAll(ctx context.Context, bundle []byte) error {
	var list admissionregistrationv1.ValidatingWebhookConfigurationList
	if err := r.Client.List(ctx, &list, client.MatchingLabelsSelector{Selector: webhookSelector}); err != nil {
		return fmt.Errorf("listing the webhook configurations: %w", err)
	}
	var errs []error
	for i := range list.Items {
		vwc := &list.Items[i]
		base := vwc.DeepCopy()
		if !inject(vwc, bundle, r.Service) {
			continue
		}
		patch := client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
		if err := r.Client.Patch(ctx, vwc, patch); err != nil {
			errs = append(errs, fmt.Errorf("injecting the CA bundle into %s: %w", vwc.Name, err))
			continue
		}
		ctrl.LoggerFrom(ctx).Info("injected the CA bundle", "validatingwebhookconfiguration", vwc.Name)
	}
	return errors.Join(errs...)
}

// trusted tells whether every labelled configuration trusts exactly bundle.
func (r *Reconciler) trusted(ctx context.Context, bundle []byte) error {
	var list admissionregistrationv1.ValidatingWebhookConfigurationList
	if err := r.Client.List(ctx, &list, client.MatchingLabelsSelector{Selector: webhookSelector}); err != nil {
		return fmt.Errorf("listing the webhook configurations: %w", err)
	}
	for _, vwc := range list.Items {
		for _, w := range vwc.Webhooks {
			if !bytes.Equal(w.ClientConfig.CABundle, bundle) {
				return fmt.Errorf("webhook %s of %s does not trust the current CA yet", w.Name, vwc.Name)
			}
		}
	}
	return nil
}

// inject sets the CA bundle of every webhook of vwc and, for webhooks that call a Service,
// the Service's name and namespace. It reports whether anything changed. Webhooks that call
// a URL keep it: that is how a webhook run outside the cluster is reached.
func inject(vwc *admissionregistrationv1.ValidatingWebhookConfiguration, bundle []byte, svc types.NamespacedName) bool {
	changed := false
	for i := range vwc.Webhooks {
		cc := &vwc.Webhooks[i].ClientConfig
		if !bytes.Equal(cc.CABundle, bundle) {
			cc.CABundle = bytes.Clone(bundle)
			changed = true
		}
		if cc.Service != nil && (cc.Service.Name != svc.Name || cc.Service.Namespace != svc.Namespace) {
			cc.Service.Name, cc.Service.Namespace = svc.Name, svc.Namespace
			changed = true
		}
	}
	return changed
}

// EndpointsReady is a readiness check that passes once the webhook Service has a ready
// endpoint, so that `helm install --wait` returns only when admission requests can be
// served. reader should be uncached (the manager's API reader): it lists the Service's
// EndpointSlices in its namespace only.
func EndpointsReady(reader client.Reader, svc types.NamespacedName) healthz.Checker {
	return func(req *http.Request) error {
		var slices discoveryv1.EndpointSliceList
		err := reader.List(req.Context(), &slices, client.InNamespace(svc.Namespace),
			client.MatchingLabels{discoveryv1.LabelServiceName: svc.Name})
		if err != nil {
			return fmt.Errorf("listing the endpoints of %s: %w", svc, err)
		}
		for _, s := range slices.Items {
			for _, ep := range s.Endpoints {
				if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
					return nil
				}
			}
		}
		return fmt.Errorf("the webhook Service %s has no ready endpoint yet", svc)
	}
}
