package kraftfile

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want Kraftfile
	}{
		{
			name: "catalog base-compat with labels and rootfs mapping",
			yaml: `spec: v0.6
runtime: base-compat:latest
labels:
  cloud.unikraft.v1.instances/scale_to_zero.policy: "on"
  cloud.unikraft.v1.instances/scale_to_zero.stateful: "false"
  cloud.unikraft.v1.instances/scale_to_zero.cooldown_time_ms: 1000
rootfs:
  source: ./Dockerfile
  type: erofs
cmd: ["/server"]
`,
			want: Kraftfile{
				Spec: "v0.6", Runtime: "base-compat:latest",
				Rootfs: &Rootfs{Source: "./Dockerfile", Format: "erofs"},
				Cmd:    Cmd{"/server"},
				Labels: map[string]string{
					LabelScaleToZeroPolicy:   "on",
					LabelScaleToZeroStateful: "false",
					LabelScaleToZeroCooldown: "1000",
				},
			},
		},
		{
			name: "string rootfs and cmd, env list, targets, unknown keys ignored",
			yaml: `spec: v0.7
name: openfga
runtime: base-compat:latest
template: app-elfloader@staging
targets:
  - qemu/x86_64
  - {name: fc, plat: fc, arch: x86_64}
rootfs: ./rootfs
cmd: /usr/bin/openfga run --log-format json
env:
  - OPENFGA_DATASTORE_ENGINE=memory
  - OPENFGA_HTTP_ADDR=0.0.0.0:8080
`,
			want: Kraftfile{
				Spec: "v0.7", Name: "openfga", Runtime: "base-compat:latest",
				Targets: []Target{{Platform: "qemu", Architecture: "x86_64"}, {Name: "fc", Platform: "fc", Architecture: "x86_64"}},
				Rootfs:  &Rootfs{Source: "./rootfs"},
				Cmd:     Cmd{"/usr/bin/openfga", "run", "--log-format", "json"},
				Env:     Env{"OPENFGA_DATASTORE_ENGINE": "memory", "OPENFGA_HTTP_ADDR": "0.0.0.0:8080"},
			},
		},
		{
			name: "env map with scalar values, rootfs format",
			yaml: `spec: v0.5
runtime: base:latest
rootfs: {source: ./Dockerfile, format: cpio}
cmd: ["/usr/bin/openfga", "run"]
env:
  OPENFGA_PLAYGROUND_ENABLED: false
  GOMAXPROCS: 1
`,
			want: Kraftfile{
				Spec: "v0.5", Runtime: "base:latest",
				Rootfs: &Rootfs{Source: "./Dockerfile", Format: "cpio"},
				Cmd:    Cmd{"/usr/bin/openfga", "run"},
				Env:    Env{"OPENFGA_PLAYGROUND_ENABLED": "false", "GOMAXPROCS": "1"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	const ok = "spec: v0.6\nruntime: base-compat:latest\ncmd: [\"/usr/bin/openfga\", \"run\"]\n"
	for _, tc := range []struct {
		name  string
		yaml  string
		words []string
	}{
		{"empty file", "", []string{"spec is missing", "runtime is missing", "cmd is missing"}},
		{"unknown spec", strings.Replace(ok, "v0.6", "v0.4", 1), []string{`spec "v0.4" is not supported`, "v0.5, v0.6, v0.7"}},
		{"spec as number", strings.Replace(ok, "v0.6", "0.6", 1), []string{`spec "0.6" is not supported`}},
		{"no runtime", strings.Replace(ok, "runtime: base-compat:latest\n", "", 1), []string{"runtime is missing"}},
		{"empty cmd", strings.Replace(ok, `["/usr/bin/openfga", "run"]`, "[]", 1), []string{"cmd is missing or empty"}},
		{"relative cmd", strings.Replace(ok, "/usr/bin/openfga", "openfga", 1), []string{`cmd[0] "openfga" is not an absolute path`}},
		{"quoted cmd string", strings.Replace(ok, `["/usr/bin/openfga", "run"]`, `'/usr/bin/openfga run --x "a b"'`, 1), []string{"write it as a list"}},
		{"rootfs without source", ok + "rootfs: {format: erofs}\n", []string{"rootfs.source is missing"}},
		{"rootfs bad format", ok + "rootfs: {source: ., format: ext4}\n", []string{`rootfs.format "ext4" is not cpio or erofs`}},
		{"bad env entry", ok + "env: [NOEQUALS]\n", []string{`env entry "NOEQUALS" is not KEY=VALUE`}},
		{"bad labels", ok + "labels:\n  " + LabelScaleToZeroPolicy + ": sometimes\n  " + LabelScaleToZeroCooldown + ": soon\n  " + LabelScaleToZeroStateful + ": maybe\n",
			[]string{"not on, off or idle", "not a number of milliseconds", "not true or false"}},
		{"not YAML", "spec: [v0.6\n", []string{"kraftfile: yaml:"}},
		{"runtime as mapping", strings.Replace(ok, "base-compat:latest", "{source: base}", 1), []string{"kraftfile: yaml:", "line 2", "!!map into string"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "Kraftfile"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// The project's own Kraftfile must describe the image the module builds.
func TestProjectKraftfile(t *testing.T) {
	const file = "../../Kraftfile"
	k, err := Load(file)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no Kraftfile at the repository root yet")
	}
	if err != nil {
		t.Fatal(err)
	}
	if k.Runtime != "base-compat:latest" {
		t.Errorf("runtime %q, want base-compat:latest", k.Runtime)
	}
	if want := (Cmd{"/usr/bin/openfga", "run"}); !reflect.DeepEqual(k.Cmd, want) {
		t.Errorf("cmd %q, want %q", k.Cmd, want)
	}
}
