package sim

import (
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// How objects are shown, per dialect: only the fields the dialect's
// answer schema has (spec.CheckAnswer holds the tests to it).

// instanceViewLocked renders an instance as the dialect's Instance.
func (s *Sim) instanceViewLocked(inst *instance) instanceItem {
	v := instanceItem{
		result: success, UUID: inst.uuid, Name: inst.name,
		PrivateFQDN: inst.name + ".internal",
		State:       inst.state, CreatedAt: stamp(inst.createdAt), StartedAt: stamp(inst.startedAt), StoppedAt: stamp(inst.stoppedAt),
		Image:    imageDisplay(inst),
		MemoryMB: inst.memoryMB, Args: inst.args, Env: inst.env,
		NetworkInterfaces: []nicView{{UUID: inst.uuid, PrivateIP: inst.ip.String(), MAC: macFor(inst.ip)}},
		StartCount:        inst.startCount, RestartCount: inst.restartCount, RestartPolicy: s.restartName(inst.restart),
		StopReason: inst.stopReason, ExitCode: inst.exitCode, StopCode: inst.stopCode,
		BootTimeUs: inst.bootTimeUs, NetTimeUs: inst.netTimeUs, UptimeMs: s.uptimeLocked(inst).Milliseconds(),
	}
	if inst.restartAttempt > 0 || !inst.restartAt.IsZero() {
		v.Restart = &restartView{Attempt: inst.restartAttempt, NextAt: stamp(inst.restartAt)}
	}
	if inst.s2z != nil {
		z := *inst.s2z
		z.Enabled = z.Policy != "" && z.Policy != spec.ScaleToZeroOff
		if z.Enabled && z.CooldownTimeMs == 0 {
			z.CooldownTimeMs = defaultCooldown.Milliseconds()
		}
		v.ScaleToZero = &z
	}
	if inst.sg != nil {
		v.ServiceGroup = s.groupRefLocked(inst.sg)
	}
	for _, m := range inst.volumes {
		v.Volumes = append(v.Volumes, mountView{UUID: m.vol.uuid, Name: m.vol.name, At: m.at, ReadOnly: m.readOnly})
	}
	if s.opts.Dialect == spec.Legacy {
		// The legacy instance has a top-level private_ip, no vcpus, tags,
		// scale_to_zero.enabled or notify_time_ms.
		v.PrivateIP = inst.ip.String()
		if v.ScaleToZero != nil {
			v.ScaleToZero.Enabled, v.ScaleToZero.NotifyTimeMs = false, 0
		}
	} else {
		v.VCPUs, v.Tags = inst.vcpus, inst.tags
	}
	return v
}

// defaultCooldown is scale_to_zero.cooldown_time_ms's default in the
// legacy spec (1000); v1 gives none.
const defaultCooldown = time.Second

// imageDisplay is the pinned image as the platform's GET shows it:
// "oci://unikraft.io/<repo>:<tag>@sha256:...".
func imageDisplay(inst *instance) string {
	s := "oci://unikraft.io/" + inst.image.Repo
	if inst.imageTag != "" {
		s += ":" + inst.imageTag
	}
	return s + "@" + inst.image.Digest
}

// uptimeLocked is the time the app has run, over all its runs.
func (s *Sim) uptimeLocked(inst *instance) time.Duration {
	up := inst.uptime
	if inst.run != nil && (inst.state == spec.StateRunning || inst.state == spec.StateDraining || inst.state == spec.StateStopping) {
		up += time.Since(inst.startedAt)
	}
	return up
}

// groupRefLocked is the service group as an instance shows it.
func (s *Sim) groupRefLocked(g *serviceGroup) *groupView {
	v := &groupView{UUID: g.uuid, Name: g.name}
	v.Domains = g.domainViews()
	return v
}

// groupViewLocked is the full ServiceGroup object.
func (s *Sim) groupViewLocked(g *serviceGroup) groupView {
	v := *s.groupRefLocked(g)
	v.result = success
	v.CreatedAt = stamp(g.createdAt)
	v.Persistent = g.persistent
	v.Autoscale = g.autoscale != nil
	v.SoftLimit, v.HardLimit = g.softLimit, g.hardLimit
	v.Services = g.services
	for _, m := range g.members {
		v.Instances = append(v.Instances, ref{UUID: m.uuid, Name: m.name})
	}
	return v
}

// domainViews are the group's domains as answers show them.
func (g *serviceGroup) domainViews() []domainView {
	var out []domainView
	for i, d := range g.domains {
		v := domainView{FQDN: d}
		if i < len(g.certs) && g.certs[i] != nil {
			v.Certificate = &ref{UUID: g.certs[i].uuid, Name: g.certs[i].name}
		}
		out = append(out, v)
	}
	return out
}
