// Package poll is the one way this project waits for something on the
// platform: ask, and ask again at an interval, until the answer is the one
// wanted, a deadline passes or the context ends. Every wait of the deploy,
// the datastores and the verification goes through it, so a cancelled run
// stops waiting at once wherever it is.
package poll

import (
	"context"
	"errors"
	"time"
)

// ErrDeadline is returned when the deadline passed before check said done.
// Callers wrap it with what they were waiting for.
var ErrDeadline = errors.New("deadline passed")

// Until calls check, then again every interval, until check reports done
// or an error, limit has passed (ErrDeadline) or ctx ends (ctx.Err()).
// A limit <= 0 means no deadline of its own (ctx still bounds it). check
// always runs at least once, so a state that is already reached costs no
// wait.
func Until(ctx context.Context, every, limit time.Duration, check func(ctx context.Context) (done bool, err error)) error {
	var deadline time.Time
	if limit > 0 {
		deadline = time.Now().Add(limit)
	}
	for {
		done, err := check(ctx)
		switch {
		case err != nil:
			return err
		case done:
			return nil
		case !deadline.IsZero() && !time.Now().Before(deadline):
			return ErrDeadline
		}
		wait := every
		if !deadline.IsZero() {
			wait = min(wait, time.Until(deadline))
		}
		if err := Sleep(ctx, max(wait, 0)); err != nil {
			return err
		}
	}
}

// Sleep waits d, or less when ctx ends first (then it returns ctx.Err()).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
