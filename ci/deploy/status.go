package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/release"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// StatusReport is a deployment's state: its group and every instance,
// with a diagnosis for each one that is not running.
type StatusReport struct {
	Name         string           `json:"name"`
	ServiceGroup string           `json:"service_group"`
	URL          string           `json:"url,omitempty"`
	Serving      bool             `json:"serving"` // at least one instance is running
	Instances    []InstanceStatus `json:"instances"`
	Database     *DatabaseStatus  `json:"database,omitempty"` // --datastore postgres
	// Autoscale is the group's autoscale configuration, when it has one.
	Autoscale *AutoscaleRecord `json:"autoscale,omitempty"`
	// Release is the serving release (the run id its instances carry) and,
	// from its record in the registry when that can be read, the store it
	// bootstrapped (deploy --store).
	Release              string `json:"release,omitempty"`
	StoreID              string `json:"store_id,omitempty"`
	StoreName            string `json:"store_name,omitempty"`
	AuthorizationModelID string `json:"authorization_model_id,omitempty"`
	// Notes say what status could not read.
	Notes []string `json:"notes,omitempty"`
}

// InstanceStatus is one instance of a deployment.
type InstanceStatus struct {
	Name      string    `json:"name"`
	UUID      string    `json:"uuid"`
	State     api.State `json:"state"`
	Image     string    `json:"image,omitempty"`
	MemoryMB  int64     `json:"memory_mb,omitempty"`
	CreatedAt string    `json:"created_at,omitempty"`
	// Restarts is how often the restart policy brought it back, NextRestart
	// when it will next (while the platform backs off a crash loop), and
	// LastExit how its last run ended.
	RestartPolicy string    `json:"restart_policy,omitempty"`
	Restarts      int       `json:"restarts"`
	NextRestart   string    `json:"next_restart,omitempty"`
	LastExit      *LastExit `json:"last_exit,omitempty"`
	// Diagnosis is there for an instance that is not running, or that runs
	// again after a failed run (a crash loop is called that, with its cause).
	Diagnosis *diagnose.Diagnosis `json:"diagnosis,omitempty"`
}

// LastExit is how an instance's last run ended.
type LastExit struct {
	ExitCode   int    `json:"exit_code"`
	StopReason string `json:"stop_reason"` // the decoded bits, e.g. ----AK
	StoppedAt  string `json:"stopped_at,omitempty"`
}

// Status reads the deployment w.Name, and the record of its serving
// release from w's registry.
func Status(ctx context.Context, c *kraftcloud.Client, w Where) (StatusReport, error) {
	name := w.Name
	g, insts, err := members(ctx, c, name)
	if err != nil {
		return StatusReport{}, err
	}
	rep := StatusReport{Name: name, ServiceGroup: g.Name, Instances: []InstanceStatus{}}
	for _, d := range g.Domains {
		if d.FQDN != "" {
			rep.URL = "https://" + d.FQDN
			break
		}
	}
	for _, inst := range insts {
		s := instanceStatus(inst)
		if inst.State == api.StateRunning {
			rep.Serving = true
		}
		if inst.State != api.StateRunning || inst.RestartCount > 0 {
			d := diagnose.Report(ctx, c, inst.UUID, instanceRedactor(c, inst), nil)
			s.Diagnosis = &d
		}
		rep.Instances = append(rep.Instances, s)
	}
	rep.Database = databaseStatus(ctx, c, name)
	rep.release(ctx, c, w, insts)
	if a, ok, err := c.GetAutoscale(ctx, g.UUID); err == nil && ok {
		rep.Autoscale = recordOf(a)
	}
	return rep, nil
}

// release fills in the serving release and its store from its record.
func (rep *StatusReport) release(ctx context.Context, c *kraftcloud.Client, w Where, insts []api.Instance) {
	rep.Release = string(servingRun(insts))
	if rep.Release == "" {
		return
	}
	repo, err := w.repo(c)
	var rel release.Release
	if err == nil {
		rel, err = repo.Get(ctx, rep.Release)
	}
	switch {
	case errors.Is(err, unikernel.ErrNoManifest):
		rep.Notes = append(rep.Notes, "the serving release "+rep.Release+" has no record in the registry")
	case err != nil:
		rep.Notes = append(rep.Notes, "the release record could not be read: "+instanceRedactor(c, api.Instance{}).String(err.Error()))
	default:
		rep.StoreID, rep.StoreName, rep.AuthorizationModelID = rel.StoreID, rel.StoreName, rel.AuthorizationModelID
	}
}

// instanceStatus is what status shows of inst besides its diagnosis.
func instanceStatus(inst api.Instance) InstanceStatus {
	s := InstanceStatus{Name: inst.Name, UUID: inst.UUID, State: inst.State, Image: inst.Image, MemoryMB: inst.MemoryMB,
		CreatedAt: inst.CreatedAt, RestartPolicy: inst.RestartPolicy.String(), Restarts: inst.RestartCount}
	if inst.Restart != nil {
		s.NextRestart = inst.Restart.NextAt
	}
	if inst.StopReason != 0 || inst.StoppedAt != "" {
		s.LastExit = &LastExit{ExitCode: inst.ExitCode, StopReason: inst.StopReason.String(), StoppedAt: inst.StoppedAt}
	}
	return s
}

// instanceRedactor masks the token and the secrets in the instance's own
// env (its preshared keys, a database password): a diagnosis quotes logs.
func instanceRedactor(c *kraftcloud.Client, inst api.Instance) *redact.Redactor {
	r := redact.New(c.Token().Secrets()...)
	r.Add(secretValues(inst.Env)...)
	r.Add(strings.Split(inst.Env["OPENFGA_AUTHN_PRESHARED_KEYS"], ",")...)
	return r
}

// members returns the deployment's group and its instances, oldest first.
func members(ctx context.Context, c *kraftcloud.Client, name string) (api.ServiceGroup, []api.Instance, error) {
	g, err := c.GetServiceGroup(ctx, api.ByName(name))
	if err != nil {
		return g, nil, fmt.Errorf("deployment %s: %w", name, err)
	}
	var out []api.Instance
	for _, ref := range g.Instances {
		inst, err := c.GetInstance(ctx, kraftcloud.RefFor(cmp.Or(ref.UUID, ref.Name)))
		if err != nil {
			return g, nil, err
		}
		out = append(out, inst)
	}
	slices.SortStableFunc(out, func(a, b api.Instance) int { return strings.Compare(a.CreatedAt, b.CreatedAt) })
	return g, out, nil
}

// Logs writes the console output of one of the deployment's instances
// (instance, or else the newest running one, or else the newest), the
// last tail bytes of it (all if tail <= 0), and follows it if asked.
func Logs(ctx context.Context, c *kraftcloud.Client, name, instance string, tail int64, follow bool, w io.Writer) error {
	if instance == "" {
		_, insts, err := members(ctx, c, name)
		if err != nil {
			return err
		}
		if len(insts) == 0 {
			return fmt.Errorf("deployment %s has no instances", name)
		}
		pick := insts[len(insts)-1]
		for _, inst := range insts {
			if inst.State == api.StateRunning {
				pick = inst
			}
		}
		instance = pick.UUID
	}
	ref := kraftcloud.RefFor(instance)
	if follow {
		return c.FollowLogs(ctx, ref, tail, w)
	}
	b, err := c.ReadLogs(ctx, ref, tail)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// DatabaseStatus is the deployment's database on the platform (datastore
// postgres): its instance, diagnosed when not running, and its volume.
// `logs --instance <name>-pg` shows its console.
type DatabaseStatus struct {
	InstanceStatus
	Volume   string `json:"volume,omitempty"`
	VolumeMB int64  `json:"volume_mb,omitempty"`
}

// databaseStatus is nil when the deployment has no database instance.
func databaseStatus(ctx context.Context, c *kraftcloud.Client, name string) *DatabaseStatus {
	inst, err := c.GetInstance(ctx, api.ByName(datastore.InstanceName(name)))
	if err != nil {
		return nil
	}
	s := &DatabaseStatus{InstanceStatus: instanceStatus(inst)}
	if inst.State != api.StateRunning {
		d := diagnose.Report(ctx, c, inst.UUID, instanceRedactor(c, inst), nil)
		s.Diagnosis = &d
	}
	if v, err := c.GetVolume(ctx, api.ByName(datastore.VolumeName(name))); err == nil {
		s.Volume, s.VolumeMB = v.Name, v.SizeMB
	}
	return s
}
