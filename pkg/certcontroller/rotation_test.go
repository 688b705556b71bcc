package certcontroller

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/seedb5e69c69/external-secrets/pkg/servingcert"
)

// pki is a set of certificates issued once for the table tests: RSA keys take a while.
type pki struct {
	now                 time.Time
	ca, oldCA, expiring servingcert.KeyPair
	serving, wrongName  servingcert.KeyPair
	fromOldCA           servingcert.KeyPair
}

var (
	sharedPKI     pki
	sharedPKIOnce sync.Once
)

// newPKI returns the certificates, issued on first use.
func newPKI(t *testing.T) pki {
	t.Helper()
	sharedPKIOnce.Do(func() { sharedPKI = issuePKI(t) })
	if sharedPKI.ca.Cert == nil {
		t.Fatal("issuing the test certificates failed")
	}
	return sharedPKI
}

func issuePKI(t *testing.T) pki {
	t.Helper()
	now := time.Now()
	p := pki{now: now}
	must := func(kp servingcert.KeyPair, err error) servingcert.KeyPair {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return kp
	}
	p.ca = must(servingcert.NewCA("ca", now, 10*time.Hour))
	p.oldCA = must(servingcert.NewCA("old", now.Add(-time.Hour), 2*time.Hour))
	p.expiring = must(servingcert.NewCA("expiring", now.Add(-time.Hour), time.Hour+time.Minute))
	p.serving = must(servingcert.NewServing(p.ca, []string{"svc.ns.svc", "localhost"}, now, 5*time.Hour))
	p.wrongName = must(servingcert.NewServing(p.ca, []string{"other.ns.svc"}, now, 5*time.Hour))
	p.fromOldCA = must(servingcert.NewServing(p.oldCA, []string{"svc.ns.svc", "localhost"}, now, 5*time.Hour))
	return p
}

func data(ca servingcert.KeyPair, caBundle []byte, serving servingcert.KeyPair) map[string][]byte {
	d := map[string][]byte{}
	if caBundle != nil {
		d[servingcert.CACertKey] = caBundle
		d[servingcert.CAKeyKey] = ca.Key
	}
	if serving.Cert != nil {
		d[servingcert.CertKey], d[servingcert.KeyKey] = serving.Cert, serving.Key
	}
	return d
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestCurrentCA(t *testing.T) {
	p := newPKI(t)
	tests := []struct {
		name string
		data map[string][]byte
		ok   bool
	}{
		{name: "an empty Secret has no CA", data: map[string][]byte{}},
		{name: "a valid CA is kept", data: data(p.ca, p.ca.Cert, servingcert.KeyPair{}), ok: true},
		{name: "the first CA of the bundle is the current one", data: data(p.ca, cat(p.ca.Cert, p.oldCA.Cert), servingcert.KeyPair{}), ok: true},
		{name: "a CA whose key is not ca.key is replaced", data: data(p.oldCA, p.ca.Cert, servingcert.KeyPair{})},
		{name: "a CA that expires within the lookahead is replaced", data: data(p.oldCA, p.oldCA.Cert, servingcert.KeyPair{})},
		{name: "a serving certificate is not a CA", data: data(p.serving, p.serving.Cert, servingcert.KeyPair{})},
		{name: "garbage is replaced", data: map[string][]byte{servingcert.CACertKey: []byte("x"), servingcert.CAKeyKey: []byte("y")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, ok := currentCA(tt.data, p.now, 2*time.Hour)
			if ok != tt.ok {
				t.Errorf("ok=%v, want %v", ok, tt.ok)
			}
		})
	}
}

func TestServingDue(t *testing.T) {
	p := newPKI(t)
	names := []string{"svc.ns.svc", "localhost"}
	tests := []struct {
		name      string
		serving   servingcert.KeyPair
		names     []string
		lookahead time.Duration
		due       bool
	}{
		{name: "a fresh certificate for every name is kept", serving: p.serving, names: names, lookahead: 2 * time.Hour},
		{name: "a missing certificate is due", serving: servingcert.KeyPair{}, names: names, lookahead: time.Hour, due: true},
		{name: "a certificate expiring within the lookahead is due", serving: p.serving, names: names, lookahead: 6 * time.Hour, due: true},
		{name: "a certificate lacking a name is due", serving: p.serving, names: append(names, "extra"), lookahead: time.Hour, due: true},
		{name: "a certificate for other names is due", serving: p.wrongName, names: names, lookahead: time.Hour, due: true},
		{name: "a certificate from the previous CA is due", serving: p.fromOldCA, names: names, lookahead: time.Minute, due: true},
		{name: "a certificate with someone else's key is due", serving: servingcert.KeyPair{Cert: p.serving.Cert, Key: p.wrongName.Key}, names: names, lookahead: time.Hour, due: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due := servingDue(data(p.ca, p.ca.Cert, tt.serving), p.ca, tt.names, p.now, tt.lookahead)
			if due != tt.due {
				t.Errorf("due=%v, want %v", due, tt.due)
			}
		})
	}
}

func TestCABundle(t *testing.T) {
	p := newPKI(t)
	tests := []struct {
		name string
		old  []byte
		now  time.Time
		want []byte
	}{
		{name: "a first CA is alone", old: nil, now: p.now, want: p.ca.Cert},
		{name: "the previous CA stays trusted while it is valid", old: p.oldCA.Cert, now: p.now, want: cat(p.ca.Cert, p.oldCA.Cert)},
		{name: "expired CAs are dropped", old: cat(p.oldCA.Cert, p.expiring.Cert), now: p.now.Add(90 * time.Minute), want: cat(p.ca.Cert)},
		{name: "the new CA is not repeated", old: cat(p.ca.Cert, p.oldCA.Cert), now: p.now, want: cat(p.ca.Cert, p.oldCA.Cert)},
		{name: "a broken old bundle is dropped", old: []byte("garbage"), now: p.now, want: p.ca.Cert},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := caBundle(p.ca.Cert, tt.old, tt.now); !bytes.Equal(got, tt.want) {
				t.Errorf("bundle of %d bytes, want %d", len(got), len(tt.want))
			}
		})
	}
}

func TestPruneBundle(t *testing.T) {
	p := newPKI(t)
	later := p.now.Add(30 * time.Minute) // after expiring ends, before oldCA does
	tests := []struct {
		name   string
		bundle []byte
		want   []byte
	}{
		{name: "a single CA is kept", bundle: p.ca.Cert, want: p.ca.Cert},
		{name: "valid previous CAs are kept", bundle: cat(p.ca.Cert, p.oldCA.Cert), want: cat(p.ca.Cert, p.oldCA.Cert)},
		{name: "expired previous CAs are dropped", bundle: cat(p.ca.Cert, p.expiring.Cert, p.oldCA.Cert), want: cat(p.ca.Cert, p.oldCA.Cert)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pruneBundle(tt.bundle, later); !bytes.Equal(got, tt.want) {
				t.Errorf("bundle of %d bytes, want %d", len(got), len(tt.want))
			}
		})
	}
}

func TestNextCheck(t *testing.T) {
	p := newPKI(t) // ca ends at now+10h, serving at now+5h
	tests := []struct {
		name      string
		data      map[string][]byte
		lookahead time.Duration
		every     time.Duration
		want      time.Duration
	}{
		{name: "nothing to rotate soon: the requeue interval", data: data(p.ca, p.ca.Cert, p.serving), lookahead: time.Hour, every: time.Minute, want: time.Minute},
		{name: "the serving certificate enters the lookahead first", data: data(p.ca, p.ca.Cert, p.serving), lookahead: time.Hour, every: 10 * time.Hour, want: 4 * time.Hour},
		{name: "an empty Secret: the requeue interval", data: map[string][]byte{}, lookahead: time.Hour, every: time.Minute, want: time.Minute},
		{name: "already due: a short wait", data: data(p.ca, p.ca.Cert, p.serving), lookahead: 6 * time.Hour, every: time.Hour, want: 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nextCheck(tt.data, p.now, tt.lookahead, tt.every)
			if d := got - tt.want; d < -time.Second || d > time.Second {
				t.Errorf("next check in %s, want %s", got, tt.want)
			}
		})
	}
}
