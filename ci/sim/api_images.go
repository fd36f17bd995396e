package sim

import (
	"net/http"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// handleListImages is GET /v1/images/list: every image in the registry,
// or the ones the body's {"tag"} / {"digest"} items name (an unknown one
// is a NotFound item: kraftkit polls until it appears).
func (s *Sim) handleListImages(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	filters, err := decodeItems(r, func(*api.ImageFilter, string) {})
	if err != nil {
		malformed(w, err)
		return
	}
	all := s.images()
	if len(filters) == 0 {
		respond(w, start, api.KindImages, all)
		return
	}
	var out []api.Image
	for _, f := range filters {
		out = append(out, s.matchImage(all, f))
	}
	respond(w, start, api.KindImages, out)
}

// handleImageByRef is the current SDK's GET /v1/images/tag/{tag} and
// /v1/images/digest/{digest}.
func (s *Sim) handleImageByRef(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	f := api.ImageFilter{Tag: r.PathValue("ref")}
	if strings.HasPrefix(r.URL.Path, "/v1/images/digest/") {
		f = api.ImageFilter{Digest: r.PathValue("ref")}
	}
	respond(w, start, api.KindImages, []api.Image{s.matchImage(s.images(), f)})
}

func (s *Sim) matchImage(all []api.Image, f api.ImageFilter) api.Image {
	want := f.Tag
	if f.Digest != "" {
		want = f.Digest
	}
	ref := parseImageRef(want, s.ep.Registry)
	for _, img := range all {
		repo, dig, _ := strings.Cut(img.Digest, "@")
		if repo != ref.Repo {
			continue
		}
		if ref.Digest != "" && dig == ref.Digest {
			return img
		}
		for _, t := range img.Tags {
			if ref.Digest == "" && t == ref.Repo+":"+ref.Tag {
				return img
			}
		}
	}
	return api.Image{ItemStatus: itemError(api.ErrNotFound, "No image '%s'", want)}
}

// images lists the registry's images, one entry per digest with its tags.
func (s *Sim) images() []api.Image {
	var out []api.Image
	for _, repo := range s.reg.repos() {
		byDigest := map[string]int{}
		for _, tag := range s.reg.tags(repo) {
			info, err := s.reg.inspect(repo, tag)
			if err != nil {
				continue
			}
			id := repo + "@" + info.Digest
			if i, ok := byDigest[id]; ok {
				out[i].Tags = append(out[i].Tags, repo+":"+tag)
				continue
			}
			byDigest[id] = len(out)
			out = append(out, api.Image{ItemStatus: success, Digest: id, Tags: []string{repo + ":" + tag},
				Initrd: info.Initrd != nil, SizeInBytes: info.Size, Args: strings.Join(info.Cmd, " "), Labels: info.Labels})
		}
	}
	return out
}

// Hard quotas the simulator reports. Only memory_mb bounds are enforced.
var hardQuota = api.QuotaCounts{Instances: 64, LiveVCPUs: 32, LiveMemoryMB: 32768, ServiceGroups: 64,
	Services: 128, Volumes: 64, TotalVolumeMB: 65536}

func (s *Sim) handleQuotas(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.mu.Lock()
	q := api.Quotas{ItemStatus: success, UUID: newUUIDFor(s.user), Hard: hardQuota,
		Limits: api.QuotaLimits{MinMemoryMB: minMemoryMB, MaxMemoryMB: maxMemoryMB, MinVCPUs: 1, MaxVCPUs: 8, MinVolumeMB: 1, MaxVolumeMB: 65536}}
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
	respond(w, start, api.KindQuotas, []api.Quotas{q})
}
