// Package gcpsmtest is an in-memory Google Secret Manager served over gRPC with TLS on
// 127.0.0.1, for driving the real cloud.google.com/go/secretmanager client in tests. There
// is no emulator for Secret Manager, so this one follows the service's documented
// behaviour: resource names with project numbers, the "latest" alias and version aliases,
// version states, the ListSecrets filter language for names and labels (the subset the
// provider sends), pagination with opaque page tokens, etags, CRC32C checksums, and the
// status codes and messages of the real service (NotFound, PermissionDenied,
// Unauthenticated, FailedPrecondition, AlreadyExists, InvalidArgument).
package gcpsmtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"math/big"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// maxPayload is the largest secret version the service accepts (64 KiB).
const maxPayload = 64 << 10

// defaultPageSize is what the server returns per page when the request names no size.
const defaultPageSize = 25000

var (
	secretID   = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,255}$`)
	labelKey   = regexp.MustCompile(`^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$`)
	labelVal   = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$`)
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// Server is the emulator. Its exported methods set up and inspect state for tests; clients
// reach it through ClientOptions.
type Server struct {
	// Addr is host:port of the gRPC listener.
	Addr string

	pool *x509.CertPool

	mu          sync.Mutex
	projects    map[string]string // project ID -> project number
	secrets     map[string]*secret
	denied      map[string]bool // canonical secret names
	token       string
	maxPageSize int
	etag        int
	clock       time.Time
}

type secret struct {
	pb       *secretmanagerpb.Secret
	versions []*version // version n is versions[n-1]
}

type version struct {
	pb   *secretmanagerpb.SecretVersion
	data []byte
	crc  int64
}

// New starts a server for the given projects (project ID -> project number) and stops it
// when the test ends.
func New(t testing.TB, projects map[string]string) *Server {
	t.Helper()
	cert, pool, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		Addr:     lis.Addr().String(),
		pool:     pool,
		projects: projects,
		secrets:  map[string]*secret{},
		denied:   map[string]bool{},
		clock:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	srv := grpc.NewServer(
		grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})),
		grpc.UnaryInterceptor(s.authenticate),
	)
	secretmanagerpb.RegisterSecretManagerServiceServer(srv, &service{s: s})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return s
}

// ClientOptions point a secretmanager client at the server, trusting its certificate.
// Credentials are the caller's (option.WithTokenSource, or option.WithoutAuthentication).
func (s *Server) ClientOptions() []option.ClientOption {
	return []option.ClientOption{
		option.WithEndpoint(s.Addr),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: s.pool, MinVersion: tls.VersionTLS12}))),
	}
}

// RequireToken makes every call without "authorization: Bearer token" fail with
// Unauthenticated, as Google does for a missing or invalid access token. Empty accepts
// any caller.
func (s *Server) RequireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// SetMaxPageSize caps list pages at n items, whatever the request asks, as the service may
// return fewer items than requested.
func (s *Server) SetMaxPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxPageSize = n
}

// Deny makes every call on the secret (and its versions) fail with PermissionDenied, as
// for a caller without an IAM role on it.
func (s *Server) Deny(project, location, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[s.canonical(project, location, id)] = true
}

// CreateSecret creates a secret directly (global when location is empty).
func (s *Server) CreateSecret(project, location, id string, labels, annotations map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := s.canonical(project, location, id)
	pb := &secretmanagerpb.Secret{Name: name, Labels: labels, Annotations: annotations, CreateTime: s.now(), Etag: s.nextEtag()}
	if location == "" {
		pb.Replication = &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{Automatic: &secretmanagerpb.Replication_Automatic{}}}
	}
	s.secrets[name] = &secret{pb: pb}
}

// AddVersion adds an enabled version to an existing secret and returns its number.
func (s *Server) AddVersion(project, location, id string, data []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[s.canonical(project, location, id)]
	return int(s.addVersion(sec, data))
}

// SetVersionState disables, enables or destroys a version (destroying drops its data).
func (s *Server) SetVersionState(project, location, id string, n int, state secretmanagerpb.SecretVersion_State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.secrets[s.canonical(project, location, id)].versions[n-1]
	v.pb.State = state
	if state == secretmanagerpb.SecretVersion_DESTROYED {
		v.data, v.pb.DestroyTime = nil, s.now()
	}
}

// SetAlias points a version alias of the secret at version n.
func (s *Server) SetAlias(project, location, id, alias string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[s.canonical(project, location, id)]
	if sec.pb.VersionAliases == nil {
		sec.pb.VersionAliases = map[string]int64{}
	}
	sec.pb.VersionAliases[alias] = int64(n)
}

// Secret returns a copy of the secret and the data of its versions (nil for destroyed
// ones); ok is false when it does not exist.
func (s *Server) Secret(project, location, id string) (pb *secretmanagerpb.Secret, versions [][]byte, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[s.canonical(project, location, id)]
	if !ok {
		return nil, nil, false
	}
	for _, v := range sec.versions {
		versions = append(versions, v.data)
	}
	return proto.Clone(sec.pb).(*secretmanagerpb.Secret), versions, true
}

// canonical is a secret's name with the project number, as the service returns names.
func (s *Server) canonical(project, location, id string) string {
	if n, ok := s.projects[project]; ok {
		project = n
	}
	if location != "" {
		return "projects/" + project + "/locations/" + location + "/secrets/" + id
	}
	return "projects/" + project + "/secrets/" + id
}

func (s *Server) now() *timestamppb.Timestamp {
	s.clock = s.clock.Add(time.Second)
	return timestamppb.New(s.clock)
}

func (s *Server) nextEtag() string {
	s.etag++
	return strconv.Quote(strconv.FormatInt(int64(s.etag)*7919, 16))
}

func (s *Server) addVersion(sec *secret, data []byte) int64 {
	n := int64(len(sec.versions) + 1)
	sec.versions = append(sec.versions, &version{
		pb: &secretmanagerpb.SecretVersion{
			Name:       fmt.Sprintf("%s/versions/%d", sec.pb.Name, n),
			CreateTime: s.now(),
			State:      secretmanagerpb.SecretVersion_ENABLED,
			Etag:       s.nextEtag(),
		},
		data: append([]byte(nil), data...),
		crc:  int64(crc32.Checksum(data, castagnoli)),
	})
	return n
}

// authenticate refuses calls without the expected bearer token.
func (s *Server) authenticate(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	s.mu.Lock()
	want := s.token
	s.mu.Unlock()
	if want != "" {
		md, _ := metadata.FromIncomingContext(ctx)
		if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+want {
			return nil, status.Error(codes.Unauthenticated, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.")
		}
	}
	return handler(ctx, req)
}

// resource is a parsed resource name.
type resource struct {
	project, location, secret, version string
}

// parse reads projects/P[/locations/L][/secrets/S[/versions/V]]; want says how deep the
// name must go ("parent", "secret" or "version").
func parse(name, want string) (resource, error) {
	r, ok := split(strings.Split(name, "/"))
	switch want {
	case "parent":
		ok = ok && r.secret == ""
	case "secret":
		ok = ok && r.secret != "" && r.version == ""
	case "version":
		ok = ok && r.version != ""
	}
	if !ok {
		return r, invalidName(name)
	}
	return r, nil
}

// split consumes the collection/ID pairs of a name in order; ok is false when anything is
// left over or an ID is empty.
func split(parts []string) (r resource, ok bool) {
	for _, f := range []struct {
		collection string
		id         *string
		required   bool
	}{
		{"projects", &r.project, true},
		{"locations", &r.location, false},
		{"secrets", &r.secret, false},
		{"versions", &r.version, false},
	} {
		if len(parts) >= 2 && parts[0] == f.collection && parts[1] != "" {
			*f.id, parts = parts[1], parts[2:]
		} else if f.required {
			return r, false
		}
	}
	return r, len(parts) == 0 && (r.version == "" || r.secret != "")
}

func invalidName(name string) error {
	return status.Errorf(codes.InvalidArgument, "The provided resource name [%s] is invalid.", name)
}

func permissionDenied(permission, name string) error {
	return status.Errorf(codes.PermissionDenied, "Permission '%s' denied for resource '%s' (or it may not exist).", permission, name)
}

// lookup resolves r's project and, for a secret-level name, the secret, checking
// permissions. It returns the canonical secret name (or parent) and the secret, nil when it
// does not exist.
func (s *Server) lookup(r resource, permission, asked string) (string, *secret, error) {
	if _, known := s.projects[r.project]; !known && !s.isNumber(r.project) {
		return "", nil, permissionDenied(permission, asked)
	}
	if r.secret == "" {
		parent := "projects/" + s.number(r.project)
		if r.location != "" {
			parent += "/locations/" + r.location
		}
		return parent, nil, nil
	}
	name := s.canonical(r.project, r.location, r.secret)
	if s.denied[name] {
		return "", nil, permissionDenied(permission, asked)
	}
	return name, s.secrets[name], nil
}

func (s *Server) number(project string) string {
	if n, ok := s.projects[project]; ok {
		return n
	}
	return project
}

func (s *Server) isNumber(project string) bool {
	for _, n := range s.projects {
		if n == project {
			return true
		}
	}
	return false
}

// resolve finds the version a version name points at: a number, "latest" (the newest
// version whatever its state) or an alias.
func (sec *secret) resolve(v string) (*version, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case v == "latest":
		n = int64(len(sec.versions))
	case err == nil:
	default:
		alias, ok := sec.pb.VersionAliases[v]
		if !ok {
			return nil, false
		}
		n = alias
	}
	if n < 1 || n > int64(len(sec.versions)) {
		return nil, false
	}
	return sec.versions[n-1], true
}

func checkLabels(labels map[string]string) error {
	if len(labels) > 64 {
		return status.Error(codes.InvalidArgument, "A secret may have at most 64 labels.")
	}
	for k, v := range labels {
		if !labelKey.MatchString(k) || !labelVal.MatchString(v) {
			return status.Errorf(codes.InvalidArgument, "Label key or value [%s] is invalid.", k)
		}
	}
	return nil
}

func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "secretmanager emulator"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// page cuts items to one page after the opaque token, and returns the next token.
func page[T any](items []T, size int32, token string, maxSize int) ([]T, string, error) {
	start := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || err2 != nil || n < 0 || n > len(items) {
			return nil, "", status.Error(codes.InvalidArgument, "The page token is invalid.")
		}
		start = n
	}
	n := int(size)
	if n <= 0 {
		n = defaultPageSize
	}
	if maxSize > 0 && n > maxSize {
		n = maxSize
	}
	end := min(start+n, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}

// filterSecret evaluates the ListSecrets filter subset: space- or AND-separated terms
// name:SUBSTRING, labels.KEY=VALUE, labels.KEY:SUBSTRING and labels.KEY:*.
func filterSecret(filter string) (func(*secretmanagerpb.Secret) bool, error) {
	var preds []func(*secretmanagerpb.Secret) bool
	for _, term := range strings.Fields(filter) {
		if term == "AND" {
			continue
		}
		field, op, value, err := splitTerm(term)
		if err != nil {
			return nil, err
		}
		switch {
		case field == "name" && op == ":":
			preds = append(preds, func(sec *secretmanagerpb.Secret) bool {
				return strings.Contains(sec.Name[strings.LastIndex(sec.Name, "/")+1:], value)
			})
		case strings.HasPrefix(field, "labels."):
			key := strings.TrimPrefix(field, "labels.")
			preds = append(preds, func(sec *secretmanagerpb.Secret) bool {
				got, ok := sec.Labels[key]
				switch {
				case op == "=":
					return ok && got == value
				case value == "*":
					return ok
				default:
					return ok && strings.Contains(got, value)
				}
			})
		default:
			return nil, status.Errorf(codes.InvalidArgument, "Invalid filter: unsupported field or operator in [%s].", term)
		}
	}
	return func(sec *secretmanagerpb.Secret) bool {
		for _, p := range preds {
			if !p(sec) {
				return false
			}
		}
		return true
	}, nil
}

func splitTerm(term string) (field, op, value string, err error) {
	i := strings.IndexAny(term, ":=")
	if i <= 0 || i == len(term)-1 {
		return "", "", "", status.Errorf(codes.InvalidArgument, "Invalid filter: cannot parse [%s].", term)
	}
	return term[:i], term[i : i+1], strings.Trim(term[i+1:], `"`), nil
}

// service implements the gRPC methods.
type service struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer
	s *Server
}

func (v *service) ListSecrets(_ context.Context, req *secretmanagerpb.ListSecretsRequest) (*secretmanagerpb.ListSecretsResponse, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := parse(req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	parent, _, err := s.lookup(r, "secretmanager.secrets.list", req.GetParent())
	if err != nil {
		return nil, err
	}
	match, err := filterSecret(req.GetFilter())
	if err != nil {
		return nil, err
	}
	var all []*secretmanagerpb.Secret
	for name, sec := range s.secrets {
		if strings.HasPrefix(name, parent+"/secrets/") && match(sec.pb) {
			all = append(all, proto.Clone(sec.pb).(*secretmanagerpb.Secret))
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	items, next, err := page(all, req.GetPageSize(), req.GetPageToken(), s.maxPageSize)
	if err != nil {
		return nil, err
	}
	return &secretmanagerpb.ListSecretsResponse{Secrets: items, NextPageToken: next, TotalSize: int32(len(all))}, nil
}

func (v *service) GetSecret(_ context.Context, req *secretmanagerpb.GetSecretRequest) (*secretmanagerpb.Secret, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := parse(req.GetName(), "secret")
	if err != nil {
		return nil, err
	}
	name, sec, err := s.lookup(r, "secretmanager.secrets.get", req.GetName())
	if err != nil {
		return nil, err
	}
	if sec == nil {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found.", name)
	}
	return proto.Clone(sec.pb).(*secretmanagerpb.Secret), nil
}

func (v *service) CreateSecret(_ context.Context, req *secretmanagerpb.CreateSecretRequest) (*secretmanagerpb.Secret, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := parse(req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	if !secretID.MatchString(req.GetSecretId()) {
		return nil, status.Error(codes.InvalidArgument, "Secret ID must be 1-255 characters of letters, numbers, dashes and underscores.")
	}
	r.secret = req.GetSecretId()
	name, existing, err := s.lookup(r, "secretmanager.secrets.create", req.GetParent())
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, status.Errorf(codes.AlreadyExists, "Secret [%s] already exists.", name)
	}
	in := req.GetSecret()
	if in == nil {
		in = &secretmanagerpb.Secret{}
	}
	switch {
	case r.location == "" && in.GetReplication() == nil:
		return nil, status.Error(codes.InvalidArgument, "Secret.replication is required.")
	case r.location != "" && in.GetReplication() != nil:
		return nil, status.Error(codes.InvalidArgument, "Secret.replication must not be set for regional secrets.")
	}
	if err := checkLabels(in.GetLabels()); err != nil {
		return nil, err
	}
	pb := proto.Clone(in).(*secretmanagerpb.Secret)
	pb.Name, pb.CreateTime, pb.Etag = name, s.now(), s.nextEtag()
	s.secrets[name] = &secret{pb: pb}
	return proto.Clone(pb).(*secretmanagerpb.Secret), nil
}

func (v *service) AddSecretVersion(_ context.Context, req *secretmanagerpb.AddSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := parse(req.GetParent(), "secret")
	if err != nil {
		return nil, err
	}
	name, sec, err := s.lookup(r, "secretmanager.versions.add", req.GetParent())
	if err != nil {
		return nil, err
	}
	if sec == nil {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found.", name)
	}
	data := req.GetPayload().GetData()
	if len(data) > maxPayload {
		return nil, status.Error(codes.InvalidArgument, "Secret payload data must be no larger than 65536 bytes.")
	}
	if c := req.GetPayload().DataCrc32C; c != nil && *c != int64(crc32.Checksum(data, castagnoli)) {
		return nil, status.Error(codes.InvalidArgument, "Checksum of the payload data does not match data_crc32c.")
	}
	n := s.addVersion(sec, data)
	return proto.Clone(sec.versions[n-1].pb).(*secretmanagerpb.SecretVersion), nil
}

func (v *service) AccessSecretVersion(_ context.Context, req *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := parse(req.GetName(), "version")
	if err != nil {
		return nil, err
	}
	name, sec, err := s.lookup(r, "secretmanager.versions.access", req.GetName())
	if err != nil {
		return nil, err
	}
	if sec == nil || (r.version == "latest" && len(sec.versions) == 0) {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found or has no versions.", name)
	}
	ver, ok := sec.resolve(r.version)
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Secret Version [%s/versions/%s] not found.", name, r.version)
	}
	if st := ver.pb.GetState(); st != secretmanagerpb.SecretVersion_ENABLED {
		return nil, status.Errorf(codes.FailedPrecondition, "Secret Version [%s] is in %s state.", ver.pb.Name, st)
	}
	crc := ver.crc
	return &secretmanagerpb.AccessSecretVersionResponse{
		Name:    ver.pb.Name,
		Payload: &secretmanagerpb.SecretPayload{Data: append([]byte(nil), ver.data...), DataCrc32C: &crc},
	}, nil
}

func (v *service) ListSecretVersions(_ context.Context, req *secretmanagerpb.ListSecretVersionsRequest) (*secretmanagerpb.ListSecretVersionsResponse, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := parse(req.GetParent(), "secret")
	if err != nil {
		return nil, err
	}
	name, sec, err := s.lookup(r, "secretmanager.versions.list", req.GetParent())
	if err != nil {
		return nil, err
	}
	if sec == nil {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found.", name)
	}
	var state string
	if f := strings.TrimSpace(req.GetFilter()); f != "" {
		field, op, value, err := splitTerm(f)
		if err != nil || field != "state" || op != ":" || secretmanagerpb.SecretVersion_State_value[value] == 0 {
			return nil, status.Errorf(codes.InvalidArgument, "Invalid filter: [%s].", f)
		}
		state = value
	}
	var all []*secretmanagerpb.SecretVersion
	for i := len(sec.versions) - 1; i >= 0; i-- { // newest first
		if pb := sec.versions[i].pb; state == "" || pb.GetState().String() == state {
			all = append(all, proto.Clone(pb).(*secretmanagerpb.SecretVersion))
		}
	}
	items, next, err := page(all, req.GetPageSize(), req.GetPageToken(), s.maxPageSize)
	if err != nil {
		return nil, err
	}
	return &secretmanagerpb.ListSecretVersionsResponse{Versions: items, NextPageToken: next, TotalSize: int32(len(all))}, nil
}

func (v *service) UpdateSecret(_ context.Context, req *secretmanagerpb.UpdateSecretRequest) (*secretmanagerpb.Secret, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	in := req.GetSecret()
	r, err := parse(in.GetName(), "secret")
	if err != nil {
		return nil, err
	}
	name, sec, err := s.lookup(r, "secretmanager.secrets.update", in.GetName())
	if err != nil {
		return nil, err
	}
	if sec == nil {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found.", name)
	}
	if in.GetEtag() != "" && in.GetEtag() != sec.pb.Etag {
		return nil, status.Error(codes.FailedPrecondition, "The etag provided in the request does not match the current etag of the secret.")
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, status.Error(codes.InvalidArgument, "update_mask is required.")
	}
	if err := checkLabels(in.GetLabels()); err != nil {
		return nil, err
	}
	for _, p := range paths {
		switch p {
		case "labels":
			sec.pb.Labels = in.GetLabels()
		case "annotations":
			sec.pb.Annotations = in.GetAnnotations()
		case "topics":
			sec.pb.Topics = in.GetTopics()
		default:
			return nil, status.Errorf(codes.InvalidArgument, "update_mask path [%s] is not supported.", p)
		}
	}
	sec.pb.Etag = s.nextEtag()
	return proto.Clone(sec.pb).(*secretmanagerpb.Secret), nil
}

func (v *service) DeleteSecret(_ context.Context, req *secretmanagerpb.DeleteSecretRequest) (*emptypb.Empty, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := parse(req.GetName(), "secret")
	if err != nil {
		return nil, err
	}
	name, sec, err := s.lookup(r, "secretmanager.secrets.delete", req.GetName())
	if err != nil {
		return nil, err
	}
	if sec == nil {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found.", name)
	}
	if req.GetEtag() != "" && req.GetEtag() != sec.pb.Etag {
		return nil, status.Error(codes.FailedPrecondition, "The etag provided in the request does not match the current etag of the secret.")
	}
	delete(s.secrets, name)
	return &emptypb.Empty{}, nil
}
