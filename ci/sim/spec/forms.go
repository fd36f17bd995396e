package spec

import "strings"

// Dialect names the API generation a simulator speaks.
type Dialect string

const (
	// V1 is the newest published spec: platform.yaml v1.0.0 at
	// 04bf96b1949b557670d86a7c91b74aeefbc2a045, plus GET /v1/images of
	// the newest generated Go SDK (see imagesG).
	V1 Dialect = "v1"
	// Legacy is the 2024 spec: platform.yaml 0.6.0 at
	// 3ad398956ba262a9cae627a8baad93eed4c108bc, whose server URL ends in
	// /v1, so its paths are served under /v1 too.
	Legacy Dialect = "legacy"
)

// Form is one request form a dialect serves: a method and path pattern
// ({uuid} and {name} stand for one path segment), its query parameters
// and body, and the answer it gets.
type Form struct {
	Dialect Dialect
	Method  string
	Path    string
	// Op is the operation, named after v1's operationId (the legacy spec
	// names the same operations differently; the simulator keys its
	// handlers on these).
	Op string
	// Kind is the key under "data" holding the answer's items.
	Kind string

	query props
	body  *schema // nil: the form takes no body
	// listing: an empty body is allowed and means every object.
	listing bool
	answer  *schema // an item of the answer
}

// Batch reports whether the body is an array of items.
func (f *Form) Batch() bool { return f.body != nil && f.body.kind == kArray }

// Takes reports whether the form has a body.
func (f *Form) Takes() bool { return f.body != nil }

// Forms lists the forms of d, in a fixed order.
func Forms(d Dialect) []*Form {
	var out []*Form
	for _, f := range forms {
		if f.Dialect == d {
			out = append(out, f)
		}
	}
	return out
}

var forms = append(v1Forms(), legacyForms()...)

func v1Forms() []*Form {
	f := func(method, path, op, kind string, query props, body *schema, answer *schema) *Form {
		return &Form{Dialect: V1, Method: method, Path: path, Op: op, Kind: kind, query: query, body: body, answer: answer}
	}
	listing := func(fm *Form) *Form { fm.listing = true; return fm }
	start := props{"wait_timeout_ms": int64s(), "timeout_s": int64s()}
	stop := props{"force": boolean(), "drain_timeout_ms": drainTimeout(), "quick": boolean(), "ifstate": v1States()}
	wait := props{"state": v1States(), "timeout_ms": waitTimeout()}
	logs := props{"offset": int64s(), "limit": int64s()}
	del := props{"timeout_s": int64s()}
	details := props{"details": boolean()}
	attach := props{"attach_to": nameOrUUID(), "at": mountPoint(), "readonly": boolean()}
	policyName := object(props{"name": str()}).require("name")
	// CloneVolumesRequestItem and CloneVolumeByUUIDRequestBody.
	clone := props{"vol_name": str(), "quota_policy": enum("static", "dynamic"), "tags": volumeTags()}
	createVolume := object(props{
		"name": str(), "size_mb": integer(MinVolumeMB, MaxVolumeMB).codes(ErrInvalid, ErrQuota), "host_path": str(),
		"template": nameOrUUID(), "quota_policy": enum("static", "dynamic"), "filesystem": str(),
		"tags": volumeTags(), "uid": uint32s(), "gid": uint32s(), "args": strMap(),
	}).with(volumeSource)
	createGroup := object(props{
		"name": str(), "services": array(service(1)),
		"domains":    array(object(props{"name": str(), "certificate": nameOrUUID()}).require("name")),
		"soft_limit": uint64s(), "hard_limit": uint64s(),
		"autokill": object(props{"time_ms": uint64s()}),
	}).with(limits).with(distinctPorts)
	return []*Form{
		f("GET", "/v1/healthz", "Healthz", "", nil, nil, nil),

		listing(f("GET", "/v1/images/list", "GetImages", "images", props{"namespace": str()}, tagOrDigest(), imageV1())),
		listing(f("GET", "/v1/images", "GetImagesByQuery", "images", props{"digest": str(), "tag": str()}, imagesG(), imageV1())),

		listing(f("GET", "/v1/instances", "GetInstances", "instances", listQuery(true), refs(), instanceV1())),
		f("POST", "/v1/instances", "CreateInstance", "instances", nil, v1Create(), instanceV1()),
		f("DELETE", "/v1/instances", "DeleteInstances", "instances", del, refs(), deletedV1("previous_state")),
		f("GET", "/v1/instances/log", "GetInstanceLogs", "instances", nil, array(refItem(logs)), logV1()),
		f("PUT", "/v1/instances/start", "StartInstances", "instances", nil, array(refItem(start)), transitionV1()),
		f("PUT", "/v1/instances/stop", "StopInstances", "instances", nil, array(refItem(stop).with(forceWithDrain)), transitionV1()),
		f("GET", "/v1/instances/wait", "WaitInstances", "instances", nil, array(refItem(wait)), waitedV1()),
		f("GET", "/v1/instances/{uuid}", "GetInstanceByUUID", "instances", details, nil, instanceV1()),
		f("DELETE", "/v1/instances/{uuid}", "DeleteInstanceByUUID", "instances", del, nil, deletedV1("previous_state")),
		f("GET", "/v1/instances/{uuid}/log", "GetInstanceLogsByUUID", "instances", nil, object(logs), logV1()),
		f("PUT", "/v1/instances/{uuid}/start", "StartInstanceByUUID", "instances", nil, object(start), transitionV1()),
		f("PUT", "/v1/instances/{uuid}/stop", "StopInstanceByUUID", "instances", nil, object(stop), transitionV1()),
		f("GET", "/v1/instances/{uuid}/wait", "WaitInstanceByUUID", "instances", nil, object(wait), waitedV1()),

		listing(f("GET", "/v1/services", "GetServiceGroups", "service_groups", listQuery(false), refs(), serviceGroupV1())),
		f("POST", "/v1/services", "CreateServiceGroup", "service_groups", nil, createGroup, serviceGroupV1()),
		f("DELETE", "/v1/services", "DeleteServiceGroups", "service_groups", nil, refs(), deletedV1()),
		f("GET", "/v1/services/autoscale", "GetAutoscaleConfigurations", "service_groups", nil, refs(), autoscaleV1()),
		f("POST", "/v1/services/autoscale", "CreateAutoscaleConfigurations", "service_groups", nil, array(autoscaleConfig(true)), deletedV1()),
		f("DELETE", "/v1/services/autoscale", "DeleteAutoscaleConfigurations", "service_groups", nil, refs(), deletedV1()),
		f("GET", "/v1/services/{uuid}", "GetServiceGroupByUUID", "service_groups", details, nil, serviceGroupV1()),
		f("DELETE", "/v1/services/{uuid}", "DeleteServiceGroupByUUID", "service_groups", nil, nil, deletedV1()),
		f("GET", "/v1/services/{uuid}/autoscale", "GetAutoscaleConfigurationsByServiceGroupUUID", "service_groups", nil, nil, autoscaleV1()),
		f("POST", "/v1/services/{uuid}/autoscale", "CreateAutoscaleConfigurationByServiceGroupUUID", "service_groups", nil, autoscaleConfig(false), deletedV1()),
		f("DELETE", "/v1/services/{uuid}/autoscale", "DeleteAutoscaleConfigurationsByServiceGroupUUID", "service_groups", nil, nil, deletedV1()),
		f("GET", "/v1/services/{uuid}/autoscale/policies", "GetAutoscaleConfigurationPolicies", "policies", nil, policyName, policyV1()),
		f("POST", "/v1/services/{uuid}/autoscale/policies", "CreateAutoscaleConfigurationPolicy", "policies", nil,
			object(props{"name": str(), "type": autoscalePolicy()}).require("name", "type"), deletedV1()),
		f("DELETE", "/v1/services/{uuid}/autoscale/policies", "DeleteAutoscaleConfigurationPolicies", "policies", nil, policyName, policyDeletedV1()),
		f("GET", "/v1/services/{uuid}/autoscale/policies/{name}", "GetAutoscaleConfigurationPolicyByName", "policies", nil, nil, policyV1()),
		f("DELETE", "/v1/services/{uuid}/autoscale/policies/{name}", "DeleteAutoscaleConfigurationPolicyByName", "policies", nil, nil, policyDeletedV1()),

		listing(f("GET", "/v1/certificates", "GetCertificates", "certificates", listQuery(false), refs(), certificateV1())),
		f("POST", "/v1/certificates", "CreateCertificate", "certificates", nil, createCertificate(), certificateV1()),
		f("DELETE", "/v1/certificates", "DeleteCertificates", "certificates", nil, refs(), deletedV1()),
		f("GET", "/v1/certificates/{uuid}", "GetCertificateByUUID", "certificates", nil, nil, certificateV1()),
		f("DELETE", "/v1/certificates/{uuid}", "DeleteCertificateByUUID", "certificates", nil, nil, deletedV1()),

		f("GET", "/v1/users/quotas", "GetUser", "quotas", nil, nil, quotasV1()),
		f("GET", "/v1/users/{uuid}/quotas", "GetUserByUUID", "quotas", nil, nil, quotasV1()),

		listing(f("GET", "/v1/volumes", "GetVolumes", "volumes", listQuery(true), refs(), volumeV1())),
		f("POST", "/v1/volumes", "CreateVolume", "volumes", nil, createVolume, volumeCreatedV1()),
		f("DELETE", "/v1/volumes", "DeleteVolumes", "volumes", nil, refs(), deletedV1()),
		f("PUT", "/v1/volumes/attach", "AttachVolumes", "volumes", nil, array(refItem(attach).require("attach_to", "at")), deletedV1()),
		f("POST", "/v1/volumes/clone", "CloneVolumes", "volumes", nil, array(refItem(clone)), volumeCreatedV1()),
		f("PUT", "/v1/volumes/detach", "DetachVolumes", "volumes", nil, array(refItem(props{"from": nameOrUUID()})), deletedV1()),
		f("GET", "/v1/volumes/{uuid}", "GetVolumeByUUID", "volumes", details, nil, volumeV1()),
		f("DELETE", "/v1/volumes/{uuid}", "DeleteVolumeByUUID", "volumes", nil, nil, deletedV1()),
		f("PUT", "/v1/volumes/{uuid}/attach", "AttachVolumeByUUID", "volumes", nil, object(attach).require("attach_to", "at"), deletedV1()),
		f("PUT", "/v1/volumes/{uuid}/detach", "DetachVolumeByUUID", "volumes", nil, object(props{"from": nameOrUUID()}), deletedV1()),
		f("POST", "/v1/volumes/{uuid}/clone", "CloneVolumeByUUID", "volumes", nil, object(clone), volumeCreatedV1()),
	}
}

// tagOrDigest is v1's TagOrDigest: ONE object, {digest} or {tag}.
func tagOrDigest() *schema {
	return object(props{"digest": str(), "tag": str()}).oneOf("digest", "tag")
}

// imagesG is the body of GET /v1/images, which 04bf96b does not have: the
// newest generated Go SDK (unikraft-cloud/go-sdk platform/client.gen.go at
// d021589420a8f791c5e5c2d2edcdd08d0013e9c3, GetImages) calls it with an
// array of GetImagesRequestTagOrDigest and query parameters digest and
// tag. That SDK is generated from the platform's current spec channel and
// has operations 04bf96b lacks, so it describes a newer platform than
// 04bf96b; v1 serves this form beside GET /v1/images/list so a client
// following either works. Each item names one of digest or tag.
func imagesG() *schema {
	return array(object(props{"digest": str(), "tag": str()}).oneOf("digest", "tag"))
}

// forceWithDrain: a batch stop with force and a drain timeout is refused,
// as the platform was observed to refuse it (a 400); the batch item's
// text says nothing of the two together, while the by-UUID body's says of
// drain_timeout_ms "Ignored if force is set", which that form follows.
func forceWithDrain(obj map[string]any) *fieldError {
	if boolOf(obj, "force") && intOf(obj, "drain_timeout_ms") != 0 {
		return &fieldError{why: "drain_timeout_ms cannot be combined with force", code: ErrNotBoth}
	}
	return nil
}

// volumeSource: a new volume needs a size, a template to clone or a host
// path (CreateVolumeRequest's fields), exactly one.
func volumeSource(obj map[string]any) *fieldError {
	switch n := count(obj, []string{"size_mb", "template", "host_path"}); {
	case n == 0:
		return &fieldError{why: "one of size_mb, template or host_path is required", code: ErrInvalid}
	case n > 1:
		return &fieldError{why: "size_mb, template and host_path are mutually exclusive", code: ErrNotBoth}
	}
	return nil
}

func legacyForms() []*Form {
	f := func(method, path, op, kind string, query props, body *schema, answer *schema) *Form {
		return &Form{Dialect: Legacy, Method: method, Path: path, Op: op, Kind: kind, query: query, body: body, answer: answer}
	}
	listing := func(fm *Form) *Form { fm.listing = true; return fm }
	ref := func(more props) *schema { return refItem(more) }
	list := func() *schema { return array(ref(nil)) }
	details := props{"details": boolean()}
	instanceQuery := props{"details": boolean(), "metrics": boolean()}
	drain := integer(0, 3600000)
	images := array(object(props{"digest": str().upTo(255), "tagged": str()}).oneOf("digest", "tagged"))
	createGroup := object(props{
		"name": str().upTo(255), "services": array(service(1)).upTo(253),
		"domains": array(object(props{"name": str().upTo(255), "certificate": nameOrUUID()}).require("name")).upTo(253),
		// Not in the legacy spec's create; the old SDK sends them
		// (kraftcloud/go-sdk services/models.go at 971a5bc) and its
		// service_group answer has them, 1 to 65535.
		"soft_limit": integer(1, 65535), "hard_limit": integer(1, 65535),
	}).require("services").with(limits).with(distinctPorts)
	return []*Form{
		listing(f("GET", "/v1/images/list", "GetImages", "images", props{"namespace": str().upTo(2048), "tagged": boolean()}, images, imageLegacy())),

		f("POST", "/v1/instances", "CreateInstance", "instances", nil, legacyCreate(), instanceLegacy()),
		listing(f("GET", "/v1/instances", "GetInstances", "instances", instanceQuery, list(), instanceLegacy())),
		f("DELETE", "/v1/instances", "DeleteInstances", "instances", nil, list(), transitionLegacy()),
		f("GET", "/v1/instances/{uuid}", "GetInstanceByUUID", "instances", instanceQuery, nil, instanceLegacy()),
		f("DELETE", "/v1/instances/{uuid}", "DeleteInstanceByUUID", "instances", nil, nil, transitionLegacy()),
		f("GET", "/v1/instances/log", "GetInstanceLogs", "instances", nil,
			array(ref(props{"offset": integer(-math32, math32), "limit": integer(0, 16383)})), logLegacy()),
		f("GET", "/v1/instances/{uuid}/log", "GetInstanceLogsByUUID", "instances", nil, nil, logLegacy()),
		f("PUT", "/v1/instances/start", "StartInstances", "instances", nil, list(), transitionLegacy()),
		f("PUT", "/v1/instances/{uuid}/start", "StartInstanceByUUID", "instances", props{"wait_timeout_ms": int32s()}, nil, transitionLegacy()),
		f("PUT", "/v1/instances/stop", "StopInstances", "instances", nil,
			array(ref(props{"force": boolean(), "drain_timeout_ms": drain}).with(forceWithDrain)), transitionLegacy()),
		f("PUT", "/v1/instances/{uuid}/stop", "StopInstanceByUUID", "instances", props{"force": boolean(), "drain_timeout_ms": drain}, nil, transitionLegacy()),
		f("PUT", "/v1/instances/wait", "WaitInstances", "instances", nil,
			array(ref(props{"state": legacyStates(), "timeout_ms": waitTimeout()})), transitionLegacy()),

		f("POST", "/v1/services", "CreateServiceGroup", "service_groups", nil, createGroup, serviceGroupLegacy()),
		listing(f("GET", "/v1/services", "GetServiceGroups", "service_groups", details, list(), serviceGroupLegacy())),
		f("DELETE", "/v1/services", "DeleteServiceGroups", "service_groups", nil, list(), deletedLegacy()),
		f("GET", "/v1/services/{uuid}", "GetServiceGroupByUUID", "service_groups", details, nil, serviceGroupLegacy()),
		f("DELETE", "/v1/services/{uuid}", "DeleteServiceGroupByUUID", "service_groups", nil, nil, deletedLegacy()),

		f("GET", "/v1/users/quotas", "GetUser", "quotas", nil, nil, quotasLegacy()),
		f("GET", "/v1/users/{uuid}/quotas", "GetUserByUUID", "quotas", nil, nil, quotasLegacy()),

		f("POST", "/v1/volumes", "CreateVolume", "volumes", nil,
			array(object(props{"name": str().upTo(255), "size_mb": integer(1, 1048576).codes(ErrInvalid, ErrQuota)}).require("size_mb")), deletedLegacy()),
		listing(f("GET", "/v1/volumes", "GetVolumes", "volumes", details, list(), volumeLegacy())),
		f("DELETE", "/v1/volumes", "DeleteVolumes", "volumes", nil, list(), deletedLegacy()),
	}
}

const math32 = 1<<31 - 1

// match finds the form of d for method and path; params holds the path's
// {uuid} and {name} segments. pathKnown tells a known path with another
// method (405) from an unknown one (404).
func match(d Dialect, method, path string) (f *Form, params map[string]string, pathKnown bool) {
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	// A literal segment beats a {param} one: /v1/instances/wait is never
	// the instance "wait".
	best := -1
	for _, fm := range forms {
		if fm.Dialect != d {
			continue
		}
		p, ok := matchPath(strings.Split(fm.Path, "/"), segs)
		if !ok {
			continue
		}
		switch lit := len(segs) - len(p); {
		case lit < best:
			continue
		case lit > best:
			best, f, params = lit, nil, nil
		}
		pathKnown = true
		if fm.Method == method && f == nil {
			f, params = fm, p
		}
	}
	return f, params, pathKnown
}

func matchPath(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}
