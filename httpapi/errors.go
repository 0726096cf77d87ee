package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/dossier-cert/dossier"
)

// statusOf is the one table from error codes to HTTP statuses. A code
// missing from it is answered as internal.
var statusOf = map[string]int{
	dossier.EInvalid:           http.StatusBadRequest,
	dossier.EUnauthorized:      http.StatusUnauthorized,
	dossier.EForbidden:         http.StatusForbidden,
	dossier.ENotFound:          http.StatusNotFound,
	dossier.EConflict:          http.StatusConflict,
	dossier.ETooLarge:          http.StatusRequestEntityTooLarge,
	dossier.EUnsupportedFormat: http.StatusUnsupportedMediaType,
	// A document that is well sent but cannot be used as it is.
	dossier.EEmpty:       http.StatusUnprocessableEntity,
	dossier.EEncrypted:   http.StatusUnprocessableEntity,
	dossier.ENoTextLayer: http.StatusUnprocessableEntity,
	dossier.ECorrupt:     http.StatusUnprocessableEntity,
	dossier.ETimeout:     http.StatusUnprocessableEntity,
	dossier.EUnavailable: http.StatusServiceUnavailable,
	dossier.ETooMany:     http.StatusTooManyRequests,
	dossier.EInternal:    http.StatusInternalServerError,
}

// internalMessage is all a client learns of an internal error.
var internalMessage = dossier.ErrorMessage(errors.New("internal"))

// statusClientClosed is logged, never sent, when the client went away
// before the answer (nginx's 499).
const statusClientClosed = 499

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// classify returns the status, code and message to answer err with.
func classify(err error) (int, string, string) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = tooLarge(tooBig.Limit)
	}
	code := dossier.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status, code = http.StatusInternalServerError, dossier.EInternal
	}
	msg := dossier.ErrorMessage(err)
	if code == dossier.EInternal {
		msg = internalMessage
	}
	return status, code, msg
}

// fail answers err as JSON and notes it for the request's log line.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		noteError(r, statusClientClosed, err)
		return
	}
	status, code, msg := classify(err)
	noteError(r, status, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dossier"`)
	}
	writeJSON(w, status, errorBody{errorDetail{Code: code, Message: msg}})
}

// unavailable marks a failure of storage or of the queue as transient
// (dossier.Blobs and dossier.Records document every error that is not an
// *dossier.Error as such), so that the client is told to retry later; an
// *dossier.Error (not found, conflict…) is returned as it is.
func unavailable(err error) error {
	var (
		e       *dossier.Error
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	if err == nil || errors.As(err, &e) || errors.Is(err, context.Canceled) ||
		// A stored record that does not decode is a bug, not an outage.
		errors.As(err, &syntax) || errors.As(err, &typeErr) {
		return err
	}
	return &dossier.Error{Code: dossier.EUnavailable, Err: err,
		Message: "Le service est momentanément indisponible : réessayez dans quelques minutes."}
}

// notFound is a 404 with a message; it is also what a caller gets for what
// is not theirs to see.
func notFound(format string, args ...any) error {
	return dossier.Errorf(dossier.ENotFound, format, args...)
}

// forbidden is a 403: the caller's role may not do this.
func forbidden(format string, args ...any) error {
	return dossier.Errorf(dossier.EForbidden, format, args...)
}

// invalid is a 400: the request is malformed.
func invalid(format string, args ...any) error {
	return dossier.Errorf(dossier.EInvalid, format, args...)
}

// conflict is a 409.
func conflict(format string, args ...any) error {
	return dossier.Errorf(dossier.EConflict, format, args...)
}

// tooLarge is a 413 for a body over limit bytes.
func tooLarge(limit int64) error {
	return dossier.Errorf(dossier.ETooLarge,
		"Votre fichier est trop volumineux : la limite est de %s. Réduisez la taille des images ou retirez les annexes inutiles, puis déposez-le à nouveau.",
		dossier.FormatSize(limit))
}
