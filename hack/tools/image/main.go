// Command image assembles the external-secrets container image without a container engine:
// one layer holding the static binary, /etc/passwd and /etc/group entries for the nonroot user
// (65532), and the CA certificates of the build machine, on an empty base. It is the same
// image the Dockerfile builds on distroless/static:nonroot (which holds the same files), for
// machines that can neither run Docker nor pull a base image.
//
// Usage (`make image`):
//
//	go run . -binary bin/image/external-secrets -ref ghcr.io/seedb5e69c69/external-secrets:dev \
//	    -layout bin/image/layout -tarball bin/image.tar
//
// The OCI layout can be pushed with `crane push bin/image/layout REF` or copied with skopeo
// (`skopeo copy oci:bin/image/layout docker://REF`); the tarball loads with `docker load -i`,
// `podman load -i` or `kind load image-archive`.
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed facts; the Dockerfile must agree (checked by the tests).
const (
	binaryPath = "/bin/external-secrets"
	caPath     = "/etc/ssl/certs/ca-certificates.crt"
	uid        = 65532
	user       = "65532:65532"
	home       = "/home/nonroot"
)

// options say what goes into the image.
type options struct {
	binary   string // the static linux binary
	caBundle string // PEM CA certificates copied into the image
	arch     string // GOARCH of the binary
	ref      string // image reference recorded in the layout and the tarball
	version  string // org.opencontainers.image.version label
	created  time.Time
}

func main() {
	var o options
	var layoutDir, tarballPath string
	flag.StringVar(&o.binary, "binary", "", "The statically linked linux external-secrets binary.")
	flag.StringVar(&o.caBundle, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "PEM bundle of CA certificates to ship (the build machine's).")
	flag.StringVar(&o.arch, "arch", runtime.GOARCH, "GOARCH the binary was built for.")
	flag.StringVar(&o.ref, "ref", "ghcr.io/seedb5e69c69/external-secrets:dev", "Image reference (name:tag) recorded in the outputs.")
	flag.StringVar(&o.version, "version", "dev", "Value of the org.opencontainers.image.version label.")
	flag.StringVar(&layoutDir, "layout", "", "Write the image as an OCI image layout into this directory (replaced).")
	flag.StringVar(&tarballPath, "tarball", "", "Also write a `docker load` tarball here.")
	flag.Parse()
	o.created = sourceDateEpoch()
	if err := run(o, layoutDir, tarballPath); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(o options, layoutDir, tarballPath string) error {
	if o.binary == "" || layoutDir == "" {
		return errors.New("-binary and -layout are required")
	}
	img, err := build(o)
	if err != nil {
		return err
	}
	if err := writeLayout(img, layoutDir, o.ref); err != nil {
		return err
	}
	if tarballPath != "" {
		tag, err := name.NewTag(o.ref)
		if err != nil {
			return err
		}
		if err := tarball.WriteToFile(tarballPath, tag, img); err != nil {
			return fmt.Errorf("writing %s: %w", tarballPath, err)
		}
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("built %s (%s) into %s\n", o.ref, digest, layoutDir)
	return nil
}

// build assembles the image: one layer on an empty base, OCI media types, and a config that
// runs the binary as the nonroot user.
func build(o options) (v1.Image, error) {
	layerTar, err := rootFS(o)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:     layer,
		History:   v1.History{CreatedBy: "hack/tools/image: external-secrets, passwd, group, CA certificates", Created: v1.Time{Time: o.created}},
		MediaType: types.OCILayer,
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", o.arch
	cf.Created = v1.Time{Time: o.created}
	cf.Config.User = user
	cf.Config.Entrypoint = []string{binaryPath}
	cf.Config.Cmd = nil
	cf.Config.WorkingDir = home
	cf.Config.Env = []string{"PATH=/bin", "SSL_CERT_FILE=" + caPath, "HOME=" + home}
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":   "external-secrets",
		"org.opencontainers.image.source":  "https://github.com/seedb5e69c69/external-secrets",
		"org.opencontainers.image.version": o.version,
	}
	return mutate.ConfigFile(img, cf)
}

// rootFS is the layer: directories, the binary (owned by root, not writable by the user), the
// user and group files, and the CA bundle. Every entry has the same timestamp, so the same
// inputs give the same digest.
func rootFS(o options) ([]byte, error) {
	bin, err := os.ReadFile(o.binary)
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(o.caBundle)
	if err != nil {
		return nil, fmt.Errorf("reading the CA bundle (install ca-certificates or pass -ca-bundle): %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := func(path string, mode int64, owner int) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: path + "/", Mode: mode, Uid: owner, Gid: owner, ModTime: o.created, Format: tar.FormatPAX})
	}
	file := func(path string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: path, Mode: mode, Size: int64(len(data)), ModTime: o.created, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	steps := []func() error{
		func() error { return dir("bin", 0o755, 0) },
		func() error { return dir("etc", 0o755, 0) },
		func() error { return dir("etc/ssl", 0o755, 0) },
		func() error { return dir("etc/ssl/certs", 0o755, 0) },
		func() error { return dir("home", 0o755, 0) },
		func() error { return dir(home[1:], 0o700, uid) },
		func() error { return dir("tmp", 0o1777, 0) },
		func() error { return file(binaryPath[1:], 0o755, bin) },
		func() error {
			return file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:"+strconv.Itoa(uid)+":"+strconv.Itoa(uid)+":nonroot:"+home+":/sbin/nologin\n"))
		},
		func() error { return file("etc/group", 0o644, []byte("root:x:0:\nnonroot:x:"+strconv.Itoa(uid)+":\n")) },
		func() error { return file("etc/nsswitch.conf", 0o644, []byte("hosts: files dns\n")) },
		func() error { return file(caPath[1:], 0o644, ca) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeLayout replaces dir with an OCI image layout holding img, tagged ref.
func writeLayout(img v1.Image, dir, ref string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref}))
}

// sourceDateEpoch is SOURCE_DATE_EPOCH when set (reproducible builds), else the Unix epoch.
func sourceDateEpoch() time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Unix(0, 0).UTC()
}
