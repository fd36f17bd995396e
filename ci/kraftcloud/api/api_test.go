package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// readDoc reads an answer as the platform's documentation shows it.
func readDoc(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDocumentedInstance(t *testing.T) {
	var r Response[Instance]
	if err := json.Unmarshal(readDoc(t, "get-instance.json"), &r); err != nil {
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
