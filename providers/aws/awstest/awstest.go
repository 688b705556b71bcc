// Package awstest runs the moto AWS emulator for the tests of every package that drives the
// real AWS SDK (the AWS provider, the ECR generator), so that they start it, and keep the
// developer's own AWS settings out of the way, in one way.
package awstest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// startTimeout bounds the wait for moto_server to answer; it is ready in well under a
// second on a warm machine.
const startTimeout = 20 * time.Second

// IsolateEnvironment removes every AWS_ variable and points the shared config files at
// /dev/null, so that the SDK sees only what a test sets itself and never reaches the
// instance metadata service. Call it from TestMain, before any test runs.
func IsolateEnvironment() {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			_ = os.Unsetenv(k)
		}
	}
	_ = os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	_ = os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	_ = os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// StartMoto runs moto_server on a free port of 127.0.0.1 and waits until it answers. It
// returns the server's URL and a function that stops it. When moto_server is not installed
// the URL is empty and stop does nothing, so that tests can skip with a clear message
// instead of failing. moto runs with TZ=UTC: some of its fixed timestamps are computed in
// local time.
func StartMoto() (url string, stop func(), err error) {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		fmt.Fprintln(os.Stderr, "moto_server is not installed (pip install 'moto[server]'): the tests against moto are skipped")
		return "", func() {}, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "TZ=UTC")
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			_ = resp.Body.Close()
			return url, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, errors.New("moto_server did not answer within 20s")
}
