package deploy

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
)

// BenchmarkDeploy measures deploy-to-verified against the simulator, per
// stage (ms/op of each), with real OpenFGA. Every iteration after the
// first is a rollout. Run: OPENFGA_BIN=... go test -run - -bench Deploy -benchtime 3x ./ci/deploy/
func BenchmarkDeploy(b *testing.B) {
	bin := os.Getenv("OPENFGA_BIN")
	if bin == "" || os.Geteuid() != 0 {
		b.Skip("needs root and OPENFGA_BIN (a static OpenFGA binary)")
	}
	s, err := sim.Start(sim.Options{Log: io.Discard, StopGrace: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	root := simtest.Rootfs(b, bin, 0o755)
	var sum Timings
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o := simOptions(b, s, root, "bench", io.Discard)
		o.Env = []string{"BENCH_RUN=" + time.Now().Format(time.RFC3339Nano)} // a new instance each time
		d, err := Run(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range []struct {
			sum *int64
			v   int64
		}{
			{&sum.Package, d.Timings.Package}, {&sum.Push, d.Timings.Push}, {&sum.ImageLookup, d.Timings.ImageLookup},
			{&sum.Create, d.Timings.Create}, {&sum.Running, d.Timings.Running}, {&sum.Watch, d.Timings.Watch},
			{&sum.Health, d.Timings.Health}, {&sum.RoundTrip, d.Timings.RoundTrip}, {&sum.Rollout, d.Timings.Rollout},
			{&sum.Total, d.Timings.Total},
		} {
			*p.sum += p.v
		}
	}
	n := float64(b.N)
	for name, v := range map[string]int64{
		"package": sum.Package, "push": sum.Push, "image-visible": sum.ImageLookup, "create": sum.Create,
		"running": sum.Running, "watch": sum.Watch, "health": sum.Health, "round-trip": sum.RoundTrip,
		"rollout": sum.Rollout, "total": sum.Total,
	} {
		b.ReportMetric(float64(v)/n, name+"-ms/op")
	}
}
