// Package webhook is the validating admission webhook for ExternalSecrets, SecretStores and
// ClusterSecretStores. It turns mistakes that would otherwise fail a sync later (a policy
// combination that cannot work, a dataFrom entry without a source, a namespace regex that
// does not compile, a provider configuration its provider refuses) into an immediate,
// readable rejection at apply time.
//
// Each kind is served at a v1 and a v1beta1 path. v1beta1 has exactly the v1 schema (the
// CRDs convert with strategy None), so both decode into the v1 Go types and get the same
// rules. The rules that CEL in the CRDs also enforces are checked here too: the
// messages are upstream's, and a cluster whose CRDs come from elsewhere is still protected.
package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Paths the handlers are served at. The v1 paths are upstream's, so Helm values and
// webhook configurations written for upstream keep working.
const (
	// PathExternalSecretV1 validates ExternalSecrets sent at v1.
	PathExternalSecretV1 = "/validate-external-secrets-io-v1-externalsecret"
	// PathSecretStoreV1 validates SecretStores sent at v1.
	PathSecretStoreV1 = "/validate-external-secrets-io-v1-secretstore"
	// PathClusterSecretStoreV1 validates ClusterSecretStores sent at v1.
	PathClusterSecretStoreV1 = "/validate-external-secrets-io-v1-clustersecretstore"
	// PathExternalSecretV1beta1 validates ExternalSecrets sent at v1beta1.
	PathExternalSecretV1beta1 = "/validate-external-secrets-io-v1beta1-externalsecret"
	// PathSecretStoreV1beta1 validates SecretStores sent at v1beta1.
	PathSecretStoreV1beta1 = "/validate-external-secrets-io-v1beta1-secretstore"
	// PathClusterSecretStoreV1beta1 validates ClusterSecretStores sent at v1beta1.
	PathClusterSecretStoreV1beta1 = "/validate-external-secrets-io-v1beta1-clustersecretstore"
)

// group is the API group of every kind validated here.
const group = "external-secrets.io"

// servedVersions are the versions a request may come in. Both decode into the v1 types.
var servedVersions = map[string]bool{"v1": true, "v1beta1": true}

// Register serves every handler on srv, validating stores against reg.
func Register(srv ctrlwebhook.Server, reg *providers.Registry) {
	for path, h := range Handlers(reg) {
		srv.Register(path, &admission.Webhook{Handler: h})
	}
}

// Handlers returns the admission handler of every path, for a server other than
// controller-runtime's (or a test) to mount.
func Handlers(reg *providers.Registry) map[string]admission.Handler {
	stores := StoreValidator{Registry: reg}
	es := &handler{
		kind:      esv1.ExternalSecretKind,
		newObject: func() client.Object { return &esv1.ExternalSecret{} },
		validate: func(o client.Object) (admission.Warnings, error) {
			return nil, ValidateExternalSecret(o.(*esv1.ExternalSecret))
		},
	}
	ss := &handler{
		kind:      esv1.SecretStoreKind,
		newObject: func() client.Object { return &esv1.SecretStore{} },
		validate:  func(o client.Object) (admission.Warnings, error) { return stores.Validate(o.(*esv1.SecretStore)) },
	}
	css := &handler{
		kind:      esv1.ClusterSecretStoreKind,
		newObject: func() client.Object { return &esv1.ClusterSecretStore{} },
		validate: func(o client.Object) (admission.Warnings, error) {
			return stores.Validate(o.(*esv1.ClusterSecretStore))
		},
	}
	return map[string]admission.Handler{
		PathExternalSecretV1: es, PathExternalSecretV1beta1: es,
		PathSecretStoreV1: ss, PathSecretStoreV1beta1: ss,
		PathClusterSecretStoreV1: css, PathClusterSecretStoreV1beta1: css,
	}
}

// handler validates one kind, at any served version.
type handler struct {
	kind      string
	newObject func() client.Object
	validate  func(client.Object) (admission.Warnings, error)
}

// Handle allows every DELETE (an object must always be removable), decodes the object
// into the v1 type whatever its version, and allows updates of an object that is being
// deleted, so that removing a finalizer is never blocked by a rule the object broke
// before the webhook was installed.
func (h *handler) Handle(_ context.Context, req admission.Request) admission.Response {
	if req.Operation == admissionv1.Delete {
		return admission.Allowed("")
	}
	gk := schema.GroupKind{Group: req.Kind.Group, Kind: req.Kind.Kind}
	if gk != (schema.GroupKind{Group: group, Kind: h.kind}) || !servedVersions[req.Kind.Version] {
		return admission.Errored(http.StatusBadRequest,
			fmt.Errorf("this webhook validates %s.%s at v1 or v1beta1, not %s", h.kind, group, req.Kind.String()))
	}
	obj := h.newObject()
	if err := json.Unmarshal(req.Object.Raw, obj); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding the %s: %w", h.kind, err))
	}
	if obj.GetDeletionTimestamp() != nil {
		return admission.Allowed("")
	}
	warnings, err := h.validate(obj)
	if err != nil {
		return admission.Denied(err.Error()).WithWarnings(warnings...)
	}
	return admission.Allowed("").WithWarnings(warnings...)
}
