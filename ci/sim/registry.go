package sim

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// registry plays index.unikraft.io: an OCI distribution registry behind
// the same basic auth as the platform's, the base64-decoded token as
// user:secret (what kraftkit logs in with); anonymous pulls, even of
// official/base-compat, are denied. Blobs live on disk under the
// simulator's dir, manifests in memory.
type registry struct {
	inner        http.Handler
	blobs        ggcr.BlobHandler
	blobDir      string
	user, secret string

	mu     sync.Mutex
	pushed map[string]time.Time // manifest digest → when it was first pushed
}

func newRegistry(dir, user, secret string) (*registry, error) {
	blobDir := filepath.Join(dir, "blobs")
	if err := os.MkdirAll(blobDir, 0o755); err != nil {
		return nil, err
	}
	blobs := ggcr.NewDiskBlobHandler(blobDir)
	inner := ggcr.New(ggcr.WithBlobHandler(blobs), ggcr.Logger(log.New(io.Discard, "", 0)))
	return &registry{inner: inner, blobs: blobs, blobDir: blobDir, user: user, secret: secret, pushed: map[string]time.Time{}}, nil
}

// ServeHTTP checks the credentials, then serves the distribution API.
func (r *registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	u, p, ok := req.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(r.user)) != 1 ||
		subtle.ConstantTimeCompare([]byte(p), []byte(r.secret)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="index.unikraft.io"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintln(w, `{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized to access repository"}]}`)
		return
	}
	if req.Method != http.MethodPut || !strings.Contains(req.URL.Path, "/manifests/") {
		r.inner.ServeHTTP(w, req)
		return
	}
	rec := &pushRecorder{ResponseWriter: w}
	r.inner.ServeHTTP(rec, req)
	if d := rec.Header().Get("Docker-Content-Digest"); rec.status == http.StatusCreated && d != "" {
		r.mu.Lock()
		if _, ok := r.pushed[d]; !ok {
			r.pushed[d] = time.Now()
		}
		r.mu.Unlock()
	}
}

// pushRecorder notes the status of a manifest push.
type pushRecorder struct {
	http.ResponseWriter
	status int
}

func (p *pushRecorder) WriteHeader(code int) {
	p.status = code
	p.ResponseWriter.WriteHeader(code)
}

// pushedAt is when the manifest digest was first pushed (zero: not over
// HTTP, e.g. seeded).
func (r *registry) pushedAt(digest string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pushed[digest]
}

// local performs a request against the registry from inside the
// simulator (no network, no auth): how the platform's own nodes read it.
func (r *registry) local(method, path string, body []byte, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	r.inner.ServeHTTP(rec, req)
	return rec
}

// manifest returns a manifest (or index) by tag or digest, with its digest
// and media type.
func (r *registry) manifest(repo, ref string) (body []byte, digest, mediaType string, err error) {
	rec := r.local(http.MethodGet, "/v2/"+repo+"/manifests/"+ref, nil, nil)
	if rec.Code != http.StatusOK {
		return nil, "", "", fmt.Errorf("%s:%s: %w", repo, ref, errImageNotFound)
	}
	return rec.Body.Bytes(), rec.Header().Get("Docker-Content-Digest"), rec.Header().Get("Content-Type"), nil
}

// blob opens a blob from the disk store.
func (r *registry) blob(repo string, digest v1.Hash) (io.ReadCloser, error) {
	return r.blobs.Get(context.Background(), repo, digest)
}

// putBlob stores a blob directly (used to seed images).
func (r *registry) putBlob(repo string, b []byte) (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		return h, err
	}
	err = r.blobs.(ggcr.BlobPutHandler).Put(context.Background(), repo, h, io.NopCloser(bytes.NewReader(b)))
	return h, err
}

// putManifest stores a manifest or index under ref.
func (r *registry) putManifest(repo, ref, mediaType string, b []byte) error {
	rec := r.local(http.MethodPut, "/v2/"+repo+"/manifests/"+ref, b, http.Header{"Content-Type": {mediaType}})
	if rec.Code != http.StatusCreated {
		return fmt.Errorf("put manifest %s:%s: %d %s", repo, ref, rec.Code, rec.Body.String())
	}
	return nil
}

// repos lists the repositories, sorted.
func (r *registry) repos() []string {
	var c struct {
		Repositories []string `json:"repositories"`
	}
	_ = json.Unmarshal(r.local(http.MethodGet, "/v2/_catalog", nil, nil).Body.Bytes(), &c)
	sort.Strings(c.Repositories)
	return c.Repositories
}

// tags lists the tags of a repository, sorted.
func (r *registry) tags(repo string) []string {
	var t struct {
		Tags []string `json:"tags"`
	}
	_ = json.Unmarshal(r.local(http.MethodGet, "/v2/"+repo+"/tags/list", nil, nil).Body.Bytes(), &t)
	return t.Tags
}

// imageRef is an image reference the API accepts, normalised: repository
// in the registry ("official/base-compat", "sim/app") plus a tag or digest.
type imageRef struct {
	Repo   string
	Tag    string
	Digest string
}

// String is the reference in the API's own short form.
func (r imageRef) String() string {
	if r.Digest != "" {
		return r.Repo + "@" + r.Digest
	}
	return r.Repo + ":" + r.Tag
}

// Reference is the digest if there is one, else the tag.
func (r imageRef) Reference() string {
	if r.Digest != "" {
		return r.Digest
	}
	return r.Tag
}

// parseImageRef normalises what a user may put in a create's "image", the
// forms the platform and kraftkit accept:
// "user/app:latest", "user/app@sha256:...", "nginx:latest" (→ official/),
// with or without "index.unikraft.io/", "unikraft.io/", "oci://" or the
// simulator's own registry host in front; no tag means latest.
func parseImageRef(s, registryHost string) imageRef {
	s = strings.TrimPrefix(s, "oci://")
	for _, host := range []string{"index.unikraft.io/", "unikraft.io/", registryHost + "/"} {
		s = strings.TrimPrefix(s, host)
	}
	var ref imageRef
	if name, dig, ok := strings.Cut(s, "@"); ok {
		s, ref.Digest = name, dig
	}
	if i := strings.LastIndex(s, ":"); i > strings.LastIndex(s, "/") {
		s, ref.Tag = s[:i], s[i+1:]
	}
	if ref.Tag == "" && ref.Digest == "" {
		ref.Tag = "latest"
	}
	if !strings.Contains(s, "/") {
		s = "official/" + s
	}
	ref.Repo = s
	return ref
}
