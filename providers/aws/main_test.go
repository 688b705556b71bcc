package aws

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/aws/awstest"
	"github.com/seedb5e69c69/external-secrets/providers/providertest"
)

// motoURL is the endpoint of the moto server TestMain started; empty when moto_server is
// not installed, and the tests that need it skip.
var motoURL string

const (
	testRegion    = "us-east-1"
	testNamespace = "team-a"
	testAccessKey = "AKIDTESTEXAMPLE"
	testSecretKey = "test-secret-key"
)

func TestMain(m *testing.M) {
	awstest.IsolateEnvironment()
	stop, err := startMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, "moto:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// startMoto starts the moto server the tests share (none when moto_server is not
// installed: the tests that need it skip).
func startMoto() (func(), error) {
	url, stop, err := awstest.StartMoto()
	if err != nil || url == "" {
		return stop, err
	}
	motoURL = url
	go warmUp()
	return stop, nil
}

// warmUp makes moto load its SSM backend (a few seconds, once) while the first tests run.
func warmUp() {
	_, _ = ssm.NewFromConfig(adminConfig(testAccessKey, testSecretKey, "")).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/warm-up")})
}

func needMoto(t *testing.T) {
	t.Helper()
	if motoURL == "" {
		t.Skip("moto_server is not installed; install moto[server] to run the AWS provider tests")
	}
}

// unique returns a name part no other test uses, so tests share one moto server.
var counter atomic.Int64

func unique(prefix string) string {
	return fmt.Sprintf("%s%d-%d", prefix, time.Now().UnixNano()%1e6, counter.Add(1))
}

// env is one test's view of moto: admin SDK clients to arrange data, a kube client with
// the store's credentials, and a provider counting its calls.
type env struct {
	t     *testing.T
	sm    *secretsmanager.Client
	ssm   *ssm.Client
	kube  client.Client
	calls *calls
	p     *Provider
}

func newEnv(t *testing.T, objs ...client.Object) *env {
	t.Helper()
	needMoto(t)
	cfg := adminConfig(testAccessKey, testSecretKey, "")
	creds := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "aws-creds", Namespace: testNamespace},
		Data:       map[string][]byte{"id": []byte(testAccessKey), "secret": []byte(testSecretKey + "\n"), "token": []byte("session-token")},
	}
	kube := fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(append(objs, creds)...).Build()
	c := &calls{}
	return &env{
		t:     t,
		sm:    secretsmanager.NewFromConfig(cfg),
		ssm:   ssm.NewFromConfig(cfg),
		kube:  kube,
		calls: c,
		p:     New(WithEndpoint(motoURL), WithCallObserver(c)),
	}
}

// adminConfig is an SDK config pointed at moto with static keys.
func adminConfig(id, secret, token string) aws.Config {
	return aws.Config{
		Region:       testRegion,
		BaseEndpoint: aws.String(motoURL),
		Credentials:  awscreds.NewStaticCredentialsProvider(id, secret, token),
	}
}

// store returns a SecretStore of service with static credentials from the Secret
// aws-creds, adjusted by mods.
func store(service esv1.AWSServiceType, mods ...func(*esv1.AWSProvider)) *esv1.SecretStore {
	spec := &esv1.AWSProvider{
		Service: service,
		Region:  testRegion,
		Auth: esv1.AWSAuth{SecretRef: &esv1.AWSAuthSecretRef{
			AccessKeyID:     esmeta.SecretKeySelector{Name: "aws-creds", Key: "id"},
			SecretAccessKey: esmeta.SecretKeySelector{Name: "aws-creds", Key: "secret"},
		}},
	}
	for _, m := range mods {
		m(spec)
	}
	return &esv1.SecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.SecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "aws", Namespace: testNamespace},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{AWS: spec}},
	}
}

func withPrefix(prefix string) func(*esv1.AWSProvider) {
	return func(p *esv1.AWSProvider) { p.Prefix = prefix }
}

func (e *env) client(st esv1.GenericStore) providers.Client {
	e.t.Helper()
	c, err := e.p.NewClient(context.Background(), st, e.kube, testNamespace)
	if err != nil {
		e.t.Fatalf("NewClient: %v", err)
	}
	e.t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func (e *env) smClient(prefix string) *SecretsManagerClient {
	e.t.Helper()
	return e.client(store(esv1.AWSServiceSecretsManager, withPrefix(prefix))).(*SecretsManagerClient)
}

func (e *env) psClient(prefix string) *ParameterStoreClient {
	e.t.Helper()
	return e.client(store(esv1.AWSServiceParameterStore, withPrefix(prefix))).(*ParameterStoreClient)
}

func ctx() context.Context { return context.Background() }

// calls counts the provider's API calls.
type calls struct{ providertest.CallRecorder }

func (c *calls) get(label, call string) int { return c.Count(label, call, "") }
