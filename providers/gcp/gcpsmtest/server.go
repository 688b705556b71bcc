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
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"hash/crc32"
	"net"
	"regexp"
	"strconv"
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
