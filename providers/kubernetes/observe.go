package kubernetes

import (
	"fmt"
	"net/http"
	"strings"

	"k8s.io/client-go/rest"

	"github.com/seedb5e69c69/external-secrets/providers"
)

// MetricsProvider is the provider label of this provider's API call metrics.
const MetricsProvider = "Kubernetes"

// WithCallObserver reports every request to the remote API server (for the provider API call
// metric). Calls are named after the request, e.g. GetSecret, ListSecrets,
// CreateSelfSubjectRulesReview.
func WithCallObserver(o providers.CallObserver) Option {
	return func(p *Provider) { p.observer = o }
}

// observe wraps cfg's transport so every request is reported to o.
func observe(cfg *rest.Config, o providers.CallObserver) {
	if o == nil {
		return
	}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return observingTransport{next: rt, observer: o}
	})
}

type observingTransport struct {
	next     http.RoundTripper
	observer providers.CallObserver
}

func (t observingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	callErr := err
	if err == nil && resp.StatusCode >= http.StatusBadRequest {
		callErr = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	t.observer.ObserveAPICall(MetricsProvider, callName(req.Method, req.URL.Path), callErr)
	return resp, err
}

// callName turns a request into an operation name: GET .../secrets/x is GetSecret, GET
// .../secrets is ListSecrets, POST .../selfsubjectrulesreviews is CreateSelfSubjectRulesReview.
func callName(method, path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	resource, named := "", false
	for i := len(parts) - 1; i >= 0; i-- {
		if isResource(parts[i]) {
			resource, named = parts[i], i < len(parts)-1
			break
		}
	}
	if resource == "" {
		return method
	}
	singular := kinds[resource]
	switch {
	case method == http.MethodGet && !named:
		return "List" + singular + "s"
	case method == http.MethodGet:
		return "Get" + singular
	case method == http.MethodPost:
		return "Create" + singular
	case method == http.MethodPut, method == http.MethodPatch:
		return "Update" + singular
	case method == http.MethodDelete:
		return "Delete" + singular
	}
	return method + singular
}

// kinds maps the resources this provider calls to the names used in call labels.
var kinds = map[string]string{
	"secrets":                  "Secret",
	"selfsubjectrulesreviews":  "SelfSubjectRulesReview",
	"selfsubjectaccessreviews": "SelfSubjectAccessReview",
}

func isResource(s string) bool {
	_, ok := kinds[s]
	return ok
}
