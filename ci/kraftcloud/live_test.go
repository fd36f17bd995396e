package kraftcloud

import (
	"cmp"
	"os"
	"testing"
)

// TestLive talks to the real API, read-only, when UKC_TOKEN is set.
func TestLive(t *testing.T) {
	if os.Getenv("UKC_TOKEN") == "" {
		t.Skip("UKC_TOKEN not set: skipping the live read-only test against the real API (set UKC_TOKEN and optionally UKC_METRO)")
	}
	c, err := New(cmp.Or(os.Getenv("UKC_METRO"), DefaultMetro), os.Getenv("UKC_TOKEN"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.Quotas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: quotas used %+v hard %+v", c.Endpoint(), q.Used, q.Hard)
	list, err := c.ListInstances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range list {
		t.Logf("instance %s %s stop_reason=%s exit=%d", in.Name, in.State, in.StopReason, in.ExitCode)
	}
}
