package template

import (
	"crypto/x509"
	"strings"
	"testing"
)

func TestFilterPEM(t *testing.T) {
	p := getPKI(t)
	key := pkcs8PEM(t, p.leafKey)
	bundle := "junk before\n" + key + "junk between\n" + certPEM(p.leaf) + certPEM(p.root)
	cases := []struct {
		name, pemType, input, want, wantErr string
	}{
		{name: "certificates only", pemType: "CERTIFICATE", input: bundle, want: certPEM(p.leaf, p.root)},
		{name: "type is case-insensitive", pemType: "certificate", input: bundle, want: certPEM(p.leaf, p.root)},
		{name: "key only", pemType: "PRIVATE KEY", input: bundle, want: key},
		{name: "no block of that type", pemType: "EC PRIVATE KEY", input: bundle, want: ""},
		{name: "empty input", pemType: "CERTIFICATE", input: "", want: ""},
		{name: "only junk", pemType: "CERTIFICATE", input: "no pem here", wantErr: "error filtering pem: found junk"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := New().Execute("k", `{{ .in | filterPEM .type }}`, map[string]string{"in": tc.input, "type": tc.pemType})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestFilterCertChain(t *testing.T) {
	p := getPKI(t)
	shuffled := certPEM(p.root, p.leaf, p.inter)
	cases := []struct {
		name, certType, input, want, wantErr string
	}{
		{name: "leaf of a shuffled chain", certType: "leaf", input: shuffled, want: certPEM(p.leaf)},
		{name: "intermediate", certType: "intermediate", input: shuffled, want: certPEM(p.inter)},
		{name: "root", certType: "root", input: shuffled, want: certPEM(p.root)},
		{name: "type is case-insensitive", certType: "Root", input: shuffled, want: certPEM(p.root)},
		{name: "no root in the chain", certType: "root", input: certPEM(p.leaf, p.inter), want: ""},
		{name: "leaf alone", certType: "leaf", input: certPEM(p.leaf), want: certPEM(p.leaf)},
		{name: "unknown type", certType: "middle", input: shuffled, wantErr: "certificate type must be leaf, intermediate or root"},
		{name: "no certificate", certType: "leaf", input: "nothing", wantErr: "filterCertChain: no PEM certificate found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := New().Execute("k", `{{ .in | filterCertChain .type }}`, map[string]string{"in": tc.input, "type": tc.certType})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestOrderChain(t *testing.T) {
	p := getPKI(t)
	other := ecKey(t)
	otherRootT := certTemplate(20, "other root", true)
	otherRoot := makeCert(t, otherRootT, otherRootT, other.Public(), other)
	names := func(cs []*x509.Certificate) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Subject.CommonName)
		}
		return strings.Join(s, ",")
	}
	cases := []struct {
		name string
		in   []*x509.Certificate
		want string
	}{
		{"already ordered", []*x509.Certificate{p.leaf, p.inter, p.root}, "leaf.example.com,test intermediate,test root"},
		{"reversed", []*x509.Certificate{p.root, p.inter, p.leaf}, "leaf.example.com,test intermediate,test root"},
		{"gap keeps the input order", []*x509.Certificate{p.root, p.leaf}, "test root,leaf.example.com"},
		{"two chains keep the input order", []*x509.Certificate{otherRoot, p.inter, p.leaf}, "other root,test intermediate,leaf.example.com"},
		{"single certificate", []*x509.Certificate{p.root}, "test root"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(orderChain(tc.in)); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCertSANs(t *testing.T) {
	p := getPKI(t)
	got := render(t, `{{ .cert | certSANs | join "," }}`, map[string]string{"cert": certPEM(p.leaf, p.inter)})
	want := "leaf.example.com,www.example.com,10.0.0.1,ops@example.com,spiffe://example.com/app"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := render(t, `{{ .cert | certSANs | len }}`, map[string]string{"cert": certPEM(p.root)}); got != "0" {
		t.Fatalf("a certificate without SANs has %s", got)
	}
	if _, err := New().Execute("k", `{{ certSANs .x }}`, map[string]string{"x": "junk"}); err == nil {
		t.Fatal("certSANs of junk must fail")
	}
}
