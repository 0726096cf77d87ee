package dossier

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each is safe to show a user; the reading codes are those of
// the check contract.
const (
	// Reading a document.
	EUnsupportedFormat = "unsupported_format" // not PDF, DOCX, ODT or text
	EEncrypted         = "encrypted"          // needs a password
	ENoTextLayer       = "no_text_layer"      // a scan: pages with no text
	ECorrupt           = "corrupt"            // damaged beyond reading
	ETooLarge          = "too_large"          // over a size or page limit
	ETimeout           = "timeout"            // reading took too long
	EEmpty             = "empty"              // no content at all

	// Service.
	EInvalid      = "invalid"      // a request or file is malformed
	ENotFound     = "not_found"    // no such thing, or not yours to see
	EConflict     = "conflict"     // someone else changed it first
	EUnauthorized = "unauthorized" // no valid token
	EForbidden    = "forbidden"    // valid token, not allowed
	EUnavailable  = "unavailable"  // a dependency is down; retry later
	ETooMany      = "too_many"     // too many requests from one client, or at once; wait and retry
	EInternal     = "internal"     // a bug; the message says nothing more
)

// Error is an error with a code and a message that can be shown to the
// person who caused it (a candidate, an assessor, an admin), in French.
// Whatever is only for the logs goes in Err.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Err     error  `json:"-"` // the underlying cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s (%v)", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, and a generic message for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Une erreur interne est survenue. Réessayez plus tard ; si elle persiste, contactez l'organisme certificateur."
}

// Version is the version of the checker and of the program, set at build
// time with -ldflags "-X github.com/dossier-cert/dossier.Version=…".
var Version = "dev"

// FormatSize writes a size in bytes as messages to people say it, the
// French way: "20 Mo", "1,5 Mo", "512 Ko", "300 octets".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strings.Replace(strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0"), ".", ",", 1) + " Mo"
	case n >= 1<<10:
		return fmt.Sprintf("%.0f Ko", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d octets", n)
}
