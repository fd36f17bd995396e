package diagnose

import (
	"context"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"
)

// reportTail is how many console lines a report shows: enough for a Go
// panic's first lines or PostgreSQL's last complaint, short enough to read.
const reportTail = 20

// Report is the failure report of one instance, the same wherever an
// instance failed (a deploy's new instance, a database, a migration):
// it reads the instance and the end of its console, diagnoses them, masks
// every secret red knows in every field, and tells logf the verdict, the
// fix, the evidence and the last console lines. An instance that cannot be
// read is reported as such. logf may be nil.
func Report(ctx context.Context, c *kraftcloud.Client, nameOrUUID string, red *redact.Redactor, logf func(format string, args ...any)) Diagnosis {
	inst, lines, err := Fetch(ctx, c, nameOrUUID)
	if err != nil {
		if logf == nil {
			logf = func(string, ...any) {}
		}
		d := Diagnosis{Instance: nameOrUUID, Kind: KindUnknown, Cause: red.String("the instance could not be read: " + err.Error())}
		logf("diagnosis: cannot read the instance: %s", d.Cause)
		return d
	}
	return ReportOf(inst, lines, red, logf)
}

// ReportOf is Report of an instance and console lines already read (an
// instance caught as it first failed, before later boots overwrote it).
func ReportOf(inst api.Instance, lines []string, red *redact.Redactor, logf func(format string, args ...any)) Diagnosis {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	d := Diagnose(inst, lines)
	d.Cause, d.Fix = red.String(d.Cause), red.String(d.Fix)
	d.Evidence, d.Notes = red.Lines(d.Evidence), red.Lines(d.Notes)
	d.Tail = red.Lines(newLogView(lines).tail(reportTail))
	logf("diagnosis of %s (%s, %s): %s", inst.Name, inst.State, d.Kind, d.Cause)
	if d.Fix != "" {
		logf("fix: %s", d.Fix)
	}
	for _, ev := range d.Evidence {
		logf("  log: %s", ev)
	}
	for _, l := range d.Tail {
		logf("  | %s", l)
	}
	return d
}
