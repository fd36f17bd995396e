package deploy

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// runID names one deploy run. Its instances carry it as a tag and in
// their env, so that two deploys of the same name at once (two CI jobs)
// can tell their instances apart and agree on which of them wins: the one
// that started later, whose IDs sort after the other's. The env is for
// the platforms of the 2024 spec, which has no instance tags.
type runID string

// runTag is how a run's ID is tagged onto its instances, RunEnv the
// variable that holds it.
const (
	runTag = "openfga-kraftcloud/run="
	RunEnv = "OPENFGA_KRAFTCLOUD_RUN"
)

// newRunID is the start time in milliseconds (base 36, fixed width, so
// that IDs sort by time) and a random suffix.
func newRunID(now time.Time) runID {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return runID(fmt.Sprintf("%010s-%x", strconv.FormatInt(now.UnixMilli(), 36), b))
}

func (id runID) tag() string { return runTag + string(id) }

// runOf is the run that made inst, "" for one without the tag or the
// variable (made by hand or by an older version of this tool).
func runOf(inst api.Instance) runID {
	for _, t := range inst.Tags {
		if id, ok := strings.CutPrefix(t, runTag); ok {
			return runID(id)
		}
	}
	return runID(inst.Env[RunEnv])
}
