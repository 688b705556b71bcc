package externalsecret_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func scrape(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(metricsURL)
	must(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	return string(body)
}

// series reports whether the scrape has a sample of metric whose labels include all of
// labels, with a value accepted by ok.
func series(scraped, metric string, labels map[string]string, ok func(v float64) bool) bool {
	for _, line := range strings.Split(scraped, "\n") {
		if !strings.HasPrefix(line, metric+"{") {
			continue
		}
		match := true
		for k, v := range labels {
			if !strings.Contains(line, fmt.Sprintf("%s=%q", k, v)) {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		var v float64
		f := strings.Fields(line)
		if _, err := fmt.Sscan(f[len(f)-1], &v); err == nil && ok(v) {
			return true
		}
	}
	return false
}

func is(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
func positive(v float64) bool            { return v > 0 }

func TestMetrics_syncedFailingAndDeleted(t *testing.T) {
	ns := env.Namespace(t)
	newStore(t, ns, "store", kv{"/k": "v"})
	good := newES(t, ns, "good", "store", withData("k", "/k"))
	bad := newES(t, ns, "bad", "store", withData("k", "/missing"))
	waitReady(t, good, ready, "SecretSynced", 10*time.Second)
	waitReady(t, bad, failing, "SecretSyncedError", 10*time.Second)

	obj := func(name string, extra ...string) map[string]string {
		m := map[string]string{"name": name, "namespace": ns}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	checks := []struct {
		metric string
		labels map[string]string
		ok     func(float64) bool
	}{
		{"externalsecret_status_condition", obj("good", "condition", "Ready", "status", "True"), is(1)},
		{"externalsecret_status_condition", obj("good", "condition", "Ready", "status", "False"), is(0)},
		{"externalsecret_status_condition", obj("bad", "condition", "Ready", "status", "False"), is(1)},
		{"externalsecret_sync_calls_total", obj("good"), positive},
		{"externalsecret_sync_calls_error", obj("bad"), positive},
		{"externalsecret_reconcile_duration", obj("good"), positive},
		{"externalsecret_reconcile_duration_seconds_count", map[string]string{"namespace": ns}, positive},
		{"externalsecret_provider_api_calls_count", map[string]string{"provider": "Fake", "call": "GetSecret", "status": "success"}, positive},
		{"externalsecret_provider_api_calls_count", map[string]string{"provider": "Fake", "call": "GetSecret", "status": "error"}, positive},
		{"secretstore_status_condition", obj("store", "condition", "Ready", "status", "True"), is(1)},
		{"secretstore_reconcile_duration", obj("store"), positive},
	}
	eventually(t, 5*time.Second, func() error {
		scraped := scrape(t)
		for _, c := range checks {
			if !series(scraped, c.metric, c.labels, c.ok) {
				return fmt.Errorf("no %s%v with the expected value", c.metric, c.labels)
			}
		}
		return nil
	})

	must(t, k.Delete(context.Background(), good))
	eventually(t, 5*time.Second, func() error {
		scraped := scrape(t)
		for _, m := range []string{"externalsecret_status_condition", "externalsecret_sync_calls_total", "externalsecret_reconcile_duration"} {
			if series(scraped, m, obj("good"), func(float64) bool { return true }) {
				return fmt.Errorf("%s of a deleted ExternalSecret is still exported", m)
			}
		}
		return nil
	})
}

// TestNoSecretValueLeaks syncs distinctive values, provokes every kind of failure around
// them, and checks that none of the values shows up in logs, events, conditions or metrics.
func TestNoSecretValueLeaks(t *testing.T) {
	ns := env.Namespace(t)
	marker := fmt.Sprintf("LEAKCANARY%d", time.Now().UnixNano())
	newStore(t, ns, "store", kv{
		"/plain":    marker + "-plain",
		"/json":     fmt.Sprintf(`{"user":"%s-user","n":1}`, marker),
		"/notjson":  marker + "-not-json{",
		"/notb64":   marker + "-not-base64!",
		"/with-nul": marker + "\x00nul",
	})
	newES(t, ns, "ok", "store", withData("v", "/plain"), withExtract("/json"))
	failures := []*esv1.ExternalSecret{
		newES(t, ns, "extract-not-json", "store", withExtract("/notjson")),
		newES(t, ns, "bad-base64", "store", func(es *esv1.ExternalSecret) {
			es.Spec.Data = []esv1.ExternalSecretData{{SecretKey: "v", RemoteRef: esv1.ExternalSecretDataRemoteRef{Key: "/notb64", DecodingStrategy: esv1.ExternalSecretDecodeBase64}}}
		}),
		newES(t, ns, "nul-byte", "store", func(es *esv1.ExternalSecret) {
			es.Spec.Data = []esv1.ExternalSecretData{{SecretKey: "v", RemoteRef: esv1.ExternalSecretDataRemoteRef{Key: "/with-nul", NullBytePolicy: esv1.ExternalSecretNullBytePolicyFail}}}
		}),
		newES(t, ns, "bad-property", "store", func(es *esv1.ExternalSecret) {
			es.Spec.Data = []esv1.ExternalSecretData{{SecretKey: "v", RemoteRef: esv1.ExternalSecretDataRemoteRef{Key: "/plain", Property: "x.y"}}}
		}),
		newES(t, ns, "bad-template", "store", withData("v", "/plain"), func(es *esv1.ExternalSecret) {
			es.Spec.Target.Template = &esv1.ExternalSecretTemplate{Data: map[string]string{"out": "{{ .v | mustFromJson }}{{ .missing }}"}}
		}),
		newES(t, ns, "bad-template-type", "store", withData("v", "/plain"), func(es *esv1.ExternalSecret) {
			es.Spec.Target.Template = &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeTLS, Data: map[string]string{"tls.crt": "{{ .v }}"}}
		}),
	}
	immutable := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "immutable", Namespace: ns}, Immutable: ptr.To(true),
		Data: map[string][]byte{"v": []byte("old")}}
	must(t, k.Create(context.Background(), immutable))
	failures = append(failures, newES(t, ns, "immutable", "store", withData("v", "/plain"), withPolicies(esv1.CreatePolicyOrphan, esv1.DeletionPolicyRetain)))

	waitReady(t, &esv1.ExternalSecret{ObjectMeta: metav1.ObjectMeta{Name: "ok", Namespace: ns}}, ready, "SecretSynced", 10*time.Second)
	for _, es := range failures {
		eventually(t, 10*time.Second, func() error {
			cur := getES(t, es)
			if len(cur.Status.Conditions) == 0 || cur.Status.Conditions[0].Status != failing || len(events(t, ns, es.Name, "UpdateFailed")) == 0 {
				return fmt.Errorf("%s has not failed yet: %+v", es.Name, cur.Status.Conditions)
			}
			return nil
		})
	}

	var evs corev1.EventList
	must(t, k.List(context.Background(), &evs))
	var esList esv1.ExternalSecretList
	must(t, k.List(context.Background(), &esList))
	outputs := map[string]string{
		"logs":       logs.String(),
		"metrics":    scrape(t),
		"events":     fmt.Sprintf("%+v", evs.Items),
		"conditions": fmt.Sprintf("%+v", esList.Items),
	}
	for where, text := range outputs {
		if strings.Contains(text, marker) {
			i := strings.Index(text, marker)
			t.Errorf("a secret value leaked into the %s: ...%s...", where, text[max(0, i-200):min(len(text), i+60)])
		}
	}
	for _, e := range evs.Items {
		if e.Namespace == ns && e.Reason == "UpdateFailed" {
			t.Logf("%s: %s", e.InvolvedObject.Name, e.Message)
		}
	}
	if !strings.Contains(outputs["events"], "UpdateFailed") {
		t.Fatal("the leak test saw no failure events; it would not catch a leak")
	}
}
