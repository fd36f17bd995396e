package deploy

import (
	"context"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

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
	s := &DatabaseStatus{InstanceStatus: InstanceStatus{Name: inst.Name, UUID: inst.UUID, State: inst.State,
		Image: inst.Image, MemoryMB: inst.MemoryMB, CreatedAt: inst.CreatedAt}}
	if inst.State != api.StateRunning {
		_, lines, _ := diagnose.Fetch(ctx, c, inst.UUID)
		d := diagnose.Diagnose(inst, lines)
		s.Diagnosis = &d
	}
	if v, err := c.GetVolume(ctx, api.ByName(datastore.VolumeName(name))); err == nil {
		s.Volume, s.VolumeMB = v.Name, v.SizeMB
	}
	return s
}
