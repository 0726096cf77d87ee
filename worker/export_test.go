package worker

import (
	"context"
	"time"
)

// SetHook makes p call fn when a document task starts ("start") and before
// each stage does its work ("extract", "check", "render", "issue"); an
// error from fn fails the stage.
func SetHook(p *Processor, fn func(ctx context.Context, stage string) error) { p.hook = fn }

// ProcessorOf returns the Processor a Server runs tasks with.
func ProcessorOf(s *Server) *Processor { return s.proc }

// NextSequence draws the next attestation number's serial.
func NextSequence(ctx context.Context, p *Processor, prefix string, year int) (int, error) {
	return p.nextSequence(ctx, prefix, year)
}

// SetClock makes p read the time from now.
func SetClock(p *Processor, now func() time.Time) { p.now = now }
