package diagnose

import (
	"cmp"
	"context"
	"os"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// TestLiveDiagnose diagnoses the account's instances through the real API,
// read-only, when UKC_TOKEN is set.
func TestLiveDiagnose(t *testing.T) {
	if os.Getenv("UKC_TOKEN") == "" {
		t.Skip("UKC_TOKEN not set: skipping the live read-only diagnosis against the real API (set UKC_TOKEN and optionally UKC_METRO)")
	}
	c, err := kraftcloud.New(cmp.Or(os.Getenv("UKC_METRO"), kraftcloud.DefaultMetro), os.Getenv("UKC_TOKEN"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	list, err := c.ListInstances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range list {
		if i == 3 {
			break
		}
		inst, lines, err := Fetch(ctx, c, in.UUID)
		if err != nil {
			t.Fatal(err)
		}
		d := Diagnose(inst, lines)
		t.Logf("%s: [%s] %s / %s", inst.Name, d.Kind, d.Cause, d.Fix)
	}
}
