package main

import (
	"archive/tar"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The image `make image` built (ESO_IMAGE_LAYOUT, from ESO_IMAGE_BINARY): the user is the
// non-root 65532, the entrypoint is the binary, and the layer holds that very binary, which
// runs.
func TestBuiltImage(t *testing.T) {
	dir, binary := os.Getenv("ESO_IMAGE_LAYOUT"), os.Getenv("ESO_IMAGE_BINARY")
	if dir == "" || binary == "" {
		t.Skip("ESO_IMAGE_LAYOUT and ESO_IMAGE_BINARY are not set: run `make test-image`")
	}
	img := imageFromLayout(t, dir)
	want, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	files := checkImage(t, img, want)
	// The binary in the layer is the static linux binary and starts.
	path := filepath.Join(t.TempDir(), "external-secrets")
	if err := os.WriteFile(path, files[binaryPath].data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "webhook") || !strings.Contains(string(out), "certcontroller") {
		t.Errorf("%s --help from the image: %v\n%s", binaryPath, err, out)
	}
}

// build, on a stand-in binary and CA bundle: the same checks, the layout and the tarball read
// back, and the same inputs give the same digest.
func TestBuild(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	ca := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(bin, []byte("\x7fELF stand-in"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, testCA(t), 0o644); err != nil {
		t.Fatal(err)
	}
	o := options{binary: bin, caBundle: ca, arch: "amd64", ref: "example.test/eso:t", version: "t", created: time.Unix(0, 0).UTC()}
	if err := run(o, filepath.Join(dir, "layout"), filepath.Join(dir, "image.tar")); err != nil {
		t.Fatal(err)
	}
	img := imageFromLayout(t, filepath.Join(dir, "layout"))
	checkImage(t, img, []byte("\x7fELF stand-in"))

	fromTar, err := tarball.ImageFromPath(filepath.Join(dir, "image.tar"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := fromTar.ConfigName()
	c1, _ := img.ConfigName()
	if d2 != c1 {
		t.Errorf("the tarball holds config %s, the layout %s", d2, c1)
	}
	again, err := build(o)
	if err != nil {
		t.Fatal(err)
	}
	if d3, _ := again.Digest(); d3 != d1 {
		t.Errorf("not reproducible: %s then %s", d1, d3)
	}
	// Rebuilding into the same layout replaces the image rather than adding one.
	if err := run(o, filepath.Join(dir, "layout"), ""); err != nil {
		t.Fatal(err)
	}
	imageFromLayout(t, filepath.Join(dir, "layout"))
}

// The Dockerfile builds the same image: same binary path, entrypoint and user, on distroless
// static nonroot.
func TestDockerfileAgrees(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^FROM gcr\.io/distroless/static[-a-z0-9]*:nonroot$`),
		regexp.MustCompile(`(?m)^COPY --from=build /out/external-secrets ` + regexp.QuoteMeta(binaryPath) + `$`),
		regexp.MustCompile(`(?m)^USER ` + user + `$`),
		regexp.MustCompile(`(?m)^ENTRYPOINT \["` + regexp.QuoteMeta(binaryPath) + `"\]$`),
		regexp.MustCompile(`CGO_ENABLED=0`),
	} {
		if !want.MatchString(df) {
			t.Errorf("Dockerfile has no line matching %s", want)
		}
	}
}

type entry struct {
	hdr  *tar.Header
	data []byte
}

func imageFromLayout(t *testing.T, dir string) v1.Image {
	t.Helper()
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 {
		t.Fatalf("the layout holds %d manifests, want 1", len(m.Manifests))
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// checkImage checks the config and the files of img and returns the files by absolute path.
func checkImage(t *testing.T, img v1.Image, wantBinary []byte) map[string]entry {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532 (non-root)", c.User)
	}
	if !slices.Equal(c.Entrypoint, []string{binaryPath}) || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q, want [%s] and no cmd", c.Entrypoint, c.Cmd, binaryPath)
	}
	if cf.OS != "linux" || cf.Architecture == "" {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}
	files := readFiles(t, img)
	bin, ok := files[binaryPath]
	if !ok {
		t.Fatalf("no %s in the image; it has %v", binaryPath, keys(files))
	}
	if sha256.Sum256(bin.data) != sha256.Sum256(wantBinary) {
		t.Errorf("%s is not the binary that was built", binaryPath)
	}
	if bin.hdr.Mode&0o111 == 0 || bin.hdr.Uid != 0 || bin.hdr.Mode&0o022 != 0 {
		t.Errorf("%s: mode %o owner %d, want executable, owned by root, not writable by others", binaryPath, bin.hdr.Mode, bin.hdr.Uid)
	}
	if !strings.Contains(string(files["/etc/passwd"].data), "nonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd has no nonroot user 65532:\n%s", files["/etc/passwd"].data)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(files[caPath].data) {
		t.Errorf("%s holds no PEM certificate", caPath)
	}
	if h := files[home]; h.hdr == nil || h.hdr.Uid != 65532 {
		t.Errorf("%s is missing or not owned by the user", home)
	}
	return files
}

func readFiles(t *testing.T, img v1.Image) map[string]entry {
	t.Helper()
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	tr := tar.NewReader(rc)
	out := map[string]entry{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, tr); err != nil {
			t.Fatal(err)
		}
		out["/"+strings.TrimSuffix(hdr.Name, "/")] = entry{hdr: hdr, data: buf.Bytes()}
	}
}

func keys(m map[string]entry) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// testCA returns a PEM self-signed certificate, a stand-in for a CA bundle.
func testCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
