package grading

import (
	"strings"
)

// unit is a sentence, or a short line standing alone (a title, a list item,
// a table cell that the extractor put on a line of its own): the span of
// folded text rules look at, and the span quotes are cut from.
type unit struct {
	start, end int // in folded.s
	page       int
}

// shortLine is the length under which a line without end punctuation is a
// unit of its own rather than part of a sentence wrapped across lines.
const shortLine = 48

// segment splits a folded page into units. Lines wrapped inside a
// paragraph are joined; a line ends a unit when it ends with punctuation
// that closes a sentence or introduces a list, when it is short, or when
// the next line starts a list item. Inside a unit, sentences are split at
// ". ", "! " and "? " (not after an abbreviation or between digits).
func segment(f folded, page int) []unit {
	var units []unit
	s := f.s
	start := -1
	for pos := 0; pos < len(s); {
		nl := strings.IndexByte(s[pos:], '\n')
		end := len(s)
		if nl >= 0 {
			end = pos + nl
		}
		line := strings.TrimSpace(s[pos:end])
		if line != "" {
			if start < 0 {
				start = pos
			}
			next := ""
			if end < len(s) {
				next = nextLine(s[end+1:])
			}
			if closesUnit(line) || len(line) < shortLine || startsItem(next) || next == "" {
				units = appendSentences(units, s, start, end, page)
				start = -1
			}
		}
		pos = end + 1
	}
	if start >= 0 {
		units = appendSentences(units, s, start, len(s), page)
	}
	return units
}

func nextLine(s string) string {
	for {
		nl := strings.IndexByte(s, '\n')
		line := s
		if nl >= 0 {
			line = s[:nl]
		}
		if t := strings.TrimSpace(line); t != "" || nl < 0 {
			return t
		}
		s = s[nl+1:]
	}
}

func closesUnit(line string) bool {
	switch line[len(line)-1] {
	case '.', '!', '?', ':', ';', '"':
		return true
	}
	return false
}

// startsItem reports whether a line starts a list item: a bullet, a dash,
// "1)", "a)" or "1.".
func startsItem(line string) bool {
	if line == "" {
		return false
	}
	if strings.HasPrefix(line, "•") || strings.HasPrefix(line, "▪") || strings.HasPrefix(line, "◦") ||
		strings.HasPrefix(line, "\uf0b7") || line[0] == '-' || line[0] == '*' {
		return true
	}
	i := 0
	for i < len(line) && i < 3 && (line[i] >= '0' && line[i] <= '9' || i == 0 && line[i] >= 'a' && line[i] <= 'z') {
		i++
	}
	return i > 0 && i < len(line) && (line[i] == ')' || line[i] == '.' && i+1 < len(line) && line[i+1] == ' ')
}

// abbreviations end with a period without ending a sentence.
var abbreviations = map[string]bool{
	"m": true, "mme": true, "mr": true, "cf": true, "ex": true, "p": true, "art": true,
	"n": true, "no": true, "vs": true, "env": true, "st": true, "ste": true, "dr": true, "av": true,
}

func appendSentences(units []unit, s string, start, end, page int) []unit {
	from := start
	for i := start; i+1 < end; i++ {
		c := s[i]
		if (c != '.' && c != '!' && c != '?') || (s[i+1] != ' ' && s[i+1] != '\n') {
			continue
		}
		if c == '.' {
			w := i
			for w > from && isWordByte(s[w-1]) {
				w--
			}
			if abbreviations[s[w:i]] || (i-w == 1 && s[w] >= 'a' && s[w] <= 'z') {
				continue
			}
		}
		units = appendUnit(units, s, from, i+1, page)
		from = i + 1
	}
	return appendUnit(units, s, from, end, page)
}

func appendUnit(units []unit, s string, start, end, page int) []unit {
	for start < end && (s[start] == ' ' || s[start] == '\n') {
		start++
	}
	for end > start && (s[end-1] == ' ' || s[end-1] == '\n') {
		end--
	}
	if start < end {
		units = append(units, unit{start: start, end: end, page: page})
	}
	return units
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}
