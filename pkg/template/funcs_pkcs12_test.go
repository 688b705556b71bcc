package template

import (
	"encoding/base64"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

func TestPKCS12_roundTrips(t *testing.T) {
	p := getPKI(t)
	ec := ecKey(t)
	ecLeaf := makeCert(t, certTemplate(10, "ec leaf", false), p.inter, ec.Public(), p.interKey)
	data := map[string]string{
		"cert":     certPEM(p.leaf),
		"chain":    certPEM(p.leaf, p.root, p.inter), // not in order on purpose
		"key":      pkcs1PEM(p.leafKey),
		"key8":     pkcs8PEM(t, p.leafKey),
		"ecCert":   certPEM(ecLeaf),
		"ecKey":    ecPEM(t, ec),
		"ca":       certPEM(p.inter, p.root),
		"password": "s3cret-pass",
	}
	wantKey := pkcs8PEM(t, p.leafKey)
	cases := []struct {
		name, tpl, want string
	}{
		{"key without password, PKCS#1 input", `{{ pemToPkcs12 .cert .key | b64dec | pkcs12key }}`, wantKey},
		{"key without password, PKCS#8 input", `{{ pemToPkcs12 .cert .key8 | b64dec | pkcs12key }}`, wantKey},
		{"cert without password", `{{ pemToPkcs12 .cert .key | b64dec | pkcs12cert }}`, certPEM(p.leaf)},
		{"only the first certificate is kept", `{{ pemToPkcs12 .chain .key | b64dec | pkcs12cert }}`, certPEM(p.leaf)},
		{"key with password", `{{ pemToPkcs12Pass .cert .key .password | b64dec | pkcs12keyPass .password }}`, wantKey},
		{"cert with password", `{{ pemToPkcs12Pass .cert .key .password | b64dec | pkcs12certPass .password }}`, certPEM(p.leaf)},
		{"full chain is ordered leaf to root", `{{ fullPemToPkcs12 .chain .key | b64dec | pkcs12cert }}`, certPEM(p.leaf, p.inter, p.root)},
		{"full chain with password", `{{ fullPemToPkcs12Pass .chain .key .password | b64dec | pkcs12certPass .password }}`, certPEM(p.leaf, p.inter, p.root)},
		{"full chain key", `{{ fullPemToPkcs12Pass .chain .key .password | b64dec | pkcs12keyPass .password }}`, wantKey},
		{"EC key", `{{ pemToPkcs12 .ecCert .ecKey | b64dec | pkcs12key }}`, pkcs8PEM(t, ec)},
		{"trust store", `{{ pemTruststoreToPKCS12 .ca | b64dec | pkcs12cert }}`, certPEM(p.inter, p.root)},
		{"trust store with password", `{{ pemTruststoreToPKCS12Pass .ca .password | b64dec | pkcs12certPass .password }}`, certPEM(p.inter, p.root)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(t, tc.tpl, data); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestPKCS12_archivesAreReadableByOthers(t *testing.T) {
	p := getPKI(t)
	e := New()
	out, err := e.Execute("p12", `{{ fullPemToPkcs12Pass .chain .key "pw" }}`, map[string]string{
		"chain": certPEM(p.leaf, p.inter, p.root), "key": pkcs8PEM(t, p.leafKey),
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(out)
	if err != nil {
		t.Fatalf("output is not base64: %v", err)
	}
	_, cert, ca, err := pkcs12.DecodeChain(raw, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !cert.Equal(p.leaf) || len(ca) != 2 {
		t.Fatalf("unexpected archive content: cert %s, %d CA certs", cert.Subject, len(ca))
	}
	ts, _ := e.Execute("ts", `{{ pemTruststoreToPKCS12 .ca }}`, map[string]string{"ca": certPEM(p.root)})
	raw, _ = base64.StdEncoding.DecodeString(ts)
	certs, err := pkcs12.DecodeTrustStore(raw, "")
	if err != nil || len(certs) != 1 || !certs[0].Equal(p.root) {
		t.Fatalf("trust store: %v, %d certs", err, len(certs))
	}
}

func TestPKCS12_errors(t *testing.T) {
	p := getPKI(t)
	archive := mustRender(t, `{{ pemToPkcs12Pass .cert .key "right" | b64dec }}`, map[string]string{
		"cert": certPEM(p.leaf), "key": pkcs8PEM(t, p.leafKey),
	})
	cases := []struct {
		name, tpl, wantErr string
		data               map[string]string
	}{
		{"wrong password", `{{ .p12 | pkcs12keyPass "wrong" }}`, "pkcs12keyPass: unable to decode the PKCS#12 archive", map[string]string{"p12": archive}},
		{"not an archive", `{{ .p12 | pkcs12cert }}`, "pkcs12cert: unable to decode the PKCS#12 archive", map[string]string{"p12": "not-a-pkcs12-archive"}},
		{"no certificate", `{{ pemToPkcs12 .cert .key }}`, "pemToPkcs12: no PEM certificate found", map[string]string{"cert": "garbage-cert", "key": pkcs8PEM(t, p.leafKey)}},
		{"no key", `{{ pemToPkcs12 .cert .key }}`, "pemToPkcs12: no PEM private key found", map[string]string{"cert": certPEM(p.leaf), "key": certPEM(p.leaf)}},
		{"bad key", `{{ fullPemToPkcs12 .cert .key }}`, "fullPemToPkcs12: the private key is neither PKCS#1, PKCS#8 nor SEC 1", map[string]string{"cert": certPEM(p.leaf), "key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}},
		{"no trust store certificates", `{{ pemTruststoreToPKCS12 .ca }}`, "pemTruststoreToPKCS12: no PEM certificate found", map[string]string{"ca": "nothing-here"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New().Execute("k", tc.tpl, tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func mustRender(t *testing.T, tpl string, data map[string]string) string {
	t.Helper()
	return render(t, tpl, data)
}
