package datastore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
)

// migrate runs `openfga migrate` once as its own instance of the OpenFGA
// image, with the datastore env, and requires it to stop with exit code 0.
// It deletes the instance in any case (but with KeepFailed, a failed one).
func migrate(ctx context.Context, pf *Platform, env map[string]string, red *redact.Redactor) error {
	name := migrateName(pf.Name)
	req := api.CreateInstanceRequest{
		Name: name, Image: pf.Image, MemoryMB: pf.MemoryMB, Env: env, Autostart: true,
		Args:          []string{pf.Binary, "migrate", "--timeout", pf.Timeouts.Connect.String()},
		RestartPolicy: api.RestartNever,
	}
	pf.Logf("datastore: migrate: instance %s runs %s migrate against %s", name, pf.Binary, uriHost(env["OPENFGA_DATASTORE_URI"]))
	inst, err := pf.Client.CreateInstance(ctx, req)
	if err != nil {
		return &Error{Stage: "migrate", Err: errors.New(red.String(err.Error()))}
	}
	ref := api.ByUUID(inst.UUID)
	inst, err = waitStopped(ctx, pf.Client, ref, pf.Timeouts.Migrate)
	if err == nil && !(inst.StopReason.Decode().App && inst.ExitCode == 0) {
		err = fmt.Errorf("the migration failed: instance %s stopped with exit code %d (stop_reason %s)", name, inst.ExitCode, inst.StopReason)
	}
	if err == nil {
		pf.Logf("datastore: migrate: done (exit code 0); the schema is current")
		reportVersion(ctx, pf, ref, red)
		deleteQuietly(ctx, pf, ref, name)
		return nil
	}
	derr := failure(ctx, pf, "migrate", inst.UUID, err, red)
	if pf.KeepFailed {
		pf.Logf("datastore: --keep-failed: left the migrate instance %s", name)
	} else {
		deleteQuietly(ctx, pf, ref, name)
	}
	return derr
}

// migrateName is "<name>-migrate-<id>", within the 63 characters of a DNS
// label.
func migrateName(name string) string {
	prefix := name + "-migrate-"
	if over := len(prefix) + kraftcloud.NameSuffixLen - 63; over > 0 {
		prefix = name[:len(name)-over] + "-migrate-"
	}
	return prefix + kraftcloud.NameSuffix()
}

// waitStopped waits for a one-shot instance to stop, in bounded wait calls.
func waitStopped(ctx context.Context, c *kraftcloud.Client, ref api.Ref, limit time.Duration) (api.Instance, error) {
	deadline := time.Now().Add(limit)
	var inst api.Instance
	err := poll.Until(ctx, 200*time.Millisecond, limit, func(ctx context.Context) (bool, error) {
		_, _ = c.WaitInstance(ctx, ref, api.StateStopped, max(min(time.Until(deadline), kraftcloud.MaxWait), time.Millisecond))
		var err error
		inst, err = c.GetInstance(ctx, ref)
		return err == nil && inst.State == api.StateStopped, err
	})
	if errors.Is(err, poll.ErrDeadline) {
		return inst, fmt.Errorf("the instance %s was still %s after %s", inst.Name, inst.State, limit)
	}
	if err != nil {
		return inst, err
	}
	return settle(ctx, c, ref, inst), nil
}

// settle re-reads a stopped instance whose stop_reason is still 0: the
// platform sets it a few milliseconds after the stop ("there can be a
// delay of a few ms before stop_reason is updated", the platform's
// instance documentation).
func settle(ctx context.Context, c *kraftcloud.Client, ref api.Ref, inst api.Instance) api.Instance {
	_ = poll.Until(ctx, 100*time.Millisecond, time.Second, func(ctx context.Context) (bool, error) {
		if again, err := c.GetInstance(ctx, ref); err == nil {
			inst = again
		}
		return inst.StopReason != 0, nil
	})
	return inst
}

// failure diagnoses the instance that failed and prints its logs.
func failure(ctx context.Context, pf *Platform, stage, uuid string, cause error, red *redact.Redactor) *Error {
	e := &Error{Stage: stage, Err: errors.New(red.String(cause.Error()))}
	pf.Logf("datastore: FAILED at %s: %v", stage, e.Err)
	if uuid == "" {
		return e
	}
	d := diagnose.Report(context.WithoutCancel(ctx), pf.Client, uuid, red, func(f string, a ...any) { pf.Logf("datastore: "+f, a...) })
	e.Diagnosis, e.Logs = &d, d.Tail
	return e
}

// ansi matches the colour codes of OpenFGA's text logs.
var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// reportVersion passes on what the migration said about the schema
// version (so a redeploy shows the no-op).
func reportVersion(ctx context.Context, pf *Platform, ref api.Ref, red *redact.Redactor) {
	b, err := pf.Client.ReadLogs(ctx, ref, 4096)
	if err != nil {
		return
	}
	for _, l := range diagnose.SplitLines(b) {
		if strings.Contains(l, "current version") {
			pf.Logf("datastore: migrate:   | %s", red.String(ansi.ReplaceAllString(l, "")))
		}
	}
}

func deleteQuietly(ctx context.Context, pf *Platform, ref api.Ref, name string) {
	if _, err := pf.Client.DeleteInstance(context.WithoutCancel(ctx), ref); err != nil && !errors.Is(err, kraftcloud.ErrNotFound) {
		pf.Logf("datastore: could not delete %s: %v", name, err)
	}
}
