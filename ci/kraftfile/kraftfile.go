// Package kraftfile reads and checks a Kraftfile (spec v0.5 to v0.7), the
// YAML file that tells kraft and Unikraft Cloud what to run: the runtime,
// the root filesystem, the command, its environment and instance labels.
//
// Only the keys this project uses are decoded; others (template, unikraft,
// libraries, volumes, ...) are accepted and ignored, as kraft's own schema
// allows additional properties.
package kraftfile

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Labels understood by Unikraft Cloud for scale-to-zero.
const (
	LabelScaleToZeroPolicy   = "cloud.unikraft.v1.instances/scale_to_zero.policy"
	LabelScaleToZeroCooldown = "cloud.unikraft.v1.instances/scale_to_zero.cooldown_time_ms"
	LabelScaleToZeroStateful = "cloud.unikraft.v1.instances/scale_to_zero.stateful"
)

// Specs are the Kraftfile spec versions this package accepts.
var Specs = []string{"v0.5", "v0.6", "v0.7"}

// Kraftfile is the decoded file.
type Kraftfile struct {
	Spec    string            `yaml:"spec" json:"spec"`
	Name    string            `yaml:"name,omitempty" json:"name,omitempty"`
	Runtime string            `yaml:"runtime" json:"runtime"`
	Targets []Target          `yaml:"targets,omitempty" json:"targets,omitempty"`
	Rootfs  *Rootfs           `yaml:"rootfs,omitempty" json:"rootfs,omitempty"`
	Cmd     Cmd               `yaml:"cmd" json:"cmd"`
	Env     Env               `yaml:"env,omitempty" json:"env,omitempty"`
	Labels  map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
}

// Target is one build target: `qemu/x86_64` or {name, platform, architecture}.
type Target struct {
	Name         string `yaml:"name,omitempty" json:"name,omitempty"`
	Platform     string `yaml:"platform,omitempty" json:"platform,omitempty"`
	Architecture string `yaml:"architecture,omitempty" json:"architecture,omitempty"`
}

// Rootfs is the root filesystem: a path (`./Dockerfile`) or {source, format}.
type Rootfs struct {
	Source string `yaml:"source" json:"source"`
	Format string `yaml:"format,omitempty" json:"format,omitempty"` // "cpio" or "erofs"
}

// Cmd is the command line: a YAML list, or a string split on blanks.
type Cmd []string

// Env is the environment: a map, or a list of KEY=VALUE strings.
type Env map[string]string

// Load reads and validates the Kraftfile at file.
func Load(file string) (*Kraftfile, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("kraftfile: %w", err)
	}
	k, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return k, nil
}

// Parse decodes and validates a Kraftfile.
func Parse(b []byte) (*Kraftfile, error) {
	var k Kraftfile
	if err := yaml.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("kraftfile: %w", err)
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return &k, nil
}

// Validate reports every problem at once, so one edit can fix them all.
func (k *Kraftfile) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case k.Spec == "":
		add("spec is missing (want one of %s)", strings.Join(Specs, ", "))
	case !slices.Contains(Specs, k.Spec):
		add("spec %q is not supported (want one of %s)", k.Spec, strings.Join(Specs, ", "))
	}
	if k.Runtime == "" {
		add("runtime is missing (e.g. base-compat:latest)")
	}
	switch {
	case len(k.Cmd) == 0:
		add("cmd is missing or empty")
	case !path.IsAbs(k.Cmd[0]):
		add("cmd[0] %q is not an absolute path", k.Cmd[0])
	}
	if k.Rootfs != nil {
		errs = append(errs, k.Rootfs.validate()...)
	}
	errs = append(errs, validateLabels(k.Labels)...)
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("kraftfile: %w", errors.Join(errs...))
}

func (r *Rootfs) validate() []error {
	var errs []error
	if r.Source == "" {
		errs = append(errs, errors.New("rootfs.source is missing"))
	}
	if r.Format != "" && r.Format != "cpio" && r.Format != "erofs" {
		errs = append(errs, fmt.Errorf("rootfs.format %q is not cpio or erofs", r.Format))
	}
	return errs
}

// validateLabels checks the values of the scale-to-zero labels, which the
// platform would otherwise reject only at deploy time.
func validateLabels(labels map[string]string) []error {
	var errs []error
	if v, ok := labels[LabelScaleToZeroPolicy]; ok && v != "on" && v != "off" && v != "idle" {
		errs = append(errs, fmt.Errorf("label %s = %q is not on, off or idle", LabelScaleToZeroPolicy, v))
	}
	if v, ok := labels[LabelScaleToZeroCooldown]; ok {
		if _, err := strconv.ParseUint(v, 10, 32); err != nil {
			errs = append(errs, fmt.Errorf("label %s = %q is not a number of milliseconds", LabelScaleToZeroCooldown, v))
		}
	}
	if v, ok := labels[LabelScaleToZeroStateful]; ok && v != "true" && v != "false" {
		errs = append(errs, fmt.Errorf("label %s = %q is not true or false", LabelScaleToZeroStateful, v))
	}
	return errs
}

// UnmarshalYAML accepts a string or a mapping. The older Unikraft Cloud
// examples spell the format `type`, so that key is read as format too.
func (r *Rootfs) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.Source = n.Value
		return nil
	}
	var m struct{ Source, Format, Type string }
	if err := n.Decode(&m); err != nil {
		return err
	}
	r.Source, r.Format = m.Source, m.Format
	if r.Format == "" {
		r.Format = m.Type
	}
	return nil
}

// UnmarshalYAML accepts a list, or a string split on blanks. A string with
// quotes is refused rather than split wrongly.
func (c *Cmd) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return n.Decode((*[]string)(c))
	}
	if strings.ContainsAny(n.Value, `"'\`) {
		return fmt.Errorf("line %d: cmd %q has quotes or escapes; write it as a list", n.Line, n.Value)
	}
	*c = strings.Fields(n.Value)
	return nil
}

// UnmarshalYAML accepts a mapping, or a list of KEY=VALUE strings.
func (e *Env) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return n.Decode((*map[string]string)(e))
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*e = make(Env, len(list))
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("line %d: env entry %q is not KEY=VALUE", n.Line, kv)
		}
		(*e)[k] = v
	}
	return nil
}

// UnmarshalYAML accepts `platform/architecture` or a mapping whose keys may
// be abbreviated to plat and arch, as kraft allows.
func (t *Target) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		plat, arch, _ := strings.Cut(n.Value, "/")
		*t = Target{Platform: plat, Architecture: arch}
		return nil
	}
	var m struct{ Name, Platform, Plat, Architecture, Arch string }
	if err := n.Decode(&m); err != nil {
		return err
	}
	*t = Target{Name: m.Name, Platform: cmp.Or(m.Platform, m.Plat), Architecture: cmp.Or(m.Architecture, m.Arch)}
	return nil
}
