package ecr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers/aws/awstest"
	"github.com/seedb5e69c69/external-secrets/providers/providertest"
)

// motoURL is the endpoint of the moto server TestMain started; empty when moto_server is
// not installed, and the tests that need it skip.
var motoURL string

const (
	testNamespace = "team-a"
	testAccessKey = "AKIDECRTEST"
	testSecretKey = "ecr-test-secret"
)

func TestMain(m *testing.M) {
	awstest.IsolateEnvironment()
	url, stop, err := awstest.StartMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, "moto:", err)
		os.Exit(1)
	}
	motoURL = url
	code := m.Run()
	stop()
	os.Exit(code)
}

func needMoto(t *testing.T) {
	t.Helper()
	if motoURL == "" {
		t.Skip("moto_server is not installed; install moto[server] to run the ECR generator tests")
	}
}

func ctx() context.Context { return context.Background() }

// request is what the recorder saw of one AWS request.
type request struct {
	header http.Header
	form   url.Values
}

// recorder is an HTTP client that forwards to the real server and keeps every request, to
// check the signing keys and the STS parameters that went over the wire.
type recorder struct {
	mu   sync.Mutex
	reqs []request
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.reqs = append(r.reqs, request{header: req.Header.Clone(), form: form})
	r.mu.Unlock()
	return http.DefaultClient.Do(req)
}

// target returns the requests of a JSON-protocol operation, e.g.
// "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken".
func (r *recorder) target(name string) []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []request
	for _, q := range r.reqs {
		if q.header.Get("X-Amz-Target") == name {
			out = append(out, q)
		}
	}
	return out
}

// action returns the requests of a query-protocol (STS) action.
func (r *recorder) action(name string) []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []request
	for _, q := range r.reqs {
		if q.form.Get("Action") == name {
			out = append(out, q)
		}
	}
	return out
}

const ecrTarget = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"

// signedBy tells whether req was signed with access key id, for region and service.
func signedBy(req request, id, region, service string) bool {
	return strings.Contains(req.header.Get("Authorization"), "Credential="+id+"/") &&
		strings.Contains(req.header.Get("Authorization"), "/"+region+"/"+service+"/aws4_request")
}

// credsSecret holds static keys for the generator's secretRef.
func credsSecret() *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "aws-creds", Namespace: testNamespace},
		Data:       map[string][]byte{"id": []byte(testAccessKey), "secret": []byte(testSecretKey + "\n")},
	}
}

func kubeWith(objs ...client.Object) client.Client {
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(objs...).Build()
}

// jwtKube holds a ServiceAccount and records the audiences of the tokens requested for it;
// the fake client answers a TokenRequest with the token "fake-token".
func jwtKube(annotations map[string]string, audiences *[]string) client.Client {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "puller", Namespace: testNamespace, Annotations: annotations}}
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(sa).WithInterceptorFuncs(interceptor.Funcs{
		SubResourceCreate: func(ctx context.Context, c client.Client, sub string, obj client.Object, subObj client.Object, opts ...client.SubResourceCreateOption) error {
			if tr, ok := subObj.(*authenticationv1.TokenRequest); ok {
				*audiences = tr.Spec.Audiences
			}
			return c.SubResource(sub).Create(ctx, obj, subObj, opts...)
		},
	}).Build()
}

// manifest is the generator object as the ExternalSecret controller passes it.
func manifest(t *testing.T, spec string) *apiextensionsv1.JSON {
	t.Helper()
	raw := fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"name":"ecr","namespace":%q},"spec":%s}`,
		genv1alpha1.GroupVersion.String(), genv1alpha1.ECRAuthorizationTokenKind, testNamespace, spec)
	if !json.Valid([]byte(raw)) {
		t.Fatalf("invalid manifest: %s", raw)
	}
	return &apiextensionsv1.JSON{Raw: []byte(raw)}
}

// staticAuth is an auth block reading the keys of credsSecret.
const staticAuth = `{"secretRef":{"accessKeyIDSecretRef":{"name":"aws-creds","key":"id"},"secretAccessKeySecretRef":{"name":"aws-creds","key":"secret"}}}`

// calls counts the generator's API calls.
type calls struct{ providertest.CallRecorder }

func (c *calls) get(label, call string) int { return c.Count(label, call, "") }
