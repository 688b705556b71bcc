package vault

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

// The test platform: one real Vault dev server (TLS, root token "root") and one envtest
// control plane for the package, started by TestMain.
var (
	env   *testenv.Env
	vault *vaultServer
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bin, err := vaultBinary()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	v, err := startVault(bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer v.stop()
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

// vaultBinary returns VAULT_BINARY when set, else what hack/vault.sh prints: it builds Vault
// from source once (several minutes) and then reuses the cached binary.
func vaultBinary() (string, error) {
	if bin := os.Getenv("VAULT_BINARY"); bin != "" {
		return bin, nil
	}
	script := filepath.Join(testenv.RepoRoot(), "hack", "vault.sh")
	var out bytes.Buffer
	cmd := exec.Command(script)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building the Vault test server with %s: %w", script, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1], nil
}

// vaultServer is a running `vault server -dev -dev-tls` on a free 127.0.0.1 port.
type vaultServer struct {
	addr   string
	caPEM  []byte
	cmd    *exec.Cmd
	dir    string
	output *syncBuffer
	exited chan struct{}
	admin  *vaultapi.Client
}

func startVault(bin string) (*vaultServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "eso-vault-")
	if err != nil {
		return nil, err
	}
	v := &vaultServer{addr: fmt.Sprintf("https://127.0.0.1:%d", port), dir: dir, output: &syncBuffer{}}
	v.cmd = exec.Command(bin, "server", "-dev", "-dev-tls", "-dev-tls-cert-dir="+dir,
		fmt.Sprintf("-dev-listen-address=127.0.0.1:%d", port), "-dev-root-token-id=root", "-dev-no-store-token")
	// The server must not pick up a developer's Vault settings.
	v.cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	v.cmd.Stdout, v.cmd.Stderr = v.output, v.output
	if err := v.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting vault: %w", err)
	}
	v.exited = make(chan struct{})
	go func() { _ = v.cmd.Wait(); close(v.exited) }()
	if err := v.waitReady(); err != nil {
		v.stop()
		return nil, fmt.Errorf("%w\nvault output:\n%s", err, v.output.String())
	}
	return v, nil
}

func (v *vaultServer) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if ca, err := os.ReadFile(filepath.Join(v.dir, "vault-ca.pem")); err == nil && len(ca) > 0 {
			v.caPEM = ca
			if admin, err := v.client("root"); err == nil {
				if _, err := admin.Sys().Health(); err == nil {
					v.admin = admin
					return nil
				}
			}
		}
		select {
		case <-v.exited:
			return errors.New("vault exited")
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("vault did not become ready within 30s")
}

// client is a Vault client with token, for arranging and asserting.
func (v *vaultServer) client(token string) (*vaultapi.Client, error) {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(v.caPEM)
	cfg := &vaultapi.Config{
		Address:    v.addr,
		HttpClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}},
		MaxRetries: 0,
		Timeout:    10 * time.Second,
	}
	c, err := vaultapi.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	c.SetToken(token)
	return c, nil
}

func (v *vaultServer) stop() {
	_ = v.cmd.Process.Kill()
	<-v.exited
	_ = os.RemoveAll(v.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ctx is the context of test calls.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
