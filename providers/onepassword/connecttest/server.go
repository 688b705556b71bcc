// Package connecttest is an in-memory 1Password Connect server for tests: it speaks the
// REST API that connect-sdk-go uses (vaults, items, files, with title filters), checks the
// Bearer token, and answers errors with Connect's body {"status":N,"message":"..."}.
package connecttest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/1Password/connect-sdk-go/onepassword"
)

// Version is the Connect version the server reports in the 1Password-Connect-Version
// header; the SDK refuses file calls to servers older than 1.3.0.
const Version = "1.7.3"

// idAlphabet is the alphabet of 1Password IDs (26 characters of [a-z0-9]).
const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to give the SDK as the Connect host.
	URL string

	mu       sync.Mutex
	token    string
	vaults   []*vault
	requests []string // "METHOD path"
}

type vault struct {
	onepassword.Vault
	items []*storedItem
}

type storedItem struct {
	item  onepassword.Item
	files []*storedFile
}

type storedFile struct {
	meta    onepassword.File
	content []byte
}

// New starts a server accepting token; it stops when the test ends.
func New(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{token: token}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// NewID returns a fresh 1Password-style ID.
func NewID() string {
	b := make([]byte, 26)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// AddVault creates a vault and returns its ID.
func (s *Server) AddVault(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC()
	v := &vault{Vault: onepassword.Vault{ID: NewID(), Name: name, Type: onepassword.UserCreatedVault, CreatedAt: now, UpdatedAt: now}}
	s.vaults = append(s.vaults, v)
	return v.ID
}

// AddItem stores item in the vault vaultID and returns its ID (item.ID when set). Fields
// without an ID get one.
func (s *Server) AddItem(vaultID string, item onepassword.Item) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vault(vaultID)
	if v == nil {
		panic("connecttest: no vault " + vaultID)
	}
	si := s.store(v, item)
	return si.item.ID
}

// AddFile attaches a file to an item and returns the file's ID.
func (s *Server) AddFile(vaultID, itemID, name string, content []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	si := s.item(vaultID, itemID)
	if si == nil {
		panic("connecttest: no item " + itemID)
	}
	id := NewID()
	si.files = append(si.files, &storedFile{
		meta: onepassword.File{
			ID: id, Name: name, Size: len(content),
			ContentPath: fmt.Sprintf("/v1/vaults/%s/items/%s/files/%s/content", vaultID, itemID, id),
		},
		content: content,
	})
	return id
}

// DeleteItem removes an item, as if someone deleted it in 1Password.
func (s *Server) DeleteItem(vaultID, itemID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(vaultID, itemID)
}

// Requests returns the requests served so far, as "METHOD path?query".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) store(v *vault, item onepassword.Item) *storedItem {
	if item.ID == "" {
		item.ID = NewID()
	}
	item.Vault = onepassword.ItemVault{ID: v.ID}
	if item.Category == "" {
		item.Category = onepassword.Login
	}
	for _, f := range item.Fields {
		if f.ID == "" {
			f.ID = NewID()
		}
	}
	now := time.Now().UTC()
	item.CreatedAt, item.UpdatedAt, item.Version = now, now, 1
	item.Files = nil
	si := &storedItem{item: item}
	v.items = append(v.items, si)
	return si
}

func (s *Server) vault(id string) *vault {
	for _, v := range s.vaults {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func (s *Server) item(vaultID, itemID string) *storedItem {
	v := s.vault(vaultID)
	if v == nil {
		return nil
	}
	for _, si := range v.items {
		if si.item.ID == itemID {
			return si
		}
	}
	return nil
}

func (s *Server) remove(vaultID, itemID string) bool {
	v := s.vault(vaultID)
	if v == nil {
		return false
	}
	for i, si := range v.items {
		if si.item.ID == itemID {
			v.items = append(v.items[:i], v.items[i+1:]...)
			return true
		}
	}
	return false
}

// full is an item as GET /v1/vaults/{vault}/items/{item} returns it: with fields,
// sections and file references.
func (si *storedItem) full() onepassword.Item {
	out := si.item
	out.Files = nil
	for _, f := range si.files {
		meta := f.meta
		out.Files = append(out.Files, &meta)
	}
	return out
}

// summary is an item as the item list returns it: no fields, sections or files.
func (si *storedItem) summary() onepassword.Item {
	out := si.item
	out.Fields, out.Sections, out.Files = nil, nil, nil
	return out
}

var (
	reVaults  = regexp.MustCompile(`^/v1/vaults$`)
	reVault   = regexp.MustCompile(`^/v1/vaults/([^/]+)$`)
	reItems   = regexp.MustCompile(`^/v1/vaults/([^/]+)/items$`)
	reItem    = regexp.MustCompile(`^/v1/vaults/([^/]+)/items/([^/]+)$`)
	reFiles   = regexp.MustCompile(`^/v1/vaults/([^/]+)/items/([^/]+)/files$`)
	reFile    = regexp.MustCompile(`^/v1/vaults/([^/]+)/items/([^/]+)/files/([^/]+)$`)
	reContent = regexp.MustCompile(`^/v1/vaults/([^/]+)/items/([^/]+)/files/([^/]+)/content$`)
	// reFilter is the one filter form the SDK sends: `title eq "x"` (Connect also accepts
	// `name eq` for vaults).
	reFilter = regexp.MustCompile(`^(title|name) eq "(.*)"$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
	w.Header().Set("1Password-Connect-Version", Version)
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		writeError(w, http.StatusUnauthorized, "Invalid token signature")
		return
	}
	p := r.URL.Path
	var m []string
	switch {
	case r.Method == http.MethodGet && reVaults.MatchString(p):
		s.listVaults(w, r)
	case r.Method == http.MethodGet && match(reVault, p, &m):
		if v := s.vault(m[1]); v != nil {
			writeJSON(w, http.StatusOK, v.Vault)
		} else {
			writeError(w, http.StatusNotFound, fmt.Sprintf("vault %s not found", m[1]))
		}
	case match(reItems, p, &m):
		s.items(w, r, m[1])
	case match(reItem, p, &m):
		s.itemOp(w, r, m[1], m[2])
	case r.Method == http.MethodGet && match(reFiles, p, &m):
		s.listFiles(w, r, m[1], m[2])
	case r.Method == http.MethodGet && match(reFile, p, &m):
		if f := s.fileOf(w, m[1], m[2], m[3]); f != nil {
			writeJSON(w, http.StatusOK, fileJSON(f, r.URL.Query().Get("inline_files") == "true"))
		}
	case r.Method == http.MethodGet && match(reContent, p, &m):
		if f := s.fileOf(w, m[1], m[2], m[3]); f != nil {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(f.content)
		}
	default:
		writeError(w, http.StatusNotFound, "Not found")
	}
}

func match(re *regexp.Regexp, p string, m *[]string) bool {
	*m = re.FindStringSubmatch(p)
	return *m != nil
}

// titleFilter parses ?filter=; ok is false (and a 400 written) for a filter it cannot read.
func titleFilter(w http.ResponseWriter, r *http.Request) (title string, set, ok bool) {
	f := r.URL.Query().Get("filter")
	if f == "" {
		return "", false, true
	}
	m := reFilter.FindStringSubmatch(f)
	if m == nil {
		writeError(w, http.StatusBadRequest, "Invalid filter query: "+f)
		return "", false, false
	}
	return m[2], true, true
}

func (s *Server) listVaults(w http.ResponseWriter, r *http.Request) {
	title, set, ok := titleFilter(w, r)
	if !ok {
		return
	}
	out := []onepassword.Vault{}
	for _, v := range s.vaults {
		if !set || v.Name == title {
			meta := v.Vault
			meta.Items = len(v.items)
			out = append(out, meta)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) items(w http.ResponseWriter, r *http.Request, vaultID string) {
	v := s.vault(vaultID)
	if v == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("vault %s not found", vaultID))
		return
	}
	switch r.Method {
	case http.MethodGet:
		title, set, ok := titleFilter(w, r)
		if !ok {
			return
		}
		out := []onepassword.Item{}
		for _, si := range v.items {
			if !set || si.item.Title == title {
				out = append(out, si.summary())
			}
		}
		writeJSON(w, http.StatusOK, out)
	case http.MethodPost:
		var item onepassword.Item
		if err := json.NewDecoder(r.Body).Decode(&item); err != nil {
			writeError(w, http.StatusBadRequest, "Invalid item: "+err.Error())
			return
		}
		item.ID = ""
		si := s.store(v, item)
		writeJSON(w, http.StatusOK, si.full())
	default:
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
	}
}

func (s *Server) itemOp(w http.ResponseWriter, r *http.Request, vaultID, itemID string) {
	si := s.item(vaultID, itemID)
	if si == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("item %s not found", itemID))
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, si.full())
	case http.MethodPut:
		var item onepassword.Item
		if err := json.NewDecoder(r.Body).Decode(&item); err != nil {
			writeError(w, http.StatusBadRequest, "Invalid item: "+err.Error())
			return
		}
		if item.ID != itemID {
			writeError(w, http.StatusBadRequest, "item ID in body does not match the path")
			return
		}
		for _, f := range item.Fields {
			if f.ID == "" {
				f.ID = NewID()
			}
		}
		item.Vault = si.item.Vault
		item.CreatedAt, item.UpdatedAt, item.Version = si.item.CreatedAt, time.Now().UTC(), si.item.Version+1
		item.Files = nil
		si.item = item
		writeJSON(w, http.StatusOK, si.full())
	case http.MethodDelete:
		s.remove(vaultID, itemID)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
	}
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request, vaultID, itemID string) {
	si := s.item(vaultID, itemID)
	if si == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("item %s not found", itemID))
		return
	}
	inline := r.URL.Query().Get("inline_files") == "true"
	out := []map[string]any{}
	for _, f := range si.files {
		out = append(out, fileJSON(f, inline))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) fileOf(w http.ResponseWriter, vaultID, itemID, fileID string) *storedFile {
	si := s.item(vaultID, itemID)
	if si == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("item %s not found", itemID))
		return nil
	}
	for _, f := range si.files {
		if f.meta.ID == fileID {
			return f
		}
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("file %s not found", fileID))
	return nil
}

// fileJSON is a file as Connect describes it; content (base64) only with inline_files.
func fileJSON(f *storedFile, inline bool) map[string]any {
	out := map[string]any{"id": f.meta.ID, "name": f.meta.Name, "size": f.meta.Size, "content_path": f.meta.ContentPath}
	if inline {
		out["content"] = f.content
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"status": status, "message": message})
}

// SetToken changes the token the server accepts.
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = strings.TrimSpace(token)
}
