package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Autoscale lets the platform add instances to the service group under
// load and take them away after: Min to Max instances, one more while the
// CPU is above CPUHigh percent, one fewer below CPULow. Added instances
// are made from the deployment's first new instance (the template), so
// they run the verified release; each deploy points the configuration at
// its own.
type Autoscale struct {
	Min, Max        int
	CPULow, CPUHigh int           // percent; default 30 and 70
	Warmup          time.Duration // before an added instance counts; default 10s
	Cooldown        time.Duration // between two adjustments; default 60s
}

// Autoscale defaults.
const (
	DefaultCPULow   = 30
	DefaultCPUHigh  = 70
	DefaultWarmup   = 10 * time.Second
	DefaultCooldown = 60 * time.Second
)

// autoscalePolicy is the name of the step policy a deploy sets.
const autoscalePolicy = "openfga-cpu"

// ParseAutoscale reads --autoscale MIN:MAX; "" is none.
func ParseAutoscale(s string) (*Autoscale, error) {
	if s == "" {
		return nil, nil
	}
	lo, hi, ok := strings.Cut(s, ":")
	min, err1 := strconv.Atoi(lo)
	max, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("autoscale %q: want MIN:MAX, e.g. 1:4", s)
	}
	return &Autoscale{Min: min, Max: max}, nil
}

// ParseCPU reads --autoscale-cpu LOW:HIGH (percent).
func (a *Autoscale) ParseCPU(s string) error {
	if s == "" {
		return nil
	}
	lo, hi, ok := strings.Cut(s, ":")
	low, err1 := strconv.Atoi(lo)
	high, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil {
		return fmt.Errorf("autoscale-cpu %q: want LOW:HIGH percent, e.g. 30:70", s)
	}
	a.CPULow, a.CPUHigh = low, high
	return nil
}

// check fills the defaults and refuses what the deployment cannot do,
// sending nothing. replicas is the count asked for (0: not given); it
// returns the count to create.
func (a *Autoscale) check(replicas int, persistent bool, engine string) (int, error) {
	if a == nil {
		return replicas, nil
	}
	if a.CPULow == 0 && a.CPUHigh == 0 {
		a.CPULow, a.CPUHigh = DefaultCPULow, DefaultCPUHigh
	}
	if a.Warmup == 0 {
		a.Warmup = DefaultWarmup
	}
	if a.Cooldown == 0 {
		a.Cooldown = DefaultCooldown
	}
	switch {
	case a.Min < 1 || a.Max < a.Min || a.Max > MaxReplicas:
		return 0, fmt.Errorf("autoscale %d:%d: want 1 <= MIN <= MAX <= %d", a.Min, a.Max, MaxReplicas)
	case a.CPULow < 1 || a.CPUHigh > 100 || a.CPULow >= a.CPUHigh:
		return 0, fmt.Errorf("autoscale-cpu %d:%d: want 1 <= LOW < HIGH <= 100", a.CPULow, a.CPUHigh)
	case a.Max > 1 && !persistent:
		return 0, fmt.Errorf("autoscale up to %d instances with the %s datastore: each instance would hold its own data; use --datastore postgres (or external)", a.Max, engine)
	case replicas == 0:
		return a.Min, nil
	case replicas < a.Min || replicas > a.Max:
		return 0, fmt.Errorf("replicas %d outside autoscale %d:%d", replicas, a.Min, a.Max)
	}
	return replicas, nil
}

// request is the configuration, with template as the instance to copy.
func (a *Autoscale) request(template string) api.AutoscaleRequest {
	low, high := int64(a.CPULow), int64(a.CPUHigh)
	return api.AutoscaleRequest{
		MinSize: int64(a.Min), MaxSize: int64(a.Max),
		WarmupTimeMs: a.Warmup.Milliseconds(), CooldownTimeMs: a.Cooldown.Milliseconds(),
		CreateArgs: &api.AutoscaleArgs{Template: &api.Ref{UUID: template}},
		Policies: []api.AutoscalePolicy{{
			Name: autoscalePolicy, Enabled: true, Metric: "cpu", AdjustmentType: "change",
			Steps: []api.AutoscaleStep{{Adjustment: -1, UpperBound: &low}, {Adjustment: 1, LowerBound: &high}},
		}},
	}
}

// AutoscaleRecord is the configuration as the platform answered it.
type AutoscaleRecord struct {
	Min      int64  `json:"min"`
	Max      int64  `json:"max"`
	Policy   string `json:"policy"`   // e.g. "cpu <30% -1, >70% +1"
	Template string `json:"template"` // the instance added ones are made from (its name, else UUID)
}

// autoscale points the group's configuration at the new deployment (the
// earlier one's is removed first, with the instances it had added: they
// ran the previous release) and reads it back to prove it applied.
// Without --autoscale a configuration left in the group is a warning.
func (r *run) autoscale(ctx context.Context) error {
	g := r.out.group.UUID
	if r.scale == nil {
		if cur, ok, err := r.client.GetAutoscale(ctx, g); err == nil && ok {
			r.warnings = append(r.warnings, fmt.Sprintf("the service group has an autoscale configuration this deploy did not set (%d to %d instances): give --autoscale to keep it pointing at the serving release", cur.MinSize, cur.MaxSize))
		}
		return nil
	}
	template := r.out.insts[0].UUID
	want := r.scale.request(template)
	r.log.Printf("autoscale: %d to %d instances, cpu below %d%% -1, above %d%% +1, from %s", want.MinSize, want.MaxSize, r.scale.CPULow, r.scale.CPUHigh, r.out.insts[0].Name)
	if err := r.client.DeleteAutoscale(ctx, g); err != nil {
		return fmt.Errorf("remove the earlier autoscale configuration: %w", err)
	}
	if err := r.client.CreateAutoscale(ctx, g, want); err != nil {
		return fmt.Errorf("configure autoscale: %w", err)
	}
	got, ok, err := r.client.GetAutoscale(ctx, g)
	if err == nil {
		err = applied(want, got, ok)
	}
	if err != nil {
		return fmt.Errorf("the autoscale configuration did not apply: %w", err)
	}
	r.rec.Autoscale = recordOf(got)
	r.rec.Autoscale.Template = r.out.insts[0].Name
	return nil
}

// recordOf is what status shows of a configuration.
func recordOf(a api.Autoscale) *AutoscaleRecord {
	rec := &AutoscaleRecord{Min: a.MinSize, Max: a.MaxSize}
	if a.Template != nil {
		rec.Template = cmp.Or(a.Template.Name, a.Template.UUID)
	}
	for _, p := range a.Policies {
		var steps []string
		for _, s := range p.Steps {
			switch {
			case s.UpperBound != nil && s.LowerBound == nil:
				steps = append(steps, fmt.Sprintf("<%d%% %+d", *s.UpperBound, s.Adjustment))
			case s.LowerBound != nil && s.UpperBound == nil:
				steps = append(steps, fmt.Sprintf(">%d%% %+d", *s.LowerBound, s.Adjustment))
			default:
				steps = append(steps, fmt.Sprintf("%+d", s.Adjustment))
			}
		}
		rec.Policy = strings.TrimSpace(rec.Policy + " " + p.Metric + " " + strings.Join(steps, ", "))
	}
	return rec
}

// applied compares the configuration read back with the one sent.
func applied(want api.AutoscaleRequest, got api.Autoscale, ok bool) error {
	switch {
	case !ok:
		return errors.New("the group reads as not configured")
	case got.MinSize != want.MinSize || got.MaxSize != want.MaxSize:
		return fmt.Errorf("sizes %d:%d, sent %d:%d", got.MinSize, got.MaxSize, want.MinSize, want.MaxSize)
	case got.Template == nil || got.Template.UUID != want.CreateArgs.Template.UUID:
		return fmt.Errorf("template %v, sent %s", got.Template, want.CreateArgs.Template.UUID)
	case len(got.Policies) != 1 || got.Policies[0].Name != autoscalePolicy || len(got.Policies[0].Steps) != 2:
		return fmt.Errorf("policies %+v, sent %+v", got.Policies, want.Policies)
	}
	return nil
}
