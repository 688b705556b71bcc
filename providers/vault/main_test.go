package vault

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
	"github.com/seedb5e69c69/external-secrets/providers/vault/vaulttest"
)

// The test platform: one real Vault dev server (TLS, root token "root") and one envtest
// control plane for the package, started by TestMain.
var (
	env   *testenv.Env
	vault *vaulttest.Server
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	v, err := vaulttest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer v.Stop()
	vault = v
	e, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = e.Stop() }()
	env = e
	return m.Run()
}

// ctx is the context of test calls.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
