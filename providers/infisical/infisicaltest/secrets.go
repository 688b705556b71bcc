package infisicaltest

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// scopeLocked resolves the project and environment of a read, or writes the error the real
// API gives.
func (s *Server) scopeLocked(w http.ResponseWriter, q map[string][]string) (*project, string, bool) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var p *project
	switch {
	case get("workspaceId") != "":
		for _, candidate := range s.projects {
			if candidate.id == get("workspaceId") {
				p = candidate
			}
		}
	case get("workspaceSlug") != "":
		p = s.projects[get("workspaceSlug")]
	default:
		writeError(w, http.StatusBadRequest, "BadRequest", "Missing workspaceId or workspaceSlug")
		return nil, "", false
	}
	if p == nil {
		writeError(w, http.StatusNotFound, "NotFound", "Project not found")
		return nil, "", false
	}
	env := get("environment")
	if s.denied[env] {
		writeError(w, http.StatusForbidden, "PermissionDenied", "You are not allowed to read secrets in this environment")
		return nil, "", false
	}
	if p.envs[env] == nil {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Environment with slug '%s' in project with ID '%s' not found", env, p.id))
		return nil, "", false
	}
	return p, env, true
}

// secretJSON is the raw secret shape of the v3 API.
func (s *Server) secretJSON(p *project, env, folderPath, key string, sec *secret, version int, expand bool) map[string]any {
	value := sec.versions[version-1]
	if expand {
		value = s.expandLocked(p, env, folderPath, value, 0)
	}
	metadata := []map[string]string{}
	keys := make([]string, 0, len(sec.metadata))
	for k := range sec.metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		metadata = append(metadata, map[string]string{"key": k, "value": sec.metadata[k]})
	}
	return map[string]any{
		"id":             sec.id,
		"_id":            sec.id,
		"workspace":      p.id,
		"environment":    env,
		"version":        version,
		"type":           "shared",
		"secretKey":      key,
		"secretValue":    value,
		"secretComment":  "",
		"secretPath":     folderPath,
		"tags":           []any{},
		"secretMetadata": metadata,
	}
}

var referencePattern = regexp.MustCompile(`\$\{([^}]+)\}`)

// expandLocked resolves ${KEY} (same folder) and ${env.a.b.KEY} (folder /a/b of env).
func (s *Server) expandLocked(p *project, env, folderPath, value string, depth int) string {
	if depth > 5 {
		return value
	}
	return referencePattern.ReplaceAllStringFunc(value, func(ref string) string {
		parts := strings.Split(referencePattern.FindStringSubmatch(ref)[1], ".")
		refEnv, refPath, refKey := env, folderPath, parts[len(parts)-1]
		if len(parts) > 1 {
			refEnv, refPath = parts[0], "/"+strings.Join(parts[1:len(parts)-1], "/")
		}
		e := p.envs[refEnv]
		if e == nil || e.folders[cleanPath(refPath)] == nil {
			return ""
		}
		sec := e.folders[cleanPath(refPath)].secrets[refKey]
		if sec == nil {
			return ""
		}
		return s.expandLocked(p, refEnv, cleanPath(refPath), sec.versions[len(sec.versions)-1], depth+1)
	})
}

func (s *Server) retrieve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	p, env, ok := s.scopeLocked(w, q)
	if !ok {
		return
	}
	key := r.PathValue("key")
	folderPath := cleanPath(q.Get("secretPath"))
	expand := q.Get("expandSecretReferences") == "true"
	version := 0
	if v := q.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusUnprocessableEntity, "ValidationFailure", "version must be a positive integer")
			return
		}
		version = n
	}
	candidates := []importRef{{env: env, path: folderPath}}
	if f := p.envs[env].folders[folderPath]; f != nil && q.Get("include_imports") == "true" {
		candidates = append(candidates, f.imports...)
	}
	for _, c := range candidates {
		e := p.envs[c.env]
		if e == nil || e.folders[c.path] == nil {
			continue
		}
		sec := e.folders[c.path].secrets[key]
		if sec == nil {
			continue
		}
		v := version
		if v == 0 {
			v = len(sec.versions)
		}
		if v > len(sec.versions) {
			writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Secret version %d not found", v))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"secret": s.secretJSON(p, c.env, c.path, key, sec, v, expand)})
		return
	}
	writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Secret with name '%s' not found", key))
}

// folderJSON renders the secrets of one folder, sorted by key, at their latest versions.
func (s *Server) folderJSON(p *project, env, path string, f *folder, expand bool) []map[string]any {
	keys := make([]string, 0, len(f.secrets))
	for k := range f.secrets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		sec := f.secrets[k]
		out = append(out, s.secretJSON(p, env, path, k, sec, len(sec.versions), expand))
	}
	return out
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	p, env, ok := s.scopeLocked(w, q)
	if !ok {
		return
	}
	folderPath := cleanPath(q.Get("secretPath"))
	expand := q.Get("expandSecretReferences") == "true"
	e := p.envs[env]
	folders := []string{}
	for fp := range e.folders {
		inside := fp == folderPath || (q.Get("recursive") == "true" && strings.HasPrefix(fp, strings.TrimSuffix(folderPath, "/")+"/"))
		if inside {
			folders = append(folders, fp)
		}
	}
	sort.Strings(folders)
	secrets := []map[string]any{}
	for _, fp := range folders {
		secrets = append(secrets, s.folderJSON(p, env, fp, e.folders[fp], expand)...)
	}
	imports := []map[string]any{}
	if f := e.folders[folderPath]; f != nil && q.Get("include_imports") == "true" {
		for _, imp := range f.imports {
			block := map[string]any{"secretPath": imp.path, "environment": imp.env, "folderId": "folder-" + imp.env + imp.path}
			imported := []map[string]any{}
			if ie := p.envs[imp.env]; ie != nil && ie.folders[imp.path] != nil {
				imported = s.folderJSON(p, imp.env, imp.path, ie.folders[imp.path], expand)
			}
			block["secrets"] = imported
			imports = append(imports, block)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"secrets": secrets, "imports": imports})
}
