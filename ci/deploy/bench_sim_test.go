package deploy

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage/pgtest"
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

// BenchmarkReplicas measures deploy-to-verified for one and for three
// instances on PostgreSQL side by side in one run (each iteration after
// the first a rollout), with the health checks answered and failed through
// the FQDN during each rollout. Run: OPENFGA_BIN=... PG_DEBS=... go test
// -run - -bench Replicas -benchtime 3x ./ci/deploy/
func BenchmarkReplicas(b *testing.B) {
	if os.Getenv("OPENFGA_BIN") == "" || os.Getenv("PG_DEBS") == "" || os.Geteuid() != 0 {
		b.Skip("needs root, OPENFGA_BIN and PG_DEBS")
	}
	s := simtest.Start(b)
	image := pgtest.Image(b, s, "15")
	root := simtest.Rootfs(b, simtest.OpenFGABinary(b), 0o755)
	front := simtest.FrontClient(b, s)
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			name := fmt.Sprintf("bench%d", n)
			var total, served, failed int64
			for i := 0; i < b.N; i++ {
				o := simOptions(b, s, root, name, io.Discard)
				o.Memory, o.Replicas = "256", n
				o.Env = []string{"BENCH_RUN=" + time.Now().Format(time.RFC3339Nano)}
				o.Datastore, o.Timeouts.Datastore = &datastore.Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}, datastore.Timeouts{Connect: 5 * time.Second}
				pr := simtest.Probe(front, "https://"+name+"."+s.Endpoints().Domain)
				d, err := Run(context.Background(), o)
				pr.Halt()
				if err != nil {
					b.Fatal(err)
				}
				total += d.Timings.Total
				if i > 0 { // a rollout
					served, failed = served+int64(pr.OK()), failed+int64(pr.Failed())
				}
			}
			b.ReportMetric(float64(total)/float64(b.N), "total-ms/op")
			if b.N > 1 {
				b.ReportMetric(float64(served)/float64(b.N-1), "served/rollout")
				b.ReportMetric(float64(failed)/float64(b.N-1), "failed/rollout")
			}
		})
	}
}

// BenchmarkChanges measures, side by side in one run, a first deploy, an
// unchanged redeploy (kept and verified again), a store-only redeploy
// (one tuple more) and a one-flag change (memory: a rollout), with real
// OpenFGA on the memory datastore. Run: OPENFGA_BIN=... go test -run -
// -bench Changes -benchtime 3x ./ci/deploy/
func BenchmarkChanges(b *testing.B) {
	if os.Getenv("OPENFGA_BIN") == "" || os.Geteuid() != 0 {
		b.Skip("needs root and OPENFGA_BIN (a static OpenFGA binary)")
	}
	s := simtest.Start(b)
	root := simtest.Rootfs(b, simtest.OpenFGABinary(b), 0o755)
	more := moreTuples(b)
	var sums [4]int64
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("changes%d", i)
		for j, change := range []func(o *Options){
			func(o *Options) { o.Store = docsStore },
			func(o *Options) { o.Store = docsStore },
			func(o *Options) { o.Store = more },
			func(o *Options) { o.Store, o.Memory = more, "320" },
		} {
			o := simOptions(b, s, root, name, io.Discard)
			o.Memory = "256"
			change(&o)
			d, err := Run(context.Background(), o)
			if err != nil {
				b.Fatal(err)
			}
			sums[j] += d.Timings.Total
		}
	}
	for j, what := range []string{"first", "unchanged", "store-only", "memory-change"} {
		b.ReportMetric(float64(sums[j])/float64(b.N), what+"-ms/op")
	}
}
