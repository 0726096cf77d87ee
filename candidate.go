package dossier

import "time"

// Session is one certification session: a cohort of candidates, their
// deadline for written documents, and the jury that decides.
type Session struct {
	ID       string    `json:"id"`    // short, URL-safe: "2026-11-paris"
	Title    string    `json:"title"` // "Session de novembre 2026 – Paris"
	Deadline time.Time `json:"deadline,omitzero"`
	JuryDate time.Time `json:"jury_date,omitzero"`
}

// Candidate is a person sitting the certification in a session. The identity
// fields are those the certifier declares to the Caisse des Dépôts for the
// holders of the title.
type Candidate struct {
	ID         string   `json:"id"`          // candidate number, unique in the session, URL-safe
	LastName   string   `json:"last_name"`   // nom d'usage
	BirthName  string   `json:"birth_name"`  // nom de naissance
	FirstNames []string `json:"first_names"` // prénoms, in civil-status order
	BirthDate  string   `json:"birth_date"`  // YYYY-MM-DD
	Sex        string   `json:"sex"`         // "M" or "F", as the CDC schema has it
	// BirthCommune is the INSEE code of the commune of birth (5 characters;
	// 99xxx for a country of birth abroad).
	BirthCommune string `json:"birth_commune,omitempty"`
	Email        string `json:"email,omitempty"`
	// AccessRoute is how the candidate came to the certification, as a CDC
	// modaliteAcces value (FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION, VAE, …).
	AccessRoute string `json:"access_route,omitempty"`
}

// FullName is the name shown on documents: first names then last name.
func (c Candidate) FullName() string {
	name := c.LastName
	if name == "" {
		name = c.BirthName
	}
	if len(c.FirstNames) == 0 {
		return name
	}
	return c.FirstNames[0] + " " + name
}
