package httpapi

import (
	"strconv"
	"time"
	_ "time/tzdata" // Europe/Paris, wherever the server runs
)

// What people read is in French: dates in Paris time, sizes in Mo and Ko
// (dossier.FormatSize), durations in words.

// paris is the time zone dates are shown in.
var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// durationFR writes a duration for people: "15 minutes", "2 heures".
func durationFR(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "jour")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "heure")
	case d >= time.Minute:
		return plural(int(d/time.Minute), "minute")
	}
	return plural(int(d/time.Second), "seconde")
}

func plural(n int, unit string) string {
	if n > 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
}
