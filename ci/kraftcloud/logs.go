package kraftcloud

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// LogPage is one decoded page of console output.
type LogPage struct {
	Output    []byte
	Available api.ByteRange // what the platform keeps
	Range     api.ByteRange // what this page holds
	State     api.State     // the instance's state at read time
}

// LogPageAt reads up to limit bytes (capped at api.MaxLogPage) from offset;
// a negative offset counts from the end.
func (c *Client) LogPageAt(ctx context.Context, ref api.Ref, offset, limit int64) (LogPage, error) {
	if limit <= 0 || limit > api.MaxLogPage {
		limit = api.MaxLogPage
	}
	cl := call{
		op: "read logs of " + ref.String(), method: http.MethodGet, path: instancesPath + "/log", kind: api.KindInstances,
		body: []api.LogRequest{{Ref: ref, Offset: offset, Limit: limit}},
	}
	items, err := do[api.LogOutput](ctx, c, cl)
	item, err := first(cl, items, err)
	if err != nil {
		return LogPage{}, err
	}
	out, err := base64.StdEncoding.DecodeString(item.Output)
	if err != nil {
		return LogPage{}, fmt.Errorf("kraftcloud: %s: output is not base64: %w", cl.op, err)
	}
	return LogPage{Output: out, Available: item.Available, Range: item.Range, State: item.State}, nil
}

// ReadLogs returns the last tail bytes of output (everything kept if tail
// <= 0), paging through it in api.MaxLogPage chunks.
func (c *Client) ReadLogs(ctx context.Context, ref api.Ref, tail int64) ([]byte, error) {
	var buf bytes.Buffer
	_, _, err := c.copyLogs(ctx, ref, &buf, startOffset(tail))
	return buf.Bytes(), err
}

// logPoll is how often FollowLogs asks for new output: the SDKs' interval.
const logPoll = 500 * time.Millisecond

// FollowLogs writes the last tail bytes, then keeps polling from where it
// stopped until the instance is stopped or in standby, or ctx ends.
func (c *Client) FollowLogs(ctx context.Context, ref api.Ref, tail int64, w io.Writer) error {
	next, state, err := c.copyLogs(ctx, ref, w, startOffset(tail))
	for err == nil && !state.Settled() {
		if err = c.sleep(ctx, logPoll); err != nil {
			return nil // ctx ended: following stops quietly
		}
		next, state, err = c.copyLogs(ctx, ref, w, next)
	}
	return err
}

// startOffset: 0 is the beginning, negative counts from the end.
func startOffset(tail int64) int64 {
	if tail <= 0 {
		return 0
	}
	return -tail
}

// copyLogs copies pages from offset until it has caught up with the end of
// what is available, returning the next offset and the latest state.
func (c *Client) copyLogs(ctx context.Context, ref api.Ref, w io.Writer, offset int64) (int64, api.State, error) {
	for {
		p, err := c.LogPageAt(ctx, ref, offset, api.MaxLogPage)
		if err != nil {
			return offset, "", err
		}
		if _, err := w.Write(p.Output); err != nil {
			return offset, p.State, err
		}
		// No progress (nothing new, or an out-of-range read answered with
		// available 0..0) means we are caught up; it also stops a server
		// that repeats a page from looping us forever.
		if len(p.Output) == 0 || (offset >= 0 && p.Range.End <= offset) {
			return max(offset, p.Range.End), p.State, nil
		}
		offset = p.Range.End
		if offset >= p.Available.End {
			return offset, p.State, nil
		}
	}
}
