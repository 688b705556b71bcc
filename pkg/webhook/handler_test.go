package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func request(t *testing.T, op admissionv1.Operation, version, kind string, obj any) admission.Request {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       "uid",
		Operation: op,
		Kind:      metav1.GroupVersionKind{Group: group, Version: version, Kind: kind},
		Object:    runtime.RawExtension{Raw: raw},
	}}
}

func TestHandler_Handle(t *testing.T) {
	invalid := validES(func(s *esv1.ExternalSecretSpec) { s.Data = nil })
	deleting := invalid.DeepCopy()
	now := metav1.Now()
	deleting.DeletionTimestamp = &now
	deleting.Finalizers = []string{"f"}
	fakeStore := &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"},
		Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{}}}}
	handlers := Handlers(mustRegistry(t))
	tests := []struct {
		name     string
		path     string
		req      admission.Request
		allowed  bool
		code     int32
		message  string
		warnings []string
	}{
		{name: "a valid ExternalSecret is allowed", path: PathExternalSecretV1,
			req: request(t, admissionv1.Create, "v1", "ExternalSecret", validES(nil)), allowed: true, code: http.StatusOK},
		{name: "an invalid ExternalSecret is denied with the rule's message", path: PathExternalSecretV1,
			req: request(t, admissionv1.Update, "v1", "ExternalSecret", invalid), code: http.StatusForbidden, message: msgNoData},
		{name: "a v1beta1 ExternalSecret gets the same rules", path: PathExternalSecretV1beta1,
			req: request(t, admissionv1.Create, "v1beta1", "ExternalSecret", invalid), code: http.StatusForbidden, message: msgNoData},
		{name: "a delete is always allowed", path: PathExternalSecretV1,
			req: admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{Operation: admissionv1.Delete,
				Kind: metav1.GroupVersionKind{Group: group, Version: "v1", Kind: "ExternalSecret"}}}, allowed: true, code: http.StatusOK},
		{name: "an object being deleted may drop its finalizers whatever its spec", path: PathExternalSecretV1,
			req: request(t, admissionv1.Update, "v1", "ExternalSecret", deleting), allowed: true, code: http.StatusOK},
		{name: "a store's warnings reach the user", path: PathSecretStoreV1beta1,
			req: request(t, admissionv1.Create, "v1beta1", "SecretStore", fakeStore), allowed: true, code: http.StatusOK,
			warnings: []string{"store fake isn't currently maintained. Please plan and prepare accordingly."}},
		{name: "a kind sent to the wrong path is an error", path: PathClusterSecretStoreV1,
			req: request(t, admissionv1.Create, "v1", "SecretStore", fakeStore), code: http.StatusBadRequest,
			message: "this webhook validates ClusterSecretStore.external-secrets.io at v1 or v1beta1"},
		{name: "an unknown version is an error", path: PathSecretStoreV1,
			req: request(t, admissionv1.Create, "v1alpha1", "SecretStore", fakeStore), code: http.StatusBadRequest,
			message: "not external-secrets.io/v1alpha1, Kind=SecretStore"},
		{name: "an undecodable object is an error", path: PathSecretStoreV1,
			req: request(t, admissionv1.Create, "v1", "SecretStore", map[string]any{"spec": "text"}), code: http.StatusBadRequest,
			message: "decoding the SecretStore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := handlers[tt.path].Handle(context.Background(), tt.req)
			if resp.Allowed != tt.allowed || resp.Result.Code != tt.code {
				t.Fatalf("allowed=%v code=%d (%s), want allowed=%v code=%d", resp.Allowed, resp.Result.Code, resp.Result.Message, tt.allowed, tt.code)
			}
			if !strings.Contains(resp.Result.Message, tt.message) {
				t.Errorf("message %q does not contain %q", resp.Result.Message, tt.message)
			}
			if strings.Join(resp.Warnings, "|") != strings.Join(tt.warnings, "|") {
				t.Errorf("warnings %q, want %q", resp.Warnings, tt.warnings)
			}
		})
	}
}

func TestHandlers_coverEveryPath(t *testing.T) {
	want := []string{PathExternalSecretV1, PathSecretStoreV1, PathClusterSecretStoreV1,
		PathExternalSecretV1beta1, PathSecretStoreV1beta1, PathClusterSecretStoreV1beta1}
	handlers := Handlers(mustRegistry(t))
	if len(handlers) != len(want) {
		t.Errorf("%d handlers, want %d", len(handlers), len(want))
	}
	for _, p := range want {
		if handlers[p] == nil {
			t.Errorf("no handler for %s", p)
		}
	}
}
