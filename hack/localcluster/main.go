// Command localcluster runs a command (normally the controller) against a local control plane:
// it starts the kube-apiserver and etcd that hack/envtest.sh built, installs the CRDs, writes a
// kubeconfig, runs the command with KUBECONFIG pointing at it, and tears everything down when
// the command exits or on Ctrl-C.
//
// With -samples DIR it also applies the manifests in DIR once the command runs, waits for the
// ExternalSecrets among them to be Ready and prints the Secrets they produced.
//
// With -demo DIR it runs the guided demo instead: it also starts a Vault dev server (built once
// per machine), seeds it and a second namespace, applies the manifests of DIR (with ${VAULT_ADDR},
// ${KUBE_HOST} and ${KUBE_CA} filled in), shows a force-sync, and keeps everything running.
//
// Usage: go run ./hack/localcluster [-samples DIR | -demo DIR] -- COMMAND [ARGS...]
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

// samples is the directory of manifests to apply, from -samples; demoDir the one of -demo.
var samples, demoDir string

func main() {
	args := os.Args[1:]
	if len(args) > 1 && args[0] == "-samples" {
		samples, args = args[1], args[2:]
	}
	if len(args) > 1 && args[0] == "-demo" {
		demoDir, args = args[1], args[2:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: localcluster -- COMMAND [ARGS...]")
		os.Exit(2)
	}
	if err := run(args); err != nil {
		fmt.Fprintln(os.Stderr, "localcluster:", err)
		os.Exit(1)
	}
}

func run(args []string) (err error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var d *demo
	if demoDir != "" {
		vault, addr, verr := startVault(ctx)
		if verr != nil {
			return verr
		}
		defer func() { _ = vault.Process.Kill(); _ = vault.Wait() }()
		d = &demo{dir: demoDir, vaultAddr: addr, vault: vault, show: os.Getenv("DEMO_SHOW_VALUES") == "1"}
		fmt.Fprintf(os.Stderr, "Vault dev server ready at %s (token: root)\n", addr)
	}
	fmt.Fprintln(os.Stderr, "starting the local control plane (kube-apiserver + etcd) with the CRDs installed (built from source once per machine, 10-15 minutes the first time) ...")
	env, err := testenv.Start()
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, env.Stop()) }()

	fmt.Fprintf(os.Stderr, "control plane ready.\n  export KUBECONFIG=%s\n  kubectl: %s\n", env.Kubeconfig, filepath.Join(env.AssetsDir, "kubectl"))
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "KUBECONFIG="+env.Kubeconfig)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	if d != nil {
		d.env = env
		go func() {
			if err := d.run(ctx); err != nil && ctx.Err() == nil {
				fmt.Fprintln(os.Stderr, "demo:", err)
			}
		}()
	}
	if samples != "" {
		go func() {
			if err := showSamples(ctx, env, samples); err != nil {
				fmt.Fprintln(os.Stderr, "samples:", err)
			}
		}()
	}
	if err := cmd.Wait(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	return nil
}
