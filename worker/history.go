package worker

import (
	"context"

	"github.com/dossier-cert/dossier"
)

// historyIssued adds an attestation issued to the candidate's history. The
// history is a trail for people: a failure to write it is logged, and does
// not fail the run.
func (p *Processor) historyIssued(ctx context.Context, session, candidate string, a dossier.Attestation) {
	ev := dossier.Event{At: a.IssuedAt, Actor: dossier.ActorWorker, Action: dossier.ActionIssue, Attestation: a.Number}
	if a.Supersedes != "" {
		ev.Detail = "Remplace l'attestation " + a.Supersedes + "."
	}
	if err := dossier.AppendEvent(ctx, p.records, session, candidate, ev); err != nil {
		p.log.Error("history", "session", session, "candidate", candidate, "error", err)
	}
}
