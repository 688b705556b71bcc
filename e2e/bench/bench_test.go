//go:build e2e

// Package bench measures the controller binary end to end: how long N ExternalSecrets take
// from apply to Ready compared with the apiserver creating N Secrets directly, the
// controller's peak memory, and how many writes it makes. Run with `make bench`.
package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

// BenchmarkSync brings N ExternalSecrets to Ready with the real binary. Each iteration is
// one full run; use -benchtime=1x. N defaults to 1000 (ESO_BENCH_N), the controller runs with
// --concurrent ESO_BENCH_CONCURRENT (default 8).
func BenchmarkSync(b *testing.B) {
	n := envInt("ESO_BENCH_N", 1000)
	concurrent := envInt("ESO_BENCH_CONCURRENT", 8)
	binary := os.Getenv("ESO_BINARY")
	if binary == "" {
		b.Skip("ESO_BINARY is not set; run `make bench`")
	}
	env, err := testenv.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	if path := os.Getenv("ESO_BENCH_KUBECONFIG_OUT"); path != "" { // for profiling the apiserver during a run
		raw, err := os.ReadFile(env.Kubeconfig)
		must(b, err)
		must(b, os.WriteFile(path, raw, 0o600))
	}
	for b.Loop() {
		runOnce(b, env, binary, n, concurrent)
	}
}

func runOnce(b *testing.B, env *testenv.Env, binary string, n, concurrent int) {
	ctx := context.Background()
	k, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	must(b, err)

	// The baseline: the apiserver creating the same Secrets, one request at a time (what a
	// script or kubectl does) and with as many parallel requests as the controller's workers.
	baseline := timeCreates(b, k, n, 1)
	baselineParallel := timeCreates(b, k, n, concurrent)
	// The floor of the measurement below: the apiserver creating the ExternalSecrets
	// themselves (schema and CEL validation of a custom resource), with no controller.
	esCreates := timeESCreates(b, k, n, concurrent)

	ns := namespace(b, k)
	store := &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: "fake", Namespace: ns}, Spec: esv1.SecretStoreSpec{
		Provider: &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{Data: []esv1.FakeProviderData{{Key: "/db", Value: `{"user":"u","password":"p"}`}}}}}}
	must(b, k.Create(ctx, store))

	metricsAddr := freeAddr(b)
	proc := startController(b, env, binary, metricsAddr, concurrent)
	defer func() { _ = proc.Process.Kill(); _ = proc.Wait() }()

	start := time.Now()
	parallel(n, concurrent, func(i int) error {
		return k.Create(ctx, benchES(ns, i))
	})
	waitAllReady(b, k, ns, n, "")
	toReady := time.Since(start)
	writesAfterSync := writes(b, metricsAddr)
	callsAfterSync := providerCalls(b, metricsAddr)

	// Refresh everything without changing any remote value: a store spec change makes every
	// ExternalSecret refresh (§17.2). None of the Secrets may be rewritten.
	rvs := secretVersions(b, k, ns)
	var cur esv1.SecretStore
	must(b, k.Get(ctx, client.ObjectKeyFromObject(store), &cur))
	cur.Spec.Provider.Fake.Data = append(cur.Spec.Provider.Fake.Data, esv1.FakeProviderData{Key: "/unused", Value: "x"})
	must(b, k.Update(ctx, &cur))
	refreshStart := time.Now()
	waitAllRefreshedAfter(b, k, ns, n, refreshStart.Truncate(time.Second))
	refresh := time.Since(refreshStart)
	rewritten := 0
	for name, rv := range secretVersions(b, k, ns) {
		if rvs[name] != rv {
			rewritten++
		}
	}

	b.ReportMetric(baseline.Seconds(), "s-baseline-create")
	b.ReportMetric(baselineParallel.Seconds(), "s-baseline-create-parallel")
	b.ReportMetric(toReady.Seconds(), "s-to-ready")
	b.ReportMetric(toReady.Seconds()/baseline.Seconds(), "x-baseline")
	b.ReportMetric(esCreates.Seconds(), "s-create-externalsecrets-only")
	b.ReportMetric(refresh.Seconds(), "s-refresh-all")
	b.ReportMetric(float64(rewritten), "secrets-rewritten-on-refresh")
	b.ReportMetric(float64(writesAfterSync), "api-writes-to-ready")
	b.ReportMetric(float64(writes(b, metricsAddr)-writesAfterSync), "api-writes-refresh")
	b.ReportMetric(peakRSSMiB(b, proc.Process.Pid), "MiB-peak-rss")
	b.ReportMetric(float64(callsAfterSync), "provider-calls-to-ready")
	b.ReportMetric(float64(providerCalls(b, metricsAddr)-callsAfterSync), "provider-calls-refresh")
}

func timeCreates(b *testing.B, k client.Client, n, workers int) time.Duration {
	ns := namespace(b, k)
	start := time.Now()
	parallel(n, workers, func(i int) error {
		return k.Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("s-%d", i), Namespace: ns},
			Data: map[string][]byte{"user": []byte("u"), "password": []byte("p")}})
	})
	return time.Since(start)
}

// timeESCreates creates n ExternalSecrets with no controller running, then deletes them so
// they do not weigh on the measured run.
func timeESCreates(b *testing.B, k client.Client, n, workers int) time.Duration {
	ns := namespace(b, k)
	start := time.Now()
	parallel(n, workers, func(i int) error {
		return k.Create(context.Background(), benchES(ns, i))
	})
	elapsed := time.Since(start)
	must(b, k.DeleteAllOf(context.Background(), &esv1.ExternalSecret{}, client.InNamespace(ns)))
	return elapsed
}

func benchES(ns string, i int) *esv1.ExternalSecret {
	return &esv1.ExternalSecret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("es-%d", i), Namespace: ns},
		Spec: esv1.ExternalSecretSpec{SecretStoreRef: esv1.SecretStoreRef{Name: "fake"},
			DataFrom: []esv1.ExternalSecretDataFromRemoteRef{{Extract: &esv1.ExternalSecretDataRemoteRef{Key: "/db"}}}}}
}

func startController(b *testing.B, env *testenv.Env, binary, metricsAddr string, concurrent int) *exec.Cmd {
	args := []string{"--metrics-addr", metricsAddr, "--live-addr", freeAddr(b),
		"--concurrent", strconv.Itoa(concurrent), "--client-qps", "500", "--client-burst", "1000", "--loglevel", "error"}
	// ESO_BENCH_ARGS adds flags, e.g. "--pprof-addr 127.0.0.1:6060" to profile a run.
	args = append(args, strings.Fields(os.Getenv("ESO_BENCH_ARGS"))...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+env.Kubeconfig)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	must(b, cmd.Start())
	return cmd
}

func waitAllReady(b *testing.B, k client.Client, ns string, n int, _ string) {
	waitFor(b, k, ns, n, func(es *esv1.ExternalSecret) bool {
		return meta.IsStatusConditionTrue(es.Status.Conditions, esv1.ExternalSecretReady)
	})
}

func waitAllRefreshedAfter(b *testing.B, k client.Client, ns string, n int, after time.Time) {
	waitFor(b, k, ns, n, func(es *esv1.ExternalSecret) bool {
		return !es.Status.RefreshTime.Time.Before(after)
	})
}

// waitFor waits until done holds for n ExternalSecrets of ns. It lists once and then
// follows a watch: polling with LISTs of N objects would load the apiserver being measured
// and see the end only at the next poll.
func waitFor(b *testing.B, k client.Client, ns string, n int, done func(*esv1.ExternalSecret) bool) {
	w, ok := k.(client.WithWatch)
	if !ok {
		b.Fatal("the bench needs a client that can watch")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var list esv1.ExternalSecretList
	must(b, k.List(ctx, &list, client.InNamespace(ns)))
	state := map[string]bool{}
	for i := range list.Items {
		state[list.Items[i].Name] = done(&list.Items[i])
	}
	count := func() int {
		c := 0
		for _, ok := range state {
			if ok {
				c++
			}
		}
		return c
	}
	if count() == n {
		return
	}
	watcher, err := w.Watch(ctx, &esv1.ExternalSecretList{}, client.InNamespace(ns), &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
	must(b, err)
	defer watcher.Stop()
	for ev := range watcher.ResultChan() {
		es, ok := ev.Object.(*esv1.ExternalSecret)
		if !ok {
			b.Fatalf("watch: %v", ev.Object)
		}
		state[es.Name] = done(es)
		if count() == n {
			return
		}
	}
	b.Fatalf("the watch ended with only %d of %d done", count(), n)
}

func secretVersions(b *testing.B, k client.Client, ns string) map[string]string {
	var list corev1.SecretList
	must(b, k.List(context.Background(), &list, client.InNamespace(ns)))
	out := map[string]string{}
	for _, s := range list.Items {
		out[s.Name] = s.ResourceVersion
	}
	return out
}

// providerCalls sums the reads the controller made from its stores (all N ExternalSecrets read
// the same remote key, so coalescing should keep this near 1 per refresh wave).
func providerCalls(b *testing.B, addr string) int {
	return sumMetric(b, addr, "externalsecret_provider_api_calls_count{", nil)
}

// writes sums the controller's own mutating API requests from its metrics endpoint.
func writes(b *testing.B, addr string) int {
	return sumMetric(b, addr, "rest_client_requests_total{", []string{`method="POST"`, `method="PUT"`, `method="PATCH"`, `method="DELETE"`})
}

// sumMetric adds up the samples of a metric whose line contains one of the filters (all
// samples when filters is nil).
func sumMetric(b *testing.B, addr, prefix string, filters []string) int {
	resp, err := http.Get("http://" + addr + "/metrics")
	must(b, err)
	defer func() { _ = resp.Body.Close() }()
	total := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		matched := filters == nil
		for _, m := range filters {
			matched = matched || strings.Contains(line, m)
		}
		if matched {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			total += int(v)
		}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return total
}

// peakRSSMiB reads the process's high-water resident set size.
func peakRSSMiB(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	must(b, err)
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

func namespace(b *testing.B, k client.Client) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "bench-"}}
	must(b, k.Create(context.Background(), ns))
	return ns.Name
}

func parallel(n, workers int, f func(i int) error) {
	var wg sync.WaitGroup
	next := make(chan int)
	var once sync.Once
	var firstErr error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		panic(firstErr)
	}
}

func freeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(b, err)
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
