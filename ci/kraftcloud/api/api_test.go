package api

import (
	"encoding/json"
	"testing"
)

// docGet is the documented GET /v1/instances answer (research doc §3.2).
const docGet = `{ "status": "success", "data": { "instances": [ {
  "status": "success", "uuid": "bd281cc4-7640-4cbc-af48-5a44c2bd7b74", "name": "httpserver-go121-taud8",
  "created_at": "2026-05-28T13:53:40Z", "state": "standby",
  "private_fqdn": "httpserver-go121-taud8.internal",
  "image": "oci://unikraft.io/<my-org>/httpserver-go121:latest@sha256:7785eb...",
  "memory_mb": 256, "vcpus": 1,
  "stop_reason": 39, "exit_code": 1, "stop_code": 33024, "restart_policy": "never",
  "scale_to_zero": { "enabled": true, "policy": "on", "cooldown_time_ms": 1000, "notify_time_ms": 0, "stateful": false },
  "boot_time_us": 75698, "net_time_us": 79067, "start_count": 3,
  "started_at": "2026-05-28T13:54:43Z", "stopped_at": "2026-05-28T13:54:45Z", "uptime_ms": 47521,
  "service_group": { "uuid": "d20c8a02-...", "name": "floral-sun-54ixkmi6",
                     "domains": [ { "fqdn": "floral-sun-54ixkmi6.fra.unikraft.app" } ] },
  "network_interfaces": [ { "uuid": "16ca6566-...", "private_ip": "10.0.0.37", "mac": "12:b0:0a:00:00:25" } ],
  "private_ip": "10.0.0.37", "volumes": [] } ] } }`

func TestDocumentedInstance(t *testing.T) {
	var r Response[Instance]
	if err := json.Unmarshal([]byte(docGet), &r); err != nil {
		t.Fatal(err)
	}
	in := r.Items(KindInstances)[0]
	if in.State != StateStandby || in.StopReason.String() != "Z--PAK" || in.UptimeMs != 47521 {
		t.Fatalf("decoded %+v", in)
	}
	if got := in.PublicFQDNs(); len(got) != 1 || got[0] != "floral-sun-54ixkmi6.fra.unikraft.app" {
		t.Fatalf("fqdns %v", got)
	}
	f := in.StopCode.Decode(in.StopReason)
	if f.Source != SourceKernel || !f.Termtab || f.InitLevel != 1 || f.Reason != ReasonOK {
		t.Fatalf("stop code %+v", f)
	}
}

func TestStopReasonNotation(t *testing.T) {
	for v, want := range map[StopReason]string{
		39: "Z--PAK", 31: "-FUPAK", 28: "-FUP--", 15: "--UPAK", 13: "--UP-K",
		7: "---PAK", 3: "----AK", 1: "-----K", 0: "------",
	} {
		if got := v.String(); got != want {
			t.Errorf("%d: %s, want %s", v, got, want)
		}
		if back := v.Decode().Encode(); back != v {
			t.Errorf("%d: round trip gave %d", v, back)
		}
	}
}

func TestStopCodeOOM(t *testing.T) {
	c := KernelStopCode(ReasonPGFAULT, ENOMEM, InitLevelAppRunning, false)
	if c != 0x000C7F04 || uint32(c) != 818948 {
		t.Fatalf("encoded %#x", uint32(c))
	}
	f := c.Decode(StopKernel)
	if f.Reason != ReasonPGFAULT || f.ErrnoName != "ENOMEM" || !f.AppReached || f.Encode() != c {
		t.Fatalf("decoded %+v", f)
	}
	b, _ := json.Marshal(f)
	var back StopCodeFields
	if err := json.Unmarshal(b, &back); err != nil || back.Reason != ReasonPGFAULT {
		t.Fatalf("json %s: %v %+v", b, err, back)
	}
}

func TestPlatformStopCode(t *testing.T) {
	f := PlatformStopCode(PlatformNoMedium).Decode(StopPlatform)
	if f.Source != SourcePlatform || f.Platform != "NOMEDIUM" {
		t.Fatalf("%+v", f)
	}
	// With the K bit, 1 is the kernel reason EXP, not NOMEDIUM.
	if f := StopCode(1).Decode(StopKernel); f.Source != SourceKernel || f.Reason != ReasonEXP {
		t.Fatalf("%+v", f)
	}
}

func TestNewResponseMarksFailure(t *testing.T) {
	ok := Instance{ItemStatus: ItemStatus{Status: StatusSuccess}, Name: "a"}
	bad := Instance{ItemStatus: ItemStatus{Status: StatusError, Error: ErrNotFound, Message: "No instance with name 'b'"}}
	if r := NewResponse(KindInstances, ok); r.Status != StatusSuccess {
		t.Fatal(r.Status)
	}
	if r := NewResponse(KindInstances, ok, bad); r.Status != StatusError {
		t.Fatal(r.Status)
	}
	if ErrNotFound.String() != "NotFound" || ErrQuota != 19 || ErrAlreadyExists != 23 || ErrCertCNMisMatch != 30 {
		t.Fatal("error codes out of order")
	}
}
