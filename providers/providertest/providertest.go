// Package providertest holds what the tests of providers and generators share: a
// providers.CallObserver that counts the calls it sees, so each test can assert how many API
// calls an operation cost. It is imported by tests only.
package providertest

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// CallRecorder counts observed API calls by provider, call and outcome. The zero value is
// ready to use and safe for concurrent use.
type CallRecorder struct {
	mu     sync.Mutex
	counts map[[3]string]int
}

// ObserveAPICall records one call; err decides whether it counts as "success" or "error",
// the status label of the metric.
func (r *CallRecorder) ObserveAPICall(provider, call string, err error) {
	status := "success"
	if err != nil {
		status = "error"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts == nil {
		r.counts = map[[3]string]int{}
	}
	r.counts[[3]string{provider, call, status}]++
}

// Count returns how many calls of provider and call were observed with status ("success" or
// "error"); an empty status counts both.
func (r *CallRecorder) Count(provider, call, status string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if status != "" {
		return r.counts[[3]string{provider, call, status}]
	}
	return r.counts[[3]string{provider, call, "success"}] + r.counts[[3]string{provider, call, "error"}]
}

// Reset forgets every call observed so far.
func (r *CallRecorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts = nil
}

// Total is the number of calls observed.
func (r *CallRecorder) Total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.counts {
		n += c
	}
	return n
}

// String lists the counts, sorted, for failure messages.
func (r *CallRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.counts))
	for k, n := range r.counts {
		out = append(out, fmt.Sprintf("%s/%s/%s=%d", k[0], k[1], k[2], n))
	}
	sort.Strings(out)
	return "[" + strings.Join(out, " ") + "]"
}
