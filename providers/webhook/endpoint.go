package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/Azure/go-ntlmssp"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// ErrSecretNotLabelled means a Secret named in secrets[] or auth.ntlm lacks the label
// external-secrets.io/type: webhook. The label is what stops a store (whose templates send
// data to any URL) from reading arbitrary Secrets of a namespace: the owner of a Secret opts
// in by labelling it.
var ErrSecretNotLabelled = errors.New("the Secret does not carry the label " +
	esv1.LabelWebhookSecretType + ": " + esv1.LabelWebhookSecretTypeValue)

// remoteRefVar is the template variable holding the reference being read or written; a
// secrets[] entry of that name would hide it.
const remoteRefVar = "remoteRef"

// maxResponseBytes bounds what is read from an endpoint, so a misbehaving server cannot
// make the controller buffer without limit. A Secret holds at most 1 MiB; the margin leaves
// room for a jsonPath that selects a part of a larger document.
const maxResponseBytes = 10 << 20

// endpoint is one configured webhook: the spec, an HTTP client trusting the spec's CA (and
// speaking NTLM when asked), and the data of the Secrets the templates may use, read once.
// The provider's Client and the Webhook generator both make their calls through it.
type endpoint struct {
	spec      *esv1.WebhookProvider
	engine    *template.Engine
	observer  providers.CallObserver
	http      *http.Client
	transport *http.Transport
	timeout   time.Duration
	// namespace is exposed to templates as .remoteRef.namespace.
	namespace string
	// secrets holds secrets[] by name: the Secret's data as strings.
	secrets map[string]map[string]string
	ntlm    *ntlmCredentials
	// confidential lists every credential value the endpoint holds, longest first, so that
	// none of them can reach an error message.
	confidential []string
}

type ntlmCredentials struct{ user, password string }

// newEndpoint reads everything spec references, with the namespace rules of package
// credentials for store and namespace, and builds the HTTP client. An error wraps
// credentials.ErrReferentNamespace when a reference can only be resolved per namespace.
func (p *Provider) newEndpoint(ctx context.Context, spec *esv1.WebhookProvider, kube client.Client, store esv1.GenericStore, namespace string) (*endpoint, error) {
	if err := checkSecretNames(spec.Secrets); err != nil {
		return nil, err
	}
	timeout := DefaultTimeout
	if spec.Timeout != nil && spec.Timeout.Duration > 0 {
		timeout = spec.Timeout.Duration
	}
	e := &endpoint{
		spec:      spec,
		engine:    p.engine,
		observer:  p.observer,
		timeout:   timeout,
		namespace: namespace,
		secrets:   make(map[string]map[string]string, len(spec.Secrets)),
	}
	for _, s := range spec.Secrets {
		secret, err := readWebhookSecret(ctx, kube, store, namespace, s.SecretRef.Name, s.SecretRef.Namespace)
		if err != nil {
			return nil, fmt.Errorf("secrets[%s]: %w", s.Name, err)
		}
		values := make(map[string]string, len(secret.Data))
		for k, v := range secret.Data {
			values[k] = string(v)
			e.keepConfidential(string(v))
		}
		e.secrets[s.Name] = values
	}
	if spec.Auth != nil && spec.Auth.NTLM != nil {
		creds, err := readNTLM(ctx, kube, store, namespace, spec.Auth.NTLM)
		if err != nil {
			return nil, err
		}
		e.ntlm = creds
		e.keepConfidential(creds.user)
		e.keepConfidential(creds.password)
	}
	ca, err := credentials.CABundle(ctx, kube, store, namespace, spec.CABundle, spec.CAProvider)
	if err != nil {
		return nil, err
	}
	if e.http, e.transport, err = newHTTPClient(ca, e.ntlm != nil); err != nil {
		return nil, err
	}
	return e, nil
}

// newHTTPClient builds a client that verifies servers against ca (the system roots when
// empty; there is no way to skip verification). With NTLM the connection stays on HTTP/1.1,
// because NTLM authenticates a connection and HTTP/2 would interleave requests on it; and
// the credentials are only ever answered to an NTLM or Negotiate challenge, never sent as
// Basic authentication.
func newHTTPClient(ca []byte, ntlm bool) (*http.Client, *http.Transport, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(ca) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, nil, errors.New("the CA bundle holds no PEM certificate")
		}
		tlsConfig.RootCAs = pool
	}
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, nil, errors.New("the default HTTP transport was replaced")
	}
	tr := base.Clone()
	tr.TLSClientConfig = tlsConfig
	var rt http.RoundTripper = tr
	if ntlm {
		tr.ForceAttemptHTTP2 = false
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		rt = ntlmssp.Negotiator{RoundTripper: tr}
	}
	return &http.Client{Transport: rt}, tr, nil
}

// close drops idle connections.
func (e *endpoint) close() {
	e.transport.CloseIdleConnections()
}

func (e *endpoint) keepConfidential(v string) {
	if len(v) < 4 {
		return // shorter values would garble messages for little protection
	}
	e.confidential = append(e.confidential, v)
	sort.Slice(e.confidential, func(i, j int) bool { return len(e.confidential[i]) > len(e.confidential[j]) })
}

// redact removes every credential value (and extra values, such as a value being pushed)
// from msg.
func (e *endpoint) redact(msg string, extra ...string) string {
	for _, v := range append(extra, e.confidential...) {
		if len(v) >= 4 {
			msg = strings.ReplaceAll(msg, v, "[redacted]")
		}
	}
	return msg
}

// templateData is what url, body, headers and result.jsonPath see: .remoteRef and one entry
// per secrets[] name.
func (e *endpoint) templateData(ref map[string]string) map[string]any {
	data := make(map[string]any, len(e.secrets)+1)
	for name, values := range e.secrets {
		data[name] = values
	}
	data[remoteRefVar] = ref
	return data
}

// render executes one of the spec's templates; an empty template renders empty. The
// engine's errors name the template and never contain a value of data.
func (e *endpoint) render(name, tpl string, data map[string]any) (string, error) {
	if tpl == "" {
		return "", nil
	}
	return e.engine.Execute(name, tpl, data)
}

// call is one rendered request.
type call struct {
	method string
	url    string
	body   []byte
	// data renders the headers.
	data map[string]any
	// extra are values to keep out of error messages besides the credentials.
	extra []string
}

// response is what came back: the status and at most maxResponseBytes of body.
type response struct {
	status int
	body   []byte
}

// statusText names a status with our words: a server's own reason phrase is not repeated.
func (r *response) statusText() string {
	return fmt.Sprintf("%d %s", r.status, http.StatusText(r.status))
}

func (r *response) ok() bool { return r.status >= 200 && r.status < 300 }

// do sends c and reads the response, within the endpoint's timeout. Every call is reported
// to the observer, a status of 400 or more counting as an error. Errors name the method and
// the scheme and host of the URL, never its path or query (which templates may fill with
// credentials), and never the response body.
func (e *endpoint) do(ctx context.Context, c call) (*response, error) {
	u, err := url.Parse(c.url)
	if err != nil {
		return nil, errors.New("the rendered url is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("the rendered url must use http or https, not %q", e.redact(u.Scheme, c.extra...))
	}
	if u.Host == "" {
		return nil, errors.New("the rendered url has no host")
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	var body io.Reader = http.NoBody
	if len(c.body) > 0 {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, c.url, body)
	if err != nil {
		return nil, fmt.Errorf("building the request: method %q is not valid", c.method)
	}
	if err := e.setHeaders(req, c.data); err != nil {
		return nil, err
	}
	if e.ntlm != nil {
		req.SetBasicAuth(e.ntlm.user, e.ntlm.password) // the NTLM negotiator's input, see newHTTPClient
	}
	resp, err := e.http.Do(req)
	if err != nil {
		err = e.callError(ctx, c, u, err)
		e.observe(err)
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	payload, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		err = e.callError(ctx, c, u, err)
		e.observe(err)
		return nil, err
	}
	r := &response{status: resp.StatusCode, body: payload}
	if r.status >= http.StatusBadRequest {
		e.observe(errors.New(r.statusText()))
	} else {
		e.observe(nil)
	}
	if len(payload) > maxResponseBytes {
		return nil, fmt.Errorf("%s %s://%s: the response is larger than %d bytes", c.method, u.Scheme, u.Host, maxResponseBytes)
	}
	return r, nil
}

// setHeaders renders the headers. Host sets the request's host, which Go would otherwise
// ignore as a header.
func (e *endpoint) setHeaders(req *http.Request, data map[string]any) error {
	names := make([]string, 0, len(e.spec.Headers))
	for name := range e.spec.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value, err := e.render("headers."+name, e.spec.Headers[name], data)
		if err != nil {
			return err
		}
		if http.CanonicalHeaderKey(name) == "Host" {
			req.Host = value
			continue
		}
		req.Header.Add(name, value)
	}
	return nil
}

// callError describes a failed exchange without the URL's path and query.
func (e *endpoint) callError(ctx context.Context, c call, u *url.URL, err error) error {
	inner := err
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		inner = urlErr.Err
	}
	where := fmt.Sprintf("%s %s://%s", c.method, u.Scheme, u.Host)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return &redactedError{msg: e.redact(fmt.Sprintf("%s: no complete answer within %s", where, e.timeout), c.extra...), err: context.DeadlineExceeded}
	}
	return &redactedError{msg: e.redact(fmt.Sprintf("%s: %s", where, inner.Error()), c.extra...), err: inner}
}

// redactedError carries a message cleaned of credential values; it unwraps to the cause so
// that callers can still recognise timeouts, cancellations and sentinels.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// sanitize redacts credential values from an error built from rendered templates (a
// jsonPath may be rendered from secrets[]).
func (e *endpoint) sanitize(err error) error {
	return &redactedError{msg: e.redact(err.Error()), err: err}
}

func (e *endpoint) observe(err error) {
	if e.observer != nil {
		e.observer.ObserveAPICall(MetricsProvider, MetricsCall, err)
	}
}

// readStatus interprets the status of a read: 404 is "not found" (so deletionPolicy
// applies), 304 "not modified", 401 and 403 refused credentials, anything else outside 2xx a
// plain error. The response body is never quoted: it may hold the very secret asked for.
func readStatus(r *response) error {
	switch {
	case r.ok():
		return nil
	case r.status == http.StatusNotFound:
		return fmt.Errorf("endpoint gave error %s: %w", r.statusText(), providers.ErrSecretNotFound)
	case r.status == http.StatusNotModified:
		return fmt.Errorf("endpoint answered %s: %w", r.statusText(), providers.ErrNotModified)
	case r.status == http.StatusUnauthorized || r.status == http.StatusForbidden:
		return fmt.Errorf("endpoint gave error %s: %w", r.statusText(), providers.ErrUnauthorized)
	default:
		return fmt.Errorf("endpoint gave error %s", r.statusText())
	}
}

// readRef is .remoteRef for a read. In the url its fields are query-escaped, so that a key
// cannot change the URL's structure; elsewhere they are raw.
func (e *endpoint) readRef(ref esv1.ExternalSecretDataRemoteRef, escape bool) map[string]string {
	esc := func(s string) string { return s }
	if escape {
		esc = url.QueryEscape
	}
	return map[string]string{
		"key":       esc(ref.Key),
		"version":   esc(ref.Version),
		"property":  esc(ref.Property),
		"namespace": e.namespace,
	}
}

// read calls the endpoint for ref with the spec's method (GET by default), url, body and
// headers, checks the status, and renders result.jsonPath with the same data.
func (e *endpoint) read(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (body []byte, jsonPath string, err error) {
	raw := e.templateData(e.readRef(ref, false))
	target, err := e.render("url", e.spec.URL, e.templateData(e.readRef(ref, true)))
	if err != nil {
		return nil, "", err
	}
	reqBody, err := e.render("body", e.spec.Body, raw)
	if err != nil {
		return nil, "", err
	}
	method := e.spec.Method
	if method == "" {
		method = http.MethodGet
	}
	resp, err := e.do(ctx, call{method: method, url: target, body: []byte(reqBody), data: raw})
	if err != nil {
		return nil, "", err
	}
	if err := readStatus(resp); err != nil {
		return nil, "", err
	}
	jsonPath, err = e.render("result.jsonPath", e.spec.Result.JSONPath, raw)
	if err != nil {
		return nil, "", err
	}
	return resp.body, jsonPath, nil
}

// readMap reads ref and returns the response's JSON object (after result.jsonPath; a string
// result is parsed as JSON again) as key/value pairs: strings raw, anything else as JSON.
func (e *endpoint) readMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	body, path, err := e.read(ctx, ref)
	if err != nil {
		return nil, err
	}
	out, err := objectAt(body, path)
	if err != nil {
		return nil, e.sanitize(err)
	}
	return out, nil
}
