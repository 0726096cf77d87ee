// Package web serves the pages people use: the candidate's page (the
// session, the expected documents, their upload and their state followed
// live, the result after the jury), the assessor's page (assigned
// candidates, the documents themselves, grading sheets, findings,
// decisions) and the admin's page (sessions, candidate imports, a view of
// each candidate with its history, attestations).
//
// It is the room of the pages people use. Pages are html/template with
// their assets embedded (go:embed): no build step, plain small JavaScript
// that calls the JSON API of httpapi from the browser with fetch, on the
// same origin, authenticated by the HttpOnly cookie that GET /login sets.
// The server renders the words of the page and the labels of the
// referentiel the service runs with (Config.Referentiel; the embedded one,
// grading.Default, when none is given) into the page as JSON; the script
// puts user data into the page with textContent only. The accessibility
// statement (RGAA) is a page of its own, /accessibilite; axe-core, in the
// browser tests only (testdata/axe), keeps the pages free of violations.
//
// What it must not do: read tokens, storage or the queue (the API does),
// decide anything (people do), or hold French labels of the referentiel
// in JavaScript (they come from the referentiel, rendered by the server).
package web
