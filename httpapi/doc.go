// Package httpapi serves dossier over HTTP: sessions and candidates for
// admins, document uploads for candidates, grading sheets and decisions for
// assessors, attestations after the jury, and the public verification of an
// attestation by its code.
//
// It is a package of its own, at the top of the module, because HTTP is a
// room of the architecture like storage or the queue: it turns requests
// into calls on the root package's interfaces (dossier.Blobs,
// dossier.Records, dossier.Queue) and their answers into JSON, and nothing
// else depends on it. It is not named "http" so that it does not shadow
// net/http in the files that use both.
//
// What it must not do: read, check or render documents (the workers do,
// behind dossier.Queue), decide anything about competences (assessors do),
// sign attestations (attest does, in the worker or the CLI), format storage
// keys by hand (the root package lays them out), or log personal data or
// document text: one log line per request gives its method, route pattern,
// status, duration and the caller's role.
//
// # Routes
//
//	GET  /healthz                                   the process is alive
//	GET  /readyz                                    storage and Redis answer (Config.PingStorage, PingRedis)
//	GET  /login?token=…                             the link of an email: a page naming the account, with a button to sign in
//	POST /login                                     the button (form field "token"; same origin only): sets the cookie, redirects to /
//	POST /logout                                    clears the cookie and revokes every token of the caller issued so far
//	GET  /verify/{code}                             public: is the attestation with this code valid? (JSON or HTML)
//	POST /verify                                    public: the same for an attestation PDF or signed JSON sent as the body (5 MB at most)
//
// /login (any method) and /verify are limited per client address
// (Config.PublicRate): over, 429 with Retry-After.
//
//	GET  /api/v1/me                                 who the token says the caller is
//	POST /api/v1/tokens                             admin: issue a token
//	POST /api/v1/tokens/revocation                  admin: revoke a person's tokens issued so far, {"role","session","subject"}
//	POST /api/v1/sessions                           admin: create a session
//	GET  /api/v1/sessions/{session}                 the session (its deadline, its jury date)
//	POST /api/v1/sessions/{session}/candidates      admin: import candidates (JSON array or CSV), with a report
//	GET  /api/v1/sessions/{session}/candidates      admin: all; assessor: those assigned
//	POST /api/v1/sessions/{session}/attestations    admin: issue the session's attestations (queued; 409 before the jury's date)
//	     /api/v1/sessions/{session}/candidates/{candidate}
//	GET    (root)                                   the candidate's record
//	GET    /assessors                               admin: who assesses the candidate
//	PUT    /assessors                               admin: set them, {"assessors":[…]}
//	PUT    /documents/{modality}                    candidate, admin: upload (raw body or multipart "file")
//	POST   /documents/{modality}/upload-url         candidate, admin: a presigned PUT straight to storage
//	POST   /documents/{modality}/complete           candidate, admin: record a presigned upload
//	GET    /documents/{modality}                    the document's state record (state, error, findings)
//	GET    /documents/{modality}/sheet.pdf          assessor, admin: the grading sheet, once ready
//	GET    /documents/{modality}/findings           assessor, admin: the checker's report, quotes and pages
//	GET    /documents/{modality}/file               the exact bytes of the current version (?version=SHA-256), its name and SHA-256
//	GET    /documents/{modality}/text               the text read from it, page by page
//	GET    /documents/{modality}/versions           every version, newest first, with where it stands
//	POST   /documents/{modality}/versions/{sha256}/restore  admin: make an earlier ready version current again
//	GET    /decisions                               assessor, admin: the decision sheet
//	PUT    /decisions                               assessor, admin: record decisions; "submitted": true locks them
//	POST   /decisions/reopen                        admin: unlock submitted decisions
//	GET    /attestation.pdf                         the candidate's attestation, once issued
//	POST   /attestation/revocation                  admin: revoke it, {"reason":"…"}
//	GET    /result                                  the jury's result and the attestation (a candidate: from the jury date)
//	GET    /overview                                admin: documents, versions, decisions, result, attestation, history
//	GET    /history, /history.csv                   admin: the candidate's history (append-only), JSON or CSV
//
// # Access
//
// Every /api/ route needs a token (see IssueToken) sent as
// "Authorization: Bearer <token>" or, after POST /login, in the HttpOnly
// cookie CookieName. A token names a role, a subject and, optionally, a
// session it is confined to. Candidates (subject: their candidate number,
// session required) reach only their own documents, record and
// attestation; assessors (subject: their name) reach the candidates whose
// assignment lists them; admins reach everything, within their session if
// their token names one. A role that may never call a route gets 403; a
// candidate or session the caller may not see gets 404, as if it did not
// exist, so that ids cannot be probed.
//
// A token is refused, however well signed, when it is valid longer than
// its role may be (Config.MaxTokenTTL for candidates, MaxStaffTokenTTL for
// assessors and admins), or was issued before its bearer logged out or an
// admin revoked their tokens (dossier.TokenRevocation: a token's issue
// time is its generation).
//
// # Errors
//
// Every error is {"error":{"code":…,"message":…}}: the code is one of the
// dossier error codes, the message is French and safe to show, and the
// status comes from one table (errors.go). Internal errors say nothing
// more than that; their detail goes to the log line of the request.
//
// # Uploads
//
// An upload through the server is spooled to Config.TempDir while it is
// hashed and sniffed. Its body must keep arriving (Config.UploadIdleTimeout,
// or the upload fails and its file is removed); one person sends at most
// Config.MaxUploadsPerUser at once (429 too_many beyond); and all uploads
// together hold at most Config.MaxSpoolBytes there: past it, or when the
// disk is full, an upload is answered 503 with Retry-After, its cause
// logged. Once stored, a version is queued for the workers; if the queue
// does not say whether it took the task (a timeout), the upload is answered
// 202 all the same, the version queued: a lost task shows as stuck in the
// pipeline view, where an admin's retry queues it again.
package httpapi
