// Package worker runs the background work of dossier on a Redis queue
// (github.com/hibiken/asynq): reading, checking and rendering the grading
// sheet of each uploaded document, and issuing a session's attestations
// after the jury. It holds both sides of the queue: Client, the
// dossier.Queue the API enqueues with, and Server, the worker process.
//
// It is the only home of asynq in the module. It decides nothing itself:
// extract reads, grading checks and applies the jury rules, templates
// renders, attest numbers and signs; this package orders their calls, stores
// what each step produces and keeps the document's state record
// (dossier.DocumentStateKey) up to date, so that the API shows where a
// document stands: queued, extracting, checking, rendering, then ready,
// rejected or failed.
//
// # Guarantees
//
// Every task is idempotent. A document task is named after the version it
// processes ("doc:<session>:<candidate>:<modality>:<sha256>"), so the same
// version enqueued twice while the first is waiting or running is one task.
// Each stage stores its output under dossier.DerivedKey (text.json,
// findings.json, sheet.pdf) before the next starts, and a run starts by
// looking for them: a retry resumes where the last attempt stopped instead
// of reading the document again. A task for a version that is no longer
// the record's current one does nothing.
//
// Failures are sorted once. A document that cannot succeed (damaged,
// encrypted, a scan, too large, or a presigned upload whose bytes are not
// what was declared) is recorded as rejected with the *dossier.Error the
// candidate sees, and its task ends with asynq.SkipRetry. Anything else
// (storage or Redis down, a timeout) is retried with exponential backoff
// and jitter; after the last retry the document is recorded as failed, for
// an admin to retry.
//
// Attestations are issued at most once per candidate and result: a
// candidate's attestation record (dossier.CandidateAttestationKey) is claimed
// before anything is issued, numbers come from a counter record updated
// with dossier.Modify, and a run interrupted half-way finishes, on retry,
// exactly the attestation it had started.
//
// # Shutdown and crashes
//
// Server.Shutdown stops taking tasks and gives the running ones
// Config.ShutdownTimeout to finish; asynq then puts the others back in
// their queue and cancels their context, and the handlers, which honour it,
// return. The next worker resumes them from their last stored stage.
//
// A worker that dies without shutting down (SIGKILL, a lost machine) keeps
// its tasks active until their lease expires. In asynq v0.26 the lease is
// 30 s, extended every 5 s by the worker's heartbeat, and the recoverer of
// every running server looks for tasks whose lease expired more than 30 s
// ago when the server starts and then once a minute; none of this is
// configurable. A crashed worker's task is thus retried 55 s to 2 min after
// the crash (at once by a server started a minute or more after it), with
// asynq.ErrLeaseExpired as its error. A task whose last retry is lost this
// way is archived by the recoverer without its handler running: its
// document stays in the state it had reached, never failed, until it is
// enqueued again.
//
// # What it must not do
//
// Decide or interpret anything (grading and people do), format storage
// keys by hand (the root package lays them out; the few this package adds
// are in keys.go), or log document text or personal data: log lines name
// the session, candidate number, modality and a short digest.
package worker
