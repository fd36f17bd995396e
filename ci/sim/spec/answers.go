package spec

import "fmt"

// The answers of each form: the envelope, and the item under data.<kind>.
// Every field of an answer must be one the dialect's spec names, so an
// answer the simulator invents fails CheckAnswer.

// itemFields are the per-item result fields of v1's answer items.
func itemFields(p props, status bool) props {
	p["message"], p["error"] = str(), int32s()
	if status {
		p["status"] = enum(StatusSuccess, StatusError)
	}
	return p
}

func at(p props) *schema { return object(p) }

// imageV1 is v1's Image: no per-item status, message or error, so an
// image that is not there can only be told at the top level.
func imageV1() *schema {
	return at(props{"digest": str(), "tags": array(str()), "initrd": boolean(), "size_in_bytes": int64s(),
		"args": str(), "kernel_args": str(), "users": array(str()), "labels": strMap()})
}

func instanceV1() *schema {
	domain := at(props{"fqdn": str(), "certificate": nameOrUUID()})
	return at(itemFields(props{
		"uuid": uuid(), "name": str(), "created_at": str(), "state": v1States(),
		"private_fqdn": str(), "image": str(), "memory_mb": uint64s(), "vcpus": uint32s(),
		"args": array(str()), "env": strMap(),
		"start_count": uint64s(), "restart_count": uint64s(), "started_at": str(), "stopped_at": str(),
		"uptime_ms": uint64s(), "vmm_start_time_us": uint64s(), "vmm_load_time_us": uint64s(),
		"vmm_ready_time_us": uint64s(), "boot_time_us": uint64s(), "net_time_us": uint64s(),
		"stop_reason": uint32s(), "exit_code": uint32s(), "stop_code": uint32s(),
		"restart_policy": enum(RestartNever, RestartAlways, RestartOnFailureV1),
		"scale_to_zero": at(props{"enabled": boolean(), "policy": enum(ScaleToZeroOn, ScaleToZeroOff, ScaleToZeroIdle),
			"stateful": boolean(), "cooldown_time_ms": int32s(), "notify_time_ms": int32s()}),
		"volumes":       array(at(props{"uuid": uuid(), "name": str(), "at": str(), "readonly": boolean()})),
		"service_group": at(props{"uuid": uuid(), "name": str(), "domains": array(domain)}),
		"network_interfaces": array(at(props{"uuid": uuid(), "private_ip": str(), "mac": str(),
			"rx_bytes": uint64s(), "rx_packets": uint64s(), "tx_bytes": uint64s(), "tx_packets": uint64s()})),
		"tags":     array(str()),
		"snapshot": at(props{"uuid": uuid()}), "delete_lock": boolean(),
		"restart":           at(props{"attempt": uint32s(), "next_at": str()}),
		"roms":              array(at(props{"name": str(), "image": str()})),
		"schedules":         array(at(props{"name": str(), "when": str(), "action": str(), "next_at": int64s()})),
		"autokill":          at(props{"time_ms": uint64s(), "num_requests": uint32s()}),
		"template_autokill": at(props{"time_ms": uint64s()}),
	}, true))
}

// deletedV1 is the small item of delete, attach, detach and the autoscale
// creates: status, uuid, name, message, error, and the extra keys given.
func deletedV1(extra ...string) *schema {
	p := itemFields(props{"uuid": uuid(), "name": str()}, true)
	for _, k := range extra {
		p[k] = v1States()
	}
	return at(p)
}

// transitionV1 is Start/StopInstancesResponse…Instance.
func transitionV1() *schema {
	return at(itemFields(props{"uuid": uuid(), "name": str(), "state": v1States(), "previous_state": v1States()}, true))
}

// waitedV1 is WaitInstancesResponseWaitedInstance: no status field.
func waitedV1() *schema {
	return at(itemFields(props{"uuid": uuid(), "name": str(), "state": v1States()}, false))
}

// logV1 is GetInstancesLogsResponseLoggedInstance: no status field.
func logV1() *schema {
	rng := at(props{"start": int64s(), "end": int64s()})
	return at(itemFields(props{"uuid": uuid(), "name": str(), "output": str(), "available": rng, "range": rng, "state": v1States()}, false))
}

func serviceGroupV1() *schema {
	svc := at(props{"port": uint32s(), "destination_port": uint32s(), "handlers": array(enum(HandlerTLS, HandlerHTTP, HandlerRedirect))})
	return at(itemFields(props{
		"uuid": uuid(), "name": str(), "created_at": str(), "persistent": boolean(), "autoscale": boolean(),
		"soft_limit": uint64s(), "hard_limit": uint64s(), "services": array(svc),
		"domains":   array(at(props{"fqdn": str(), "certificate": anyValue()})),
		"instances": array(at(props{"uuid": uuid(), "name": str()})),
		"autokill":  at(props{"time_ms": uint64s()}),
	}, true))
}

// certificateV1 is Certificate.
func certificateV1() *schema {
	return at(itemFields(props{
		"uuid": uuid(), "name": str(), "created_at": str(), "common_name": str(), "subject": str(), "issuer": str(),
		"serial_number": str(), "not_before": str(), "not_after": str(), "state": enum("pending", "valid", "error"),
	}, true))
}

// autoscaleV1 is GetAutoscaleConfigurationsResponseServiceGroup.
func autoscaleV1() *schema {
	return at(itemFields(props{
		"uuid": uuid(), "name": str(), "enabled": boolean(), "min_size": int64s(), "max_size": int64s(),
		"warmup_time_ms": int64s(), "cooldown_time_ms": int64s(),
		"template": at(props{"name": str(), "uuid": uuid()}), "policies": array(autoscalePolicy()),
	}, true))
}

// policyV1 is GetAutoscaleConfigurationPolicyResponsePolicyResponse.
func policyV1() *schema { return at(itemFields(props{"policy": autoscalePolicy()}, true)) }

// policyDeletedV1 is DeleteAutoscaleConfigurationPolicyResponsePoliciesResponse.
func policyDeletedV1() *schema { return at(itemFields(props{"name": str()}, true)) }

func quotasV1() *schema {
	stats := at(props{"instances": int64s(), "live_instances": int64s(), "live_vcpus": int64s(), "live_memory_mb": int64s(),
		"service_groups": int64s(), "services": int64s(), "volumes": int64s(), "total_volume_mb": int64s()})
	lim := at(props{"min_memory_mb": int64s(), "max_memory_mb": int64s(), "min_volume_mb": int64s(), "max_volume_mb": int64s(),
		"min_autoscale_size": int64s(), "max_autoscale_size": int64s(), "min_vcpus": int64s(), "max_vcpus": int64s()})
	return at(itemFields(props{"uuid": uuid(), "used": stats, "hard": stats, "limits": lim}, true))
}

func volumeV1() *schema {
	return at(itemFields(props{
		"uuid": uuid(), "name": str(), "created_at": str(), "state": str(), "size_mb": uint64s(), "persistent": boolean(),
		"attached_to": array(at(props{"uuid": uuid(), "name": str()})),
		"mounted_by":  array(at(props{"uuid": uuid(), "name": str(), "readonly": boolean()})),
		"tags":        array(str()), "quota_policy": enum("static", "dynamic"), "delete_lock": boolean(),
		"free_mb": uint32s(), "filesystem": str(), "host_path": str(), "args": strMap(),
	}, true))
}

// volumeCreatedV1 is CreateVolumeResponseVolume.
func volumeCreatedV1() *schema {
	return at(itemFields(props{"uuid": uuid(), "name": str(), "state": str()}, true))
}

// The legacy spec declares no message and no per-item error code; the
// old SDK reads both from the platform's answers of that time
// (kraftcloud/go-sdk client/service_response.go at 971a5bc), so legacy
// answers carry them too.
func legacyItem(p props) *schema {
	p["status"], p["message"], p["error"] = enum(StatusSuccess, StatusError), str(), int32s()
	return at(p)
}

func imageLegacy() *schema {
	// The legacy image has no tags and no status; the per-item status an
	// image not found gets is the old SDK's reading (see legacyItem).
	return legacyItem(props{"digest": str(), "initrd": boolean(), "size_in_bytes": int64s(),
		"args": str(), "kernel_args": str(), "labels": strMap()})
}

func instanceLegacy() *schema {
	return legacyItem(props{
		"uuid": uuid(), "name": str(), "created_at": str(), "state": legacyStates(), "image": str(),
		"memory_mb": integer(16, 4096), "args": array(str()), "env": strMap(),
		"start_count": uint32s(), "started_at": str(), "stopped_at": str(), "uptime_ms": int64s(),
		"rss_bytes": int64s(), "cpu_time_ms": int64s(), "nconns": int32s(), "nreqs": int32s(), "nqueued": int32s(), "ntotal": int64s(),
		"vmm_start_time_us": uint32s(), "vmm_load_time_us": uint32s(), "vmm_ready_time_us": uint32s(),
		"boot_time_us": uint32s(), "net_time_us": uint32s(),
		"stop_reason": integer(0, 255), "exit_code": integer(0, 255), "stop_code": uint32s(),
		"restart_policy": enum(RestartAlways, RestartOnFailureLegacy, RestartNever),
		"restart":        at(props{"attempt": integer(0, 65535), "next_at": str()}),
		"restart_count":  uint32s(),
		"scale_to_zero": at(props{"policy": enum(ScaleToZeroOn, ScaleToZeroOff, ScaleToZeroIdle), "stateful": boolean(),
			"cooldown_time_ms": integer(0, 86400000)}),
		"snapshot": at(props{"uuid": uuid()}), "private_fqdn": str(), "private_ip": str(),
		"service_group": at(props{"name": str(), "uuid": uuid(), "domains": array(at(props{"fqdn": str(), "certificate": anyValue()}))}),
		"volumes":       array(at(props{"uuid": uuid(), "name": str(), "at": str(), "readonly": boolean()})),
		"network_interfaces": array(at(props{"uuid": uuid(), "private_ip": str(), "mac": str(),
			"rx_bytes": int64s(), "rx_packets": int64s(), "tx_bytes": int64s(), "tx_packets": int64s()})),
	})
}

func transitionLegacy() *schema {
	return legacyItem(props{"uuid": uuid(), "name": str(), "state": legacyStates(), "previous_state": legacyStates()})
}

func deletedLegacy() *schema { return legacyItem(props{"uuid": uuid(), "name": str()}) }

func logLegacy() *schema {
	rng := at(props{"start": integer(0, 1<<63-1), "end": integer(0, 1<<63-1)})
	return legacyItem(props{"uuid": uuid(), "name": str(), "output": str(), "available": rng, "range": rng})
}

func serviceGroupLegacy() *schema {
	svc := at(props{"port": integer(1, 65535), "destination_port": integer(1, 65535), "handlers": array(enum(HandlerTLS, HandlerHTTP, HandlerRedirect))})
	return legacyItem(props{
		"uuid": uuid(), "name": str(), "created_at": str(), "persistent": boolean(), "autoscale": boolean(),
		"soft_limit": integer(1, 65535), "hard_limit": integer(1, 65535), "services": array(svc),
		"domains":   array(at(props{"fqdn": str(), "certificate": anyValue()})),
		"instances": array(at(props{"uuid": uuid(), "name": str()})),
	})
}

func quotasLegacy() *schema {
	counts := at(props{"instances": int32s(), "live_instances": int32s(), "live_memory_mb": int32s(),
		"service_groups": int32s(), "services": int32s(), "volumes": int32s(), "total_volume_mb": int32s()})
	lim := at(props{"min_memory_mb": int32s(), "max_memory_mb": int32s(), "min_volume_mb": int32s(), "max_volume_mb": int32s(),
		"min_autoscale_size": int32s(), "max_autoscale_size": int32s()})
	return legacyItem(props{"used": counts, "hard": counts, "limits": lim})
}

func volumeLegacy() *schema {
	return legacyItem(props{
		"uuid": uuid(), "name": str(), "state": str(), "size_mb": integer(1, 1048576),
		"attached_to": array(at(props{"uuid": uuid(), "name": str()})),
		"mounted_by":  array(at(props{"uuid": uuid(), "name": str(), "readonly": boolean()})),
		"persistent":  boolean(), "created_at": str(),
	})
}

// envelope is the answer around the items: v1's status success|error
// (ResponseStatus; the autoscale GET adds unconfigured), legacy's
// success|failure; errors[] entries carry only the HTTP status
// (ResponseError.status).
func envelope(d Dialect, f *Form) *schema {
	statuses := []string{StatusSuccess, StatusError}
	if d == Legacy {
		statuses = []string{StatusSuccess, StatusFailure}
	}
	if f != nil && (f.Op == "GetAutoscaleConfigurations" || f.Op == "GetAutoscaleConfigurationsByServiceGroupUUID") {
		statuses = append(statuses, StatusUnconfigured)
	}
	data := object(props{})
	if f != nil && f.Kind != "" && f.answer != nil {
		data = object(props{f.Kind: array(f.answer)})
	}
	if f != nil && f.Op == "Healthz" {
		data = object(props{"services": strMap()})
	}
	return object(props{
		"status": enum(statuses...), "message": str(), "data": data,
		"errors": array(object(props{"status": uint64s()})), "op_time_us": uint64s(),
	}).require("status")
}

// CheckAnswer checks the JSON answer body to a request of d (method and
// path as sent) against the answer the dialect's spec describes for that
// form; an endpoint the dialect lacks must have been refused with the
// bare envelope. It returns nil or an error naming the field.
func CheckAnswer(d Dialect, method, path string, body []byte) error {
	f, _, _ := match(d, method, path)
	v, err := decode(body)
	if err != nil {
		return fmt.Errorf("answer is not JSON: %w", err)
	}
	if e := envelope(d, f).validate(v); e != nil {
		return fmt.Errorf("answer to %s %s: %w", method, path, e)
	}
	return nil
}

// ItemHas reports whether the form's answer items have field (v1's wait
// and log items, for one, have no "status").
func (f *Form) ItemHas(field string) bool {
	if f.answer == nil {
		return false
	}
	_, ok := f.answer.props[field]
	return ok
}
