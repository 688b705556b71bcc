package certcontroller

import (
	"bytes"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestInject(t *testing.T) {
	svc := types.NamespacedName{Name: "webhook", Namespace: "eso"}
	bundle := []byte("bundle")
	service := func(name, ns string, ca []byte) admissionregistrationv1.ValidatingWebhook {
		return admissionregistrationv1.ValidatingWebhook{ClientConfig: admissionregistrationv1.WebhookClientConfig{
			Service: &admissionregistrationv1.ServiceReference{Name: name, Namespace: ns}, CABundle: ca}}
	}
	url := "https://localhost:9443/validate"
	tests := []struct {
		name     string
		webhooks []admissionregistrationv1.ValidatingWebhook
		changed  bool
	}{
		{name: "an up-to-date configuration is left alone", webhooks: []admissionregistrationv1.ValidatingWebhook{service("webhook", "eso", bundle)}},
		{name: "a missing bundle is injected", webhooks: []admissionregistrationv1.ValidatingWebhook{service("webhook", "eso", bundle), service("webhook", "eso", nil)}, changed: true},
		{name: "a stale bundle is replaced", webhooks: []admissionregistrationv1.ValidatingWebhook{service("webhook", "eso", []byte("old"))}, changed: true},
		{name: "the Service is renamed", webhooks: []admissionregistrationv1.ValidatingWebhook{service("other", "eso", bundle)}, changed: true},
		{name: "the Service moves namespace", webhooks: []admissionregistrationv1.ValidatingWebhook{service("webhook", "default", bundle)}, changed: true},
		{name: "a URL webhook gets the bundle and keeps its URL", webhooks: []admissionregistrationv1.ValidatingWebhook{{ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url}}}, changed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{Webhooks: tt.webhooks}
			if changed := inject(vwc, bundle, svc); changed != tt.changed {
				t.Errorf("changed=%v, want %v", changed, tt.changed)
			}
			for _, w := range vwc.Webhooks {
				cc := w.ClientConfig
				if !bytes.Equal(cc.CABundle, bundle) {
					t.Errorf("bundle %q", cc.CABundle)
				}
				if cc.Service != nil && (cc.Service.Name != svc.Name || cc.Service.Namespace != svc.Namespace) {
					t.Errorf("service %s/%s", cc.Service.Namespace, cc.Service.Name)
				}
				if cc.URL != nil && *cc.URL != url {
					t.Errorf("url %s", *cc.URL)
				}
			}
		})
	}
}
