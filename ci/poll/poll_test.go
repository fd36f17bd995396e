package poll

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestUntilStopsWhenDone(t *testing.T) {
	calls := 0
	err := Until(context.Background(), time.Millisecond, time.Second, func(context.Context) (bool, error) {
		calls++
		return calls == 3, nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err %v after %d calls, want nil after 3", err, calls)
	}
}

func TestUntilChecksOnceBeforeAnyDeadline(t *testing.T) {
	calls := 0
	err := Until(context.Background(), time.Hour, time.Nanosecond, func(context.Context) (bool, error) {
		calls++
		return true, nil
	})
	if err != nil || calls != 1 {
		t.Fatalf("err %v after %d calls, want nil after 1", err, calls)
	}
}

func TestUntilReturnsCheckError(t *testing.T) {
	boom := errors.New("boom")
	err := Until(context.Background(), time.Millisecond, time.Second, func(context.Context) (bool, error) { return false, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
}

func TestUntilDeadline(t *testing.T) {
	start := time.Now()
	calls := 0
	err := Until(context.Background(), 10*time.Millisecond, 50*time.Millisecond, func(context.Context) (bool, error) {
		calls++
		return false, nil
	})
	if !errors.Is(err, ErrDeadline) {
		t.Fatalf("err %v, want ErrDeadline", err)
	}
	if el := time.Since(start); el < 50*time.Millisecond || el > 2*time.Second {
		t.Errorf("gave up after %s, want about 50ms", el)
	}
	if calls < 2 {
		t.Errorf("asked %d times in 50ms at a 10ms interval", calls)
	}
}

func TestUntilStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	err := Until(ctx, time.Hour, 0, func(context.Context) (bool, error) { return false, nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("a cancelled wait took %s to return", time.Since(start))
	}
}

func TestSleepCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}
