package sim

import "sync"

// maxLogBytes bounds an instance's kept console output; older bytes fall
// out of the "available" window, as on the platform.
const maxLogBytes = 4 << 20

// logBuffer is an instance's console: everything its process wrote to
// stdout and stderr, kept across restarts and stops as the platform keeps
// an instance's console, addressed by absolute byte offsets (the log
// endpoint's offset and range).
type logBuffer struct {
	mu    sync.Mutex
	start int64 // absolute offset of data[0]
	data  []byte
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.data = append(l.data, p...)
	if over := len(l.data) - maxLogBytes; over > 0 {
		l.data = append([]byte(nil), l.data[over:]...)
		l.start += int64(over)
	}
	return len(p), nil
}

// window returns the available range [start, end).
func (l *logBuffer) window() (start, end int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.start, l.start + int64(len(l.data))
}

// read returns up to limit bytes from offset; a negative offset counts
// from the end. ok is false when offset lies outside the window.
func (l *logBuffer) read(offset, limit int64) (b []byte, from int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	end := l.start + int64(len(l.data))
	if offset < 0 {
		offset = max(end+offset, l.start)
	}
	if offset < l.start || offset > end {
		return nil, offset, false
	}
	to := min(offset+limit, end)
	return append([]byte(nil), l.data[offset-l.start:to-l.start]...), offset, true
}

// String is the whole kept output (for tests and the simulator's log).
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.data)
}
