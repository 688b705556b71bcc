package template

import (
	"fmt"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// RemovedFuncs returns the sprig functions a template cannot call. env and expandenv would
// read the controller's environment (cloud credentials, tokens); getHostByName would let a
// template send data to any DNS server through the names it resolves.
func RemovedFuncs() []string {
	return []string{"env", "expandenv", "getHostByName"}
}

// funcMap builds the v2 function map: sprig's text functions without RemovedFuncs, the
// text/template builtins that build strings (declared again so that the engine can measure
// what they return), the bounded replacements of sprig functions that could exhaust memory,
// and the external-secrets functions.
func funcMap(l Limits) template.FuncMap {
	m := sprig.TxtFuncMap()
	for _, name := range RemovedFuncs() {
		delete(m, name)
	}
	for _, group := range []template.FuncMap{stringBuiltins(), boundedFuncs(l), esoFuncs()} {
		for name, fn := range group {
			m[name] = fn
		}
	}
	return m
}

// stringBuiltins are the text/template builtins that return strings, with the same
// behaviour. Being in the map, they are measured like every other function, so that a loop
// such as {{ $x = print $x $x }} stops at the value limit instead of doubling forever.
func stringBuiltins() template.FuncMap {
	return template.FuncMap{
		"print":    fmt.Sprint,
		"printf":   fmt.Sprintf,
		"println":  fmt.Sprintln,
		"html":     template.HTMLEscaper,
		"js":       template.JSEscaper,
		"urlquery": template.URLQueryEscaper,
	}
}

// esoFuncs are the functions external-secrets adds to sprig (contract §10.2).
func esoFuncs() template.FuncMap {
	return template.FuncMap{
		"pkcs12key":                 pkcs12key,
		"pkcs12keyPass":             pkcs12keyPass,
		"pkcs12cert":                pkcs12cert,
		"pkcs12certPass":            pkcs12certPass,
		"pemToPkcs12":               pemToPkcs12,
		"pemToPkcs12Pass":           pemToPkcs12Pass,
		"fullPemToPkcs12":           fullPemToPkcs12,
		"fullPemToPkcs12Pass":       fullPemToPkcs12Pass,
		"pemTruststoreToPKCS12":     pemTruststoreToPKCS12,
		"pemTruststoreToPKCS12Pass": pemTruststoreToPKCS12Pass,
		"filterPEM":                 filterPEM,
		"filterCertChain":           filterCertChain,
		"certSANs":                  certSANs,
		"jwkPublicKeyPem":           jwkPublicKeyPem,
		"jwkPrivateKeyPem":          jwkPrivateKeyPem,
		"toYaml":                    toYaml,
		"fromYaml":                  fromYaml,
		"rsaDecrypt":                rsaDecrypt,
		"hexdec":                    hexdec,
	}
}

// expensiveFuncs cost many steps per call (see Limits.MaxSteps): each takes from tens of
// milliseconds (bcrypt, scrypt) to seconds (RSA 4096 or DSA key generation), so a loop over
// them must stop long before it monopolises a reconcile worker.
var expensiveFuncs = map[string]bool{
	"bcrypt":            true,
	"htpasswd":          true,
	"derivePassword":    true,
	"genPrivateKey":     true,
	"genCA":             true,
	"genSelfSignedCert": true,
	"genSignedCert":     true,
}
