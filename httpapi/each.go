package httpapi

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/dossier-cert/dossier"
)

// candidateIDs returns the numbers of a session's candidates, in key
// order, after checking that the session exists.
func (s *Server) candidateIDs(ctx context.Context, session string) ([]string, error) {
	if _, err := s.session(ctx, session); err != nil {
		return nil, err
	}
	keys, err := s.cfg.Records.List(ctx, dossier.CandidatesPrefix(session))
	if err != nil {
		return nil, unavailable(err)
	}
	prefix := dossier.CandidatesPrefix(session)
	ids := make([]string, 0, len(keys))
	for _, key := range keys {
		id, ok := strings.CutSuffix(strings.TrimPrefix(key, prefix), ".json")
		if ok && dossier.ValidID(id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// each runs fn for every index below n, listConcurrency at a time, and
// returns every error fn returned. Reads of a session's records go through
// it: one by one, a session of 500 candidates would take seconds.
func each(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, listConcurrency)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			errs[i] = fn(ctx, i)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// getRecord reads the record at key into v; ok is false when there is
// none.
func (s *Server) getRecord(ctx context.Context, key string, v any) (ok bool, err error) {
	_, err = s.cfg.Records.Get(ctx, key, v)
	if errors.Is(err, dossier.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
