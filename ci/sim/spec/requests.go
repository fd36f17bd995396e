package spec

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// The request bodies and query parameters of each dialect, written from
// its platform.yaml: v1 is unikraft-cloud/openapi platform.yaml at
// 04bf96b1949b557670d86a7c91b74aeefbc2a045 (v1.0.0), legacy the same file
// at 3ad398956ba262a9cae627a8baad93eed4c108bc (0.6.0). Schema names in
// the comments are v1's components; legacy ones are inline in its paths.

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// uuid is a string of format uuid.
func uuid() *schema {
	return str().checked(func(s string) string {
		if !uuidRE.MatchString(s) {
			return fmt.Sprintf("%q is not a UUID", s)
		}
		return ""
	})
}

// mountPoint is a volume's "at": AttachVolumesRequestItem.at's pattern
// ^/(?!.*\.\./|.*\.$|.*/\.$)[^:]*$ and its text ("absolute, not contain .
// and .. components, and not contain colons").
func mountPoint() *schema {
	return str().checked(func(p string) string {
		bad := !strings.HasPrefix(p, "/") || strings.Contains(p, ":")
		for _, el := range strings.Split(p, "/")[1:] {
			bad = bad || el == "." || el == ".."
		}
		if bad {
			return fmt.Sprintf("%q is not an absolute path without . or .. components and colons", p)
		}
		return ""
	})
}

// nameOrUUID is NameOrUUID: exactly one of uuid and name.
func nameOrUUID() *schema {
	return object(props{"uuid": uuid(), "name": str()}).oneOf("uuid", "name")
}

// refItem is a batch item naming its target, with more keys.
func refItem(more props) *schema {
	p := props{"uuid": uuid(), "name": str()}
	for k, v := range more {
		p[k] = v
	}
	return object(p).oneOf("uuid", "name")
}

func refs() *schema { return array(nameOrUUID()) }

// Listing query parameters of v1's GET /v1/instances, /v1/volumes,
// /v1/services (details, count, from, order, sortby; tags where listed).
func listQuery(tags bool) props {
	q := props{"details": boolean(), "count": uint32s(), "from": str(),
		"order": enum("asc", "desc"), "sortby": enum("create_time")}
	if tags {
		q["tags"] = array(str())
	}
	return q
}

// service is Service (and the legacy service_mapping), with the rules on
// ports and handlers of the platform's connection handlers: 443 is
// tls+http, 80 is http without tls (and may redirect, to 443 only), any
// other port is tls without http.
func service(portMin int64) *schema {
	return object(props{
		"port":             integer(portMin, 65535),
		"destination_port": integer(portMin, 65535),
		"handlers":         array(enum(HandlerTLS, HandlerHTTP, HandlerRedirect)),
	}).require("port").with(handlersRule)
}

func handlersRule(svc map[string]any) *fieldError {
	port, dest := intOf(svc, "port"), intOf(svc, "destination_port")
	if !has(svc, "destination_port") {
		dest = port
	}
	hs := listOf(svc, "handlers")
	with := func(h string) bool { return slices.Contains(hs, any(h)) }
	why := ""
	switch {
	case port == 80 && (!with(HandlerHTTP) || with(HandlerTLS)):
		why = "port 80 must have the http handler and must not have tls"
	case port == 443 && (!with(HandlerHTTP) || !with(HandlerTLS)):
		why = "port 443 must have the http and tls handlers"
	case with(HandlerRedirect) && (port != 80 || dest != 443):
		why = "the redirect handler is only allowed on port 80 to destination port 443"
	case port != 80 && port != 443 && (!with(HandlerTLS) || with(HandlerHTTP)):
		why = fmt.Sprintf("port %d must have the tls handler and must not have http", port)
	}
	if why != "" {
		return &fieldError{path: "handlers", why: why, code: ErrInvalid}
	}
	return nil
}

// distinctPorts refuses two services on one public port.
func distinctPorts(obj map[string]any) *fieldError {
	seen := map[int64]bool{}
	for i, s := range listOf(obj, "services") {
		p := intOf(s.(map[string]any), "port")
		if seen[p] {
			return &fieldError{path: fmt.Sprintf("services[%d].port", i), why: fmt.Sprintf("port %d is published twice", p), code: ErrInvalid}
		}
		seen[p] = true
	}
	return nil
}

// limits: soft_limit <= hard_limit, as UpdateServiceGroupsRequestItem
// states it ("soft_limit ... must be <= hard_limit").
func limits(obj map[string]any) *fieldError {
	if has(obj, "soft_limit") && has(obj, "hard_limit") && intOf(obj, "soft_limit") > intOf(obj, "hard_limit") {
		return &fieldError{path: "soft_limit", why: "must not be greater than hard_limit", code: ErrInvalid}
	}
	return nil
}

// Memory and size bounds the simulator enforces: the QuotasLimits it
// reports (min_memory_mb 16 as the spec's example, max_memory_mb 4096, the
// legacy spec's memory_mb maximum; vCPUs 1 to 8; volumes 1 to 65536 MiB).
const (
	MinMemoryMB = 16
	MaxMemoryMB = 4096
	MinVCPUs    = 1
	MaxVCPUs    = 8
	MinVolumeMB = 1
	MaxVolumeMB = 65536
)

func memoryMB() *schema {
	return integer(MinMemoryMB, MaxMemoryMB).codes(ErrGuestMemoryTooSmall, ErrQuota)
}

// volumeTags are Volume.tags: "Maximum 16 tags are allowed, and each tag
// may not be longer than 256 characters."
func volumeTags() *schema { return array(str().upTo(256)).upTo(16) }

// waitTimeout is a wait's timeout_ms. The spec gives only -1 (wait
// indefinitely); the platform refuses values outside -1..10000 with this
// text, as observed.
func waitTimeout() *schema {
	return integer(-1, 10000).says("Timeout value must be in the range -1 to 10000")
}

// drainTimeout is stop's drain_timeout_ms: uint64 in v1, where "-1 [is]
// the largest possible value".
func drainTimeout() *schema { return integer(-1, math.MaxInt64) }

// The create rules, from v1's CreateInstanceRequest descriptions; the
// legacy dialect applies them too (the 2024 spec states none, and they
// are the platform's, not a form's). Values
// equal to a field's default count as absent: the platform decodes these
// bodies into protobuf messages (the spec's format: enum and
// GoogleProtobufValue show it), where a zero timeout or "never" cannot be
// told from a missing one; a message such as scale_to_zero can.
func createRules(obj map[string]any) *fieldError {
	autostart := boolOf(obj, "autostart")
	deleteOnStop := slices.Contains(listOf(obj, "features"), any(FeatureDeleteOnStop))
	switch {
	case intOf(obj, "timeout_s") != 0 && !autostart:
		return &fieldError{path: "timeout_s", why: "requires autostart to be set", code: ErrInvalid}
	case intOf(obj, "wait_timeout_ms") != 0 && !autostart:
		return &fieldError{path: "wait_timeout_ms", why: "requires autostart to be set", code: ErrInvalid}
	case has(obj, "scale_to_zero") && !has(obj, "service_group"):
		return &fieldError{path: "scale_to_zero", why: "requires service_group to be set", code: ErrInvalid}
	case has(obj, "scale_to_zero") && deleteOnStop:
		return &fieldError{path: "scale_to_zero", why: "cannot be combined with the delete-on-stop feature", code: ErrInvalid}
	case strOf(obj, "restart_policy") != "" && strOf(obj, "restart_policy") != RestartNever && deleteOnStop:
		return &fieldError{path: "restart_policy", why: "cannot be combined with the delete-on-stop feature", code: ErrInvalid}
	case slices.Contains(listOf(obj, "features"), any(FeatureScaleToZero)) && deleteOnStop:
		return &fieldError{path: "features", why: "the scale-to-zero and delete-on-stop features are mutually exclusive", code: ErrInvalid}
	}
	return nil
}

// groupRef: CreateInstanceRequestServiceGroup either references a
// persistent group (uuid or name) or describes a new ephemeral one
// (services, domains), not both.
func groupRef(obj map[string]any) *fieldError {
	if (has(obj, "uuid") || has(obj, "name")) && (has(obj, "services") || has(obj, "domains")) {
		return &fieldError{why: "reference an existing service group by uuid or name, or describe a new one with services and domains, not both", code: ErrInvalid}
	}
	return nil
}

// newVolume: CreateInstanceRequestVolume names an existing volume by uuid
// or name, or creates one with a name and size_mb (or host_path).
func newVolume(obj map[string]any) *fieldError {
	switch {
	case !has(obj, "uuid") && !has(obj, "name"):
		return &fieldError{why: "one of uuid or name is required", code: ErrMissingID}
	case has(obj, "uuid") && (has(obj, "size_mb") || has(obj, "host_path")):
		return &fieldError{path: "uuid", why: "names an existing volume; a new one is given by name with size_mb or host_path", code: ErrInvalid}
	case has(obj, "size_mb") && has(obj, "host_path"):
		return &fieldError{why: "size_mb and host_path are mutually exclusive", code: ErrNotBoth}
	}
	return nil
}

func v1States() *schema     { return enum(statesV1...) }
func legacyStates() *schema { return enum(statesLegacy...) }

func v1Create() *schema {
	domain := object(props{"name": str(), "certificate": nameOrUUID()}).require("name")
	group := object(props{
		"uuid": uuid(), "name": str(),
		"domains":    array(domain),
		"services":   array(service(1)),
		"soft_limit": integer(1, 65535), "hard_limit": integer(1, 65535),
	}).exclusive("uuid", "name").with(groupRef).with(limits).with(distinctPorts)
	volume := object(props{
		"uuid": uuid(), "name": str(), "size_mb": integer(MinVolumeMB, MaxVolumeMB).codes(ErrInvalid, ErrQuota),
		"host_path": str(), "at": mountPoint(), "readonly": boolean(),
		"quota_policy": str(), "filesystem": str(), "tags": volumeTags(),
		"uid": uint32s(), "gid": uint32s(), "args": strMap(),
	}).require("at").exclusive("uuid", "name").with(newVolume)
	s2z := object(props{
		"policy": enum(ScaleToZeroOn, ScaleToZeroOff, ScaleToZeroIdle), "stateful": boolean(),
		"cooldown_time_ms": int32s(), "notify_time_ms": int32s(),
	})
	schedule := object(props{"name": str(), "when": str(), "action": enum("start", "stop", "delete")}).require("name", "when", "action")
	return object(props{
		"name": str(), "image": str(), "args": array(str()), "env": strMap(),
		"memory_mb": memoryMB(), "service_group": group, "volumes": array(volume),
		"autostart": boolean(), "replicas": integer(0, math.MaxInt64),
		"restart_policy": enum(RestartNever, RestartAlways, RestartOnFailureV1),
		"scale_to_zero":  s2z, "vcpus": integer(MinVCPUs, MaxVCPUs).codes(ErrInvalid, ErrQuota),
		"wait_timeout_ms": integer(0, math.MaxInt64), "timeout_s": integer(0, math.MaxInt64),
		"features":       array(enum(FeatureDeleteOnStop)),
		"roms":           array(object(props{"name": str(), "image": str()}).require("image")),
		"tags":           array(str()),
		"template":       object(props{"prepare": boolean(), "nameOrUUID": nameOrUUID(), "create_args": anyValue()}),
		"sched_priority": int32s(), "schedules": array(schedule),
		"autokill": object(props{"time_ms": uint64s(), "num_requests": uint32s()}),
	}).with(createRules)
}

func legacyCreate() *schema {
	// The legacy create's service_group.domains items carry fqdn and a
	// full certificate object in the spec, the answer's shape; the old SDK
	// sends {name, certificate {uuid|name}} (kraftcloud/go-sdk
	// services/models.go at 971a5bc), which is what is accepted here.
	domain := object(props{"name": str(), "certificate": nameOrUUID()}).require("name")
	group := object(props{
		"uuid": uuid(), "name": str(), "domains": array(domain).upTo(253), "services": array(service(1)).upTo(253),
	}).oneOf("uuid", "name", "services").with(distinctPorts)
	volume := object(props{"uuid": uuid(), "name": str(), "at": mountPoint(), "readonly": boolean()}).
		require("at").oneOf("uuid", "name")
	s2z := object(props{
		"policy": enum(ScaleToZeroOn, ScaleToZeroOff, ScaleToZeroIdle), "stateful": boolean(),
		"cooldown_time_ms": integer(0, 86400000),
	}).require("policy")
	return object(props{
		"name": str().upTo(255), "image": str(), "args": array(str()).upTo(253), "env": strMap(),
		"memory_mb":      memoryMB(),
		"restart_policy": enum(RestartAlways, RestartOnFailureLegacy, RestartNever),
		"scale_to_zero":  s2z, "volumes": array(volume).upTo(253), "service_group": group,
		"autostart": boolean(), "replicas": integer(0, 253), "wait_timeout_ms": integer(0, math.MaxInt32),
		"features": array(enum(FeatureScaleToZero, FeatureDeleteOnStop)).upTo(253),
	}).require("image").with(createRules)
}

// createCertificate is CreateCertificateRequest: the chain and its key,
// and exactly one of common_name or cn (its deprecated spelling).
func createCertificate() *schema {
	return object(props{"name": str(), "cn": str(), "common_name": str(), "chain": str(), "pkey": str()}).
		require("chain", "pkey").oneOf("cn", "common_name")
}

// autoscalePolicy is AutoscalePolicy.
func autoscalePolicy() *schema {
	step := object(props{"adjustment": int64s(), "lower_bound": int64s(), "upper_bound": int64s()})
	return object(props{
		"name": str(), "enabled": boolean(), "metric": enum("cpu"),
		"adjustment_type": enum("change", "exact", "percentage"), "steps": array(step),
	})
}

// autoscaleConfig is CreateAutoscaleConfigurationsRequestConfiguration
// (with uuid/name) or its by-UUID form; create_args is
// ConfigurationInstanceCreateArgs (roms or template).
func autoscaleConfig(batch bool) *schema {
	roms := object(props{"name": str(), "image": str()}).require("image")
	p := props{
		"uuid": uuid(), "min_size": int64s(), "max_size": int64s(),
		"warmup_time_ms": int64s(), "cooldown_time_ms": int64s(),
		"create_args": object(props{"roms": roms, "template": nameOrUUID()}).exclusive("roms", "template"),
		"policies":    array(autoscalePolicy()),
	}
	s := object(p).with(sizes)
	if batch {
		p["name"] = str()
		s.oneOf("uuid", "name")
	}
	return s
}

// sizes: min_size <= max_size.
func sizes(obj map[string]any) *fieldError {
	if has(obj, "min_size") && has(obj, "max_size") && intOf(obj, "min_size") > intOf(obj, "max_size") {
		return &fieldError{path: "min_size", why: "must not be greater than max_size", code: ErrAutoscaleSizeOOR}
	}
	return nil
}
