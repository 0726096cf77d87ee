package dossier

import "time"

// TokenRevocation says which access tokens of one person the server
// refuses (stored at TokenRevocationKey): those issued before NotBefore.
// A token's issue time is its generation: logging out, or an admin's
// revocation, moves NotBefore past every token issued until then — login
// links included — so that a link left in a browser's history opens
// nothing; the person needs a new link. Tokens issued afterwards, by the
// server or the CLI, work.
type TokenRevocation struct {
	NotBefore time.Time `json:"not_before"`
	// By is who revoked: the person themselves ("candidate:042", on
	// logging out) or an admin ("admin:root").
	By string    `json:"by"`
	At time.Time `json:"at"`
}
