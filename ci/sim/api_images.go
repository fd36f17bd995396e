package sim

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// handleImages is the image look-up of each form: v1's GET
// /v1/images/list with one TagOrDigest object, v1's GET /v1/images with
// an array of {digest|tag} and/or the query's digest and tag, legacy's
// GET /v1/images/list with an array of {digest|tagged}. No filter lists
// every image. An image that is not there is answered in the shape
// Options.Answers.ImageNotFound selects (kraftkit polls until it appears).
func (s *Sim) handleImages(c *call) {
	var filters []imageFilter
	if c.form.Batch() {
		if err := c.decode(&filters); err != nil {
			s.malformed(c, err)
			return
		}
	} else if len(c.body) > 0 {
		var one imageFilter
		if err := c.decode(&one); err != nil {
			s.malformed(c, err)
			return
		}
		filters = []imageFilter{one}
	}
	if c.form.Op == "GetImagesByQuery" {
		q := c.r.URL.Query()
		if d := q.Get("digest"); d != "" {
			filters = append(filters, imageFilter{Digest: d})
		}
		if t := q.Get("tag"); t != "" {
			filters = append(filters, imageFilter{Tag: t})
		}
	}
	all := s.images()
	if len(filters) == 0 {
		respond(s, c, all)
		return
	}
	var out []imageItem
	var missing []string
	for _, f := range filters {
		want := f.Digest + f.Tag + f.Tagged // exactly one is set
		if img, ok := s.matchImage(all, f.Digest != "", want); ok {
			out = append(out, img)
			continue
		}
		missing = append(missing, want)
		out = append(out, imageItem{result: failure(spec.ErrNotFound, "No image with name '"+want+"'")})
	}
	if len(missing) == 0 || s.opts.Answers.ImageNotFound == AnswerItem {
		respond(s, c, out)
		return
	}
	// GetImagesResponse's example: a top-level "No images found" (v1's
	// Image has no per-item status).
	if s.opts.Answers.ImageNotFound == AnswerMessage {
		var found []imageItem
		for _, img := range out {
			if !img.failed() {
				found = append(found, img)
			}
		}
		if found == nil {
			found = []imageItem{}
		}
		s.writeJSON(c.w, http.StatusOK, envelope{Status: spec.FailedStatus(s.opts.Dialect), Message: "No images found",
			Data: map[string]any{c.form.Kind: found}, OpTimeUs: max(time.Since(c.start).Microseconds(), 1)})
		return
	}
	s.writeRefusal(c.w, c.form, &spec.Refusal{Status: http.StatusNotFound, Code: spec.ErrNotFound,
		Message: "No image with name '" + strings.Join(missing, "', '") + "'"})
}

// matchImage finds the image named by a digest ("user/app@sha256:...")
// or a tag ("user/app:latest").
func (s *Sim) matchImage(all []imageItem, byDigest bool, want string) (imageItem, bool) {
	ref := parseImageRef(want, s.ep.Registry)
	for _, img := range all {
		repo, dig, _ := strings.Cut(img.Digest, "@")
		if repo != ref.Repo {
			continue
		}
		if byDigest && ref.Digest != "" && dig == ref.Digest {
			return img, true
		}
		if !byDigest && ref.Digest == "" && slices.Contains(s.tagsOf(repo, dig), ref.Repo+":"+ref.Tag) {
			return img, true
		}
	}
	return imageItem{}, false
}

// propagated says whether the API sees the manifest digest yet.
func (s *Sim) propagated(digest string) bool {
	at := s.reg.pushedAt(digest)
	return s.opts.ImagePropagation <= 0 || at.IsZero() || time.Since(at) >= s.opts.ImagePropagation
}

// tagsOf lists the tags of repo that point at digest.
func (s *Sim) tagsOf(repo, digest string) []string {
	var out []string
	for _, tag := range s.reg.tags(repo) {
		if _, d, _, err := s.reg.manifest(repo, tag); err == nil && d == digest {
			out = append(out, repo+":"+tag)
		}
	}
	return out
}

// images lists the registry's images, one entry per digest with its tags
// (tags are v1's; the legacy Image has none).
func (s *Sim) images() []imageItem {
	var out []imageItem
	for _, repo := range s.reg.repos() {
		byDigest := map[string]int{}
		for _, tag := range s.reg.tags(repo) {
			info, err := s.reg.inspect(repo, tag)
			if err != nil {
				continue
			}
			id := repo + "@" + info.Digest
			if !s.propagated(info.Digest) {
				continue
			}
			if i, ok := byDigest[id]; ok {
				if s.opts.Dialect != spec.Legacy {
					out[i].Tags = append(out[i].Tags, repo+":"+tag)
				}
				continue
			}
			byDigest[id] = len(out)
			img := imageItem{Digest: id, Initrd: info.Initrd, SizeInBytes: info.Size, Args: strings.Join(info.Cmd, " "), Labels: info.Labels}
			if s.opts.Dialect != spec.Legacy {
				img.Tags = []string{repo + ":" + tag}
			}
			out = append(out, img)
		}
	}
	return out
}

// Hard quotas the simulator reports; the limits are the bounds its
// description enforces (spec.MinMemoryMB and the rest).
var hardQuota = quotaCounts{Instances: 64, LiveInstances: 64, LiveVCPUs: 32, LiveMemoryMB: 32768, ServiceGroups: 64,
	Services: 128, Volumes: 64, TotalVolumeMB: 65536}

func (s *Sim) handleQuotas(c *call) {
	s.mu.Lock()
	q := quotaItem{result: success, UUID: newUUIDFor(s.user), Hard: hardQuota,
		Limits: quotaLimits{MinMemoryMB: spec.MinMemoryMB, MaxMemoryMB: spec.MaxMemoryMB, MinVolumeMB: spec.MinVolumeMB, MaxVolumeMB: spec.MaxVolumeMB,
			MinAutoscaleSize: 1, MaxAutoscaleSize: 16, MinVCPUs: spec.MinVCPUs, MaxVCPUs: spec.MaxVCPUs}}
	for _, inst := range s.instances {
		q.Used.Instances++
		if inst.run != nil {
			q.Used.LiveInstances++
			q.Used.LiveVCPUs += inst.vcpus
			q.Used.LiveMemoryMB += inst.memoryMB
		}
	}
	q.Used.ServiceGroups = len(s.groups)
	for _, g := range s.groups {
		q.Used.Services += len(g.services)
	}
	q.Used.Volumes = len(s.volumes)
	for _, v := range s.volumes {
		q.Used.TotalVolumeMB += v.sizeMB
	}
	s.mu.Unlock()
	if s.opts.Dialect == spec.Legacy { // the legacy quotas item: used, hard, limits without vCPUs
		q.UUID, q.Used.LiveVCPUs, q.Hard.LiveVCPUs, q.Limits.MinVCPUs, q.Limits.MaxVCPUs = "", 0, 0, 0, 0
	}
	respond(s, c, []quotaItem{q})
}
