package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
	"github.com/seedb5e69c69/external-secrets/providers"
	awsprovider "github.com/seedb5e69c69/external-secrets/providers/aws"
	"github.com/seedb5e69c69/external-secrets/providers/fake"
	"github.com/seedb5e69c69/external-secrets/providers/infisical"
	"github.com/seedb5e69c69/external-secrets/providers/kubernetes"
	"github.com/seedb5e69c69/external-secrets/providers/vault"
)

// env is a control plane whose webhook configurations are those of config/webhook, calling
// the server TestMain runs with Register.
var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	e, err := testenv.Start(testenv.WithWebhooks(filepath.Join(testenv.RepoRoot(), "config", "webhook")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env = e
	defer func() {
		if err := e.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the test control plane:", err)
		}
	}()
	reg, err := testRegistry()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := ctrlwebhook.NewServer(ctrlwebhook.Options{Host: e.WebhookHost, Port: e.WebhookPort, CertDir: e.WebhookCertDir})
	Register(srv, reg)
	go func() {
		if err := srv.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "webhook server:", err)
		}
	}()
	if err := waitServing(srv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func waitServing(srv ctrlwebhook.Server) error {
	check := srv.StartedChecker()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := check(&http.Request{})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the webhook server did not start: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testRegistry serves the providers this repository implements, as the binary does (so their
// own ValidateStore judges the seed stores), plus a deprecated stand-in for the maintenance
// warning.
func testRegistry() (*providers.Registry, error) {
	return providers.NewRegistry(
		providers.Entry{Name: "fake", Provider: fake.New(), Maintenance: providers.NotMaintained},
		providers.Entry{Name: "kubernetes", Provider: kubernetes.New(), Maintenance: providers.Maintained},
		providers.Entry{Name: "aws", Provider: awsprovider.New(), Maintenance: providers.Maintained},
		providers.Entry{Name: "vault", Provider: vault.New(), Maintenance: providers.Maintained},
		providers.Entry{Name: "infisical", Provider: infisical.New(), Maintenance: providers.Maintained},
		providers.Entry{Name: "doppler", Provider: standIn{}, Maintenance: providers.Deprecated},
	)
}

func mustRegistry(t *testing.T) *providers.Registry {
	t.Helper()
	reg, err := testRegistry()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// standIn is a provider that accepts every configuration and can build no client: enough
// for admission, which only asks a provider to validate a store.
type standIn struct{}

func (standIn) NewClient(context.Context, esv1.GenericStore, client.Client, string) (providers.Client, error) {
	return nil, errors.New("stand-in provider: no client")
}

func (standIn) ValidateStore(esv1.GenericStore) (admission.Warnings, error) { return nil, nil }

func (standIn) Capabilities() esv1.SecretStoreCapabilities { return esv1.SecretStoreReadOnly }
