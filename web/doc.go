// Package web serves the pages people use: the candidate's page (the
// session, the expected documents, their upload and their state followed
// live), the assessor's page (assigned candidates, grading sheets,
// decisions) and the admin's page (sessions, candidate imports,
// attestations).
//
// It is the room of the pages people use. Pages are html/template with
// their assets embedded (go:embed): no build step, plain small JavaScript
// that calls the JSON API of httpapi from the browser with fetch, on the
// same origin, authenticated by the HttpOnly cookie that GET /login sets.
// The server renders the words of the page and the referentiel's labels
// (from grading.Default) into the page as JSON; the script puts user data
// into the page with textContent only.
//
// What it must not do: read tokens, storage or the queue (the API does),
// decide anything (people do), or hold French labels of the referentiel
// in JavaScript (they come from the referentiel, rendered by the server).
package web
