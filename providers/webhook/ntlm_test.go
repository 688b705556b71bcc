package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // NTLM is defined on MD4; the test server must compute it

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// ntlmServer is the server side of NTLMv2 (MS-NLMP 3.2.5): it challenges anonymous
// requests, answers a NEGOTIATE with a CHALLENGE and accepts an AUTHENTICATE only when its
// NTProofStr was computed from the expected user, domain and password.
type ntlmServer struct {
	*httptest.Server
	user, domain, password string
	challenge              [8]byte

	mu     sync.Mutex
	basics int // requests that carried Basic credentials
}

func newNTLMServer(t *testing.T, user, domain, password, body string) *ntlmServer {
	t.Helper()
	s := &ntlmServer{user: user, domain: domain, password: password, challenge: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if strings.HasPrefix(auth, "Basic ") {
			s.mu.Lock()
			s.basics++
			s.mu.Unlock()
		}
		token, isNTLM := strings.CutPrefix(auth, "NTLM ")
		msg, err := base64.StdEncoding.DecodeString(token)
		if !isNTLM || err != nil || len(msg) < 12 || !bytes.Equal(msg[:8], []byte("NTLMSSP\x00")) {
			w.Header().Set("WWW-Authenticate", "NTLM")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch binary.LittleEndian.Uint32(msg[8:12]) {
		case 1:
			w.Header().Set("WWW-Authenticate", "NTLM "+base64.StdEncoding.EncodeToString(s.challengeMessage()))
			w.WriteHeader(http.StatusUnauthorized)
		case 3:
			if !s.verify(msg) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			_, _ = w.Write([]byte(body))
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// challengeMessage is a CHALLENGE with Unicode and NTLM flags and an empty target info list.
func (s *ntlmServer) challengeMessage() []byte {
	const headerLen = 48
	m := make([]byte, headerLen, headerLen+4)
	copy(m, "NTLMSSP\x00")
	le := binary.LittleEndian
	le.PutUint32(m[8:], 2)
	le.PutUint32(m[16:], headerLen)             // TargetName: empty, at the end
	le.PutUint32(m[20:], 0x00000001|0x00000200) // NEGOTIATE_UNICODE | NEGOTIATE_NTLM
	copy(m[24:32], s.challenge[:])
	le.PutUint16(m[40:], 4) // TargetInfo: just MsvAvEOL
	le.PutUint16(m[42:], 4)
	le.PutUint32(m[44:], headerLen)
	return append(m, 0, 0, 0, 0)
}

func (s *ntlmServer) verify(msg []byte) bool {
	field := func(at int) []byte {
		if len(msg) < at+8 {
			return nil
		}
		n, off := int(binary.LittleEndian.Uint16(msg[at:])), int(binary.LittleEndian.Uint32(msg[at+4:]))
		if off+n > len(msg) {
			return nil
		}
		return msg[off : off+n]
	}
	ntResponse, domain, user := field(20), field(28), field(36)
	if len(ntResponse) <= 16 || !bytes.Equal(domain, utf16le(s.domain)) || !bytes.Equal(user, utf16le(s.user)) {
		return false
	}
	h := md4.New()
	h.Write(utf16le(s.password))
	v2 := hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(s.user)+s.domain))
	proof := hmacMD5(v2, s.challenge[:], ntResponse[16:])
	return hmac.Equal(proof, ntResponse[:16])
}

func (s *ntlmServer) basicCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.basics
}

func utf16le(s string) []byte {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(out[2*i:], u)
	}
	return out
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

func ntlmSpec(url string) esv1.WebhookProvider {
	return esv1.WebhookProvider{
		URL: url,
		Auth: &esv1.WebhookAuth{NTLM: &esv1.NTLMProtocol{
			UserName: esmeta.SecretKeySelector{Name: "ntlm", Key: "username"},
			Password: esmeta.SecretKeySelector{Name: "ntlm", Key: "password"},
		}},
	}
}

func TestClient_NTLM(t *testing.T) {
	srv := newNTLMServer(t, "alice", "CORP", "Correct-Horse-1", "behind-ntlm")
	tests := []struct {
		name, password string
		wantErr        error
	}{
		{name: "the right password authenticates", password: "Correct-Horse-1"},
		{name: "a wrong password is refused", password: "Wrong-Horse-2", wantErr: providers.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kube := newKube(secret(storeNS, "ntlm", webhookLabel, map[string]string{"username": `CORP\alice`, "password": tt.password}))
			c := newClient(t, New(), namespacedStore(ntlmSpec(srv.URL)), kube, storeNS)
			got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("want %v, got %q, %v", tt.wantErr, got, err)
				}
				noLeak(t, err, tt.password)
				return
			}
			if err != nil || string(got) != "behind-ntlm" {
				t.Fatalf("GetSecret = %q, %v", got, err)
			}
		})
	}
	if n := srv.basicCount(); n != 0 {
		t.Fatalf("credentials were sent as Basic authentication %d times", n)
	}
}

// TestClient_NTLM_neverSendsBasic: a server asking for Basic authentication gets no
// credentials: auth.ntlm means NTLM, and Basic would hand the password over in clear.
func TestClient_NTLM_neverSendsBasic(t *testing.T) {
	var mu sync.Mutex
	var authHeaders []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		authHeaders = append(authHeaders, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	kube := newKube(secret(storeNS, "ntlm", webhookLabel, map[string]string{"username": "alice", "password": "Correct-Horse-1"}))
	c := newClient(t, New(), namespacedStore(ntlmSpec(srv.URL)), kube, storeNS)
	if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "k"}); !errors.Is(err, providers.ErrUnauthorized) {
		t.Fatalf("GetSecret: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, h := range authHeaders {
		if h != "" {
			t.Fatalf("the server received credentials: %q", h)
		}
	}
	if len(authHeaders) == 0 {
		t.Fatal("the server was not called")
	}
}

func TestClient_NTLM_credentialsNeedTheLabel(t *testing.T) {
	kube := newKube(secret(storeNS, "ntlm", nil, map[string]string{"username": "alice", "password": "Correct-Horse-1"}))
	_, err := New().NewClient(ctx(t), namespacedStore(ntlmSpec("http://127.0.0.1")), kube, storeNS)
	if !errors.Is(err, ErrSecretNotLabelled) || !strings.Contains(err.Error(), "auth.ntlm.usernameSecret") {
		t.Fatalf("got %v", err)
	}
}
