package kraftcloud

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// logServer serves a growing console like the platform: offset/limit over
// the kept bytes, base64 output, available/range, and the state.
type logServer struct {
	mu     sync.Mutex
	log    []byte
	state  api.State
	limits []int64
	onRead func(ls *logServer) // called after each read, to grow the log
}

func (ls *logServer) handle(w http.ResponseWriter, r *http.Request, body string) bool {
	var req []api.LogRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil || len(req) != 1 {
		w.WriteHeader(400)
		return true
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	q := req[0]
	ls.limits = append(ls.limits, q.Limit)
	end := int64(len(ls.log))
	start := q.Offset
	if start < 0 {
		start = max(end+start, 0)
	}
	stop := min(start+q.Limit, end)
	out := api.LogOutput{ItemStatus: api.ItemStatus{Status: api.StatusSuccess}, Name: q.Name, State: ls.state,
		Available: api.ByteRange{Start: 0, End: end}}
	if start <= end {
		out.Output = base64.StdEncoding.EncodeToString(ls.log[start:stop])
		out.Range = api.ByteRange{Start: start, End: stop}
	} else { // out of range: the documented 0..0 quirk
		out.Available = api.ByteRange{}
	}
	json.NewEncoder(w).Encode(api.NewResponse(api.KindInstances, out))
	if ls.onRead != nil {
		ls.onRead(ls)
	}
	return true
}

func lines(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(sprintf("line %05d of the console\n", i))
	}
	return b.String()
}

func TestReadLogsPagesAndDecodes(t *testing.T) {
	full := lines(2000) // ~52 KB: four pages
	ls := &logServer{log: []byte(full), state: api.StateStopped}
	f := newFakeAPI(t)
	f.handler = ls.handle
	c, _, _ := testClient(t, f)
	got, err := c.ReadLogs(ctx, api.ByName("openfga"), 0)
	if err != nil || string(got) != full {
		t.Fatalf("%d of %d bytes, %v", len(got), len(full), err)
	}
	for _, l := range ls.limits {
		if l != api.MaxLogPage {
			t.Fatalf("page limit %d", l)
		}
	}
	if n := len(ls.limits); n != 4 {
		t.Fatalf("%d pages", n)
	}
	r := f.requests()[0]
	if r.Method != "GET" || r.Path != "/v1/instances/log" || r.Body != `[{"name":"openfga","offset":0,"limit":16383}]` {
		t.Fatalf("%+v", r)
	}
	tail, err := c.ReadLogs(ctx, api.ByName("openfga"), 100)
	if err != nil || string(tail) != full[len(full)-100:] {
		t.Fatalf("tail %q %v", tail, err)
	}
}

func TestReadLogsEmpty(t *testing.T) {
	ls := &logServer{state: api.StateStopped}
	f := newFakeAPI(t)
	f.handler = ls.handle
	c, _, _ := testClient(t, f)
	got, err := c.ReadLogs(ctx, api.ByName("openfga"), 4096)
	if err != nil || len(got) != 0 || len(ls.limits) != 1 {
		t.Fatalf("%q %v %d reads", got, err, len(ls.limits))
	}
}

func TestFollowLogsUntilStopped(t *testing.T) {
	reads := 0
	ls := &logServer{log: []byte("booting\n"), state: api.StateRunning}
	ls.onRead = func(ls *logServer) {
		reads++
		switch reads {
		case 2:
			ls.log = append(ls.log, "listening on :8080\n"...)
		case 4:
			ls.log = append(ls.log, "panic: boom\n"...)
			ls.state = api.StateStopped
		}
	}
	f := newFakeAPI(t)
	f.handler = ls.handle
	c, _, _ := testClient(t, f)
	var out bytes.Buffer
	if err := c.FollowLogs(ctx, api.ByName("openfga"), 0, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "booting\nlistening on :8080\npanic: boom\n" {
		t.Fatalf("%q", out.String())
	}
}

func TestLogsNotBase64(t *testing.T) {
	f := newFakeAPI(t, reply{body: `{"status":"success","data":{"instances":[{"status":"success","output":"%%%","available":{"start":0,"end":3},"range":{"start":0,"end":3}}]}}`})
	c, _, _ := testClient(t, f)
	if _, err := c.ReadLogs(ctx, api.ByName("x"), 0); err == nil || !strings.Contains(err.Error(), "base64") {
		t.Fatal(err)
	}
}
