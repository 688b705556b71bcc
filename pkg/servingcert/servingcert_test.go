package servingcert

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	now := time.Now()
	ca, err := NewCA("test-ca", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	otherCA, err := NewCA("other-ca", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	serving, err := NewServing(ca, []string{"svc.ns.svc", "localhost", "127.0.0.1"}, now, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	outliving, err := NewServing(ca, []string{"svc.ns.svc"}, now, 10*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		ca      []byte
		serving KeyPair
		host    string
		at      time.Time
		valid   bool
	}{
		{name: "the first name is served", ca: ca.Cert, serving: serving, host: "svc.ns.svc", at: now, valid: true},
		{name: "other DNS names are served", ca: ca.Cert, serving: serving, host: "localhost", at: now, valid: true},
		{name: "IP addresses are served", ca: ca.Cert, serving: serving, host: "127.0.0.1", at: now, valid: true},
		{name: "a CA bundle with the issuer in second place is trusted", ca: append(append([]byte{}, otherCA.Cert...), ca.Cert...), serving: serving, host: "localhost", at: now, valid: true},
		{name: "a name not in the certificate is refused", ca: ca.Cert, serving: serving, host: "evil.example", at: now},
		{name: "a certificate from another CA is refused", ca: otherCA.Cert, serving: serving, host: "localhost", at: now},
		{name: "a certificate about to expire is refused for a later time", ca: ca.Cert, serving: serving, host: "localhost", at: now.Add(31 * time.Minute)},
		{name: "a certificate is not valid before it was issued (minus the backdate)", ca: ca.Cert, serving: serving, host: "localhost", at: now.Add(-10 * time.Minute)},
		{name: "a serving certificate never outlives its CA", ca: ca.Cert, serving: outliving, host: "svc.ns.svc", at: now.Add(61 * time.Minute)},
		{name: "a key that does not match is refused", ca: ca.Cert, serving: KeyPair{Cert: serving.Cert, Key: outliving.Key}, host: "localhost", at: now},
		{name: "an empty CA bundle is refused", ca: nil, serving: serving, host: "localhost", at: now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.ca, tt.serving, tt.host, tt.at)
			if tt.valid != (err == nil) {
				t.Fatalf("valid=%v, got %v", tt.valid, err)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestCheckDir(t *testing.T) {
	now := time.Now()
	ca, err := NewCA("test-ca", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	serving, err := NewServing(ca, []string{"localhost"}, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := CheckDir(dir, "localhost", now); err == nil {
		t.Fatal("an empty directory passed the check")
	}
	for name, data := range map[string][]byte{CACertKey: ca.Cert, CertKey: serving.Cert, KeyKey: serving.Key} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := CheckDir(dir, "localhost", now.Add(30*time.Minute)); err != nil {
		t.Errorf("valid files: %v", err)
	}
	if err := CheckDir(dir, "localhost", now.Add(2*time.Hour)); err == nil {
		t.Error("files that expire within the lookahead passed the check")
	}
}

func TestParseCertificates(t *testing.T) {
	if _, err := ParseCertificates([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")); err == nil {
		t.Error("a bundle without certificates was accepted")
	}
	if _, err := ParseCertificates([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")); err == nil {
		t.Error("a broken certificate was accepted")
	}
}
