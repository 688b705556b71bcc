// Package vaulttest runs the real Vault server that tests of Vault-backed code talk to: the
// Vault provider and the VaultDynamicSecret generator share it instead of each carrying its
// own copy of the start-up code. It is imported by tests only.
package vaulttest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	vaultapi "github.com/hashicorp/vault/api"
)

// RootToken is the root token of every test server.
const RootToken = "root"

// Server is a running `vault server -dev -dev-tls` on a free 127.0.0.1 port, with root token
// RootToken and in-memory storage: it starts empty.
type Server struct {
	// Addr is the https URL of the server.
	Addr string
	// CAPEM is the CA certificate the server's TLS certificate chains to.
	CAPEM []byte
	// Admin is a client with the root token, for arranging and asserting.
	Admin *vaultapi.Client

	cmd    *exec.Cmd
	dir    string
	output *syncBuffer
	exited chan struct{}
}

// Start builds (once per machine, see Binary) and starts a server. Call Stop when done.
func Start() (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "eso-vault-")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: fmt.Sprintf("https://127.0.0.1:%d", port), dir: dir, output: &syncBuffer{}}
	s.cmd = exec.Command(bin, "server", "-dev", "-dev-tls", "-dev-tls-cert-dir="+dir,
		fmt.Sprintf("-dev-listen-address=127.0.0.1:%d", port), "-dev-root-token-id="+RootToken, "-dev-no-store-token")
	// The server must not pick up a developer's Vault settings.
	s.cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("starting vault: %w", err)
	}
	s.exited = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\nvault output:\n%s", err, s.output.String())
	}
	return s, nil
}

// Binary returns VAULT_BINARY when set, else what hack/vault.sh prints: it builds Vault from
// source once (several minutes) and then reuses the cached binary.
func Binary() (string, error) {
	if bin := os.Getenv("VAULT_BINARY"); bin != "" {
		return bin, nil
	}
	script := filepath.Join(repoRoot(), "hack", "vault.sh")
	var out bytes.Buffer
	cmd := exec.Command(script)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building the Vault test server with %s: %w", script, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1], nil
}

func (s *Server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if ca, err := os.ReadFile(filepath.Join(s.dir, "vault-ca.pem")); err == nil && len(ca) > 0 {
			s.CAPEM = ca
			if admin, err := s.Client(RootToken); err == nil {
				if _, err := admin.Sys().Health(); err == nil {
					s.Admin = admin
					return nil
				}
			}
		}
		select {
		case <-s.exited:
			return errors.New("vault exited")
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("vault did not become ready within 30s")
}

// Client is a client of the server with token that trusts its CA and does not retry.
func (s *Server) Client(token string) (*vaultapi.Client, error) {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM)
	cfg := &vaultapi.Config{
		Address:    s.Addr,
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

// Stop kills the server and removes its files.
func (s *Server) Stop() {
	_ = s.cmd.Process.Kill()
	<-s.exited
	_ = os.RemoveAll(s.dir)
}

// repoRoot finds the repository root from this source file's location, so tests work from
// any package directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
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
