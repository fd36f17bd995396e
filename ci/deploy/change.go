package deploy

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Change is what a deploy changed: nothing (the running deployment is
// what was asked for: it is verified again and kept), the store only (its
// model or tuples), or the deployment (a rollout). Its JSON is false,
// "store" or true.
type Change string

const (
	ChangeNone    Change = "none"
	ChangeStore   Change = "store"
	ChangeRollout Change = "rollout"
)

func (c Change) MarshalJSON() ([]byte, error) {
	switch c {
	case ChangeNone:
		return []byte("false"), nil
	case ChangeStore:
		return []byte(`"store"`), nil
	}
	return []byte("true"), nil
}

func (c *Change) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "false":
		*c = ChangeNone
	case `"store"`:
		*c = ChangeStore
	case "true":
		*c = ChangeRollout
	default:
		return fmt.Errorf("changed: %s: want false, true or \"store\"", b)
	}
	return nil
}

// running is the serving deployment as a deploy compares itself with it:
// the newest run's running instances, all of one run.
type running struct {
	group api.ServiceGroup
	insts []api.Instance
}

// compare decides whether the running deployment already is what this
// deploy asks for. If it is (and --force is not given), the rollout's
// steps are skipped: the running instances are verified again and kept.
// Otherwise the record lists what differs.
func (r *run) compare(ctx context.Context) error {
	cur, why, err := r.serving(ctx)
	if err != nil {
		return err
	}
	if why == "" {
		r.rec.Diff = r.differences(ctx, cur)
	} else {
		r.rec.Diff = []string{why}
	}
	switch {
	case len(r.rec.Diff) > 0:
		r.log.Printf("compare: roll out: %s", strings.Join(r.rec.Diff, "; "))
		r.rec.Changed = ChangeRollout
	case r.force:
		r.log.Printf("compare: the running deployment is what was asked for; --force: roll out anyway")
		r.rec.Changed, r.rec.Diff = ChangeRollout, []string{"--force"}
	default:
		r.log.Printf("compare: %s already run what was asked for: verify them again and keep them", names(cur.insts))
		r.keep(cur)
	}
	return nil
}

// serving reads the running deployment; why says why it cannot be
// compared with (none, a rollout half-done, made without a run ID).
func (r *run) serving(ctx context.Context) (running, string, error) {
	g, err := r.client.GetServiceGroup(ctx, api.ByName(r.name))
	if errors.Is(err, kraftcloud.ErrNotFound) {
		return running{}, "a first deploy", nil
	}
	if err != nil {
		return running{}, "", err
	}
	cur := running{group: g}
	runs := map[runID]bool{}
	for _, ref := range g.Instances {
		inst, err := r.client.GetInstance(ctx, kraftcloud.RefFor(cmp.Or(ref.UUID, ref.Name)))
		if err != nil {
			return running{}, "", err
		}
		cur.insts, runs[runOf(inst)] = append(cur.insts, inst), true
	}
	switch {
	case len(cur.insts) == 0:
		return cur, "the service group has no instance", nil
	case runs[""]:
		return cur, "the running instances carry no run ID (made by hand or by an older version of this tool): nothing recorded to compare with", nil
	case len(runs) > 1:
		return cur, "the group holds instances of more than one deploy (a rollout is under way)", nil
	}
	for _, inst := range cur.insts {
		if inst.State != api.StateRunning {
			return cur, fmt.Sprintf("instance %s is %s", inst.Name, inst.State), nil
		}
	}
	return cur, "", nil
}

// differences lists what of the running deployment differs from what
// this deploy would make. Values of the env are never shown: they hold
// keys and passwords.
func (r *run) differences(ctx context.Context, cur running) []string {
	var diff []string
	add := func(format string, a ...any) { diff = append(diff, fmt.Sprintf(format, a...)) }
	inst := cur.insts[0]
	if !strings.HasSuffix(inst.Image, "@"+r.img.digest().String()) {
		add("image %s → %s", digestOf(inst.Image), r.img.digest())
	}
	if len(cur.insts) != r.replicas {
		add("replicas %d → %d", len(cur.insts), r.replicas)
	}
	if inst.MemoryMB != r.memoryMB {
		add("memory_mb %d → %d", inst.MemoryMB, r.memoryMB)
	}
	if inst.RestartPolicy.String() != r.restart.String() {
		add("restart_policy %s → %s", inst.RestartPolicy, r.restart)
	}
	if !slices.Equal(inst.Args, r.img.cmd) {
		add("cmd %q → %q", inst.Args, r.img.cmd)
	}
	if policyOf(inst.ScaleToZero) != policyOf(r.s2z) {
		add("scale_to_zero %s → %s", policyOf(inst.ScaleToZero), policyOf(r.s2z))
	}
	// The ports and domains of an existing group are not changed by a
	// rollout either: said, but no reason to roll out.
	if missing := missingDomains(cur.group, r.domains); len(missing) > 0 {
		r.warnings = append(r.warnings, fmt.Sprintf("service group %s does not answer on %s: the domains of an existing group are not changed here; destroy it and deploy again to add them", r.name, strings.Join(missing, ", ")))
	}
	if !sameServices(cur.group.Services, r.services) {
		r.warnings = append(r.warnings, fmt.Sprintf("service group %s keeps its published ports %s (asked for %s): destroy it to change them", r.name, servicesString(cur.group.Services), servicesString(r.services)))
	}
	for _, k := range r.envDiff(ctx, inst) {
		add("env %s", k)
	}
	if d := r.scaleDiff(ctx, cur); d != "" {
		add("%s", d)
	}
	return diff
}

// envDiff names the variables added, removed or changed. The database
// URI of a PostgreSQL on the platform is the datastore's to make: it is
// compared by the database it names, which must be running.
func (r *run) envDiff(ctx context.Context, inst api.Instance) []string {
	want, have := maps.Clone(r.env), maps.Clone(inst.Env)
	delete(want, RunEnv)
	delete(have, RunEnv)
	if pg, ok := r.ds.(*datastore.Postgres); ok && want[uriEnv] == "" {
		db, err := r.client.GetInstance(ctx, api.ByName(datastore.InstanceName(r.name)))
		switch {
		case err != nil || db.State != api.StateRunning:
			return []string{uriEnv + " (the database is not running)"}
		case pg.Reusable(r.name, db) != nil:
			return []string{uriEnv + " (the database cannot be kept as it is: " + r.red.String(pg.Reusable(r.name, db).Error()) + ")"}
		}
		delete(have, uriEnv)
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		switch v, ok := have[k]; {
		case !ok:
			out = append(out, k+" added")
		case v != want[k]:
			out = append(out, k+" changed")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(have)) {
		if _, ok := want[k]; !ok {
			out = append(out, k+" removed")
		}
	}
	return out
}

// uriEnv is OpenFGA's datastore URI variable.
const uriEnv = "OPENFGA_DATASTORE_URI"

// scaleDiff says how the group's autoscale configuration differs from
// what this deploy sets ("" when it does not, or when neither has one).
func (r *run) scaleDiff(ctx context.Context, cur running) string {
	got, ok, err := r.client.GetAutoscale(ctx, cur.group.UUID)
	switch {
	case r.scale == nil && (err != nil || !ok):
		return ""
	case r.scale == nil:
		return "autoscale: the group has a configuration this deploy does not set"
	case err != nil || !ok:
		return fmt.Sprintf("autoscale → %d:%d", r.scale.Min, r.scale.Max)
	}
	want := r.scale.request(cur.insts[0].UUID)
	if err := applied(want, got, true); err != nil {
		return "autoscale: " + err.Error()
	}
	return ""
}

func policyOf(s *api.ScaleToZero) api.ScaleToZeroPolicy {
	if s == nil || s.Policy == "" {
		return api.ScaleToZeroOff
	}
	return s.Policy
}

func digestOf(image string) string {
	if _, d, ok := strings.Cut(image, "@"); ok {
		return d
	}
	return image
}

func names(insts []api.Instance) string {
	n := make([]string, len(insts))
	for i, inst := range insts {
		n[i] = inst.Name
	}
	return strings.Join(n, ", ")
}

// keep makes the running deployment this run's: its instances are the
// ones verified and recorded, its image the one pushed, its release the
// one serving.
func (r *run) keep(cur running) {
	r.same, r.out.kept = true, true
	r.rec.Changed = ChangeNone
	r.rec.Release = string(runOf(cur.insts[0]))
	r.img.pushed = &pushed{digest: r.img.digest(), platform: r.image.ref.PlatformImage(r.img.digest()), existed: true}
	r.out.group = cur.group
	r.out.mu.Lock()
	r.out.insts, r.out.ran, r.out.ranAt = slices.Clone(cur.insts), slices.Clone(cur.insts), time.Now()
	r.out.mu.Unlock()
	if r.persistent() {
		r.rec.Persistence = "kept: no rollout"
	}
}

var _ json.Marshaler = ChangeNone
