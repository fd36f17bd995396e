package diagnose

import (
	"context"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// logTail is how much console output a diagnosis reads: one API page,
// enough for a Go panic's first lines and the kernel's last words.
const logTail = api.MaxLogPage

// Fetch asks the API for the instance and the tail of its logs. Logs that
// cannot be read do not stop the diagnosis; the instance fields suffice.
func Fetch(ctx context.Context, c *kraftcloud.Client, nameOrUUID string) (api.Instance, []string, error) {
	ref := kraftcloud.RefFor(nameOrUUID)
	inst, err := c.GetInstance(ctx, ref)
	if err != nil {
		return api.Instance{}, nil, err
	}
	raw, err := c.ReadLogs(ctx, ref, logTail)
	if err != nil {
		return inst, []string{"(logs unavailable: " + err.Error() + ")"}, nil
	}
	return inst, SplitLines(raw), nil
}
