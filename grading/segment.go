package grading

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// unit is a sentence, a list item, a table row, or a short line standing
// alone (a title, a cell the extractor put on a line of its own): the span
// of folded text features describe, and the span quotes are cut from.
type unit struct {
	start, end int // in folded.s
	page       int
}

// shortLine is the length under which a line without end punctuation is a
// unit of its own rather than part of a sentence wrapped across lines.
const shortLine = 48

// fullLine is the share of a page's full line length (its longer lines)
// that a line must reach to be wrapped into the next: a paragraph's lines
// run to the margin but its last; a table row or a title stops short.
const fullLine = 0.75

// segment splits a folded page into units. Lines wrapped inside a
// paragraph are joined when wrapped is set (a PDF's lines; a DOCX or ODT
// paragraph is a line of its own); a line ends a unit when it ends with
// punctuation that closes a sentence or introduces a list, when it falls
// short of the margin, when it or the next is a table row (cells parted by
// tabs or " | "), or when the next line starts a list item. Inside a
// unit, sentences are split at ". ", "! " and "? " (not after an
// abbreviation or between digits).
func segment(f folded, page int, wrapped bool, full int) []unit {
	s := f.s
	lines := textLines(s)
	var units []unit
	start := -1
	for i, l := range lines {
		text := s[l.start:l.end]
		if start < 0 {
			start = l.start
		}
		last := i == len(lines)-1
		joins := wrapped && !last && !closesUnit(text) && !isRow(text) &&
			l.runes >= shortLine && float64(l.runes) >= fullLine*float64(full)
		if joins {
			next := s[lines[i+1].start:lines[i+1].end]
			joins = !startsItem(next) && !isRow(next)
		}
		if !joins {
			if isRow(text) && start == l.start {
				units = appendUnit(units, s, l.start, l.end, page)
			} else {
				units = appendSentences(units, s, start, l.end, page)
			}
			start = -1
		}
	}
	return units
}

// line is a line of folded text, blanks trimmed, with its length in runes.
type line struct{ start, end, runes int }

// textLines returns the lines of s that are not blank.
func textLines(s string) []line {
	var lines []line
	for pos := 0; pos <= len(s); {
		nl := strings.IndexByte(s[pos:], '\n')
		end := len(s)
		if nl >= 0 {
			end = pos + nl
		}
		a, b := pos, end
		for a < b && (s[a] == ' ' || s[a] == '\t') {
			a++
		}
		for b > a && (s[b-1] == ' ' || s[b-1] == '\t') {
			b--
		}
		if a < b {
			lines = append(lines, line{a, b, utf8.RuneCountInString(s[a:b])})
		}
		if nl < 0 {
			break
		}
		pos = end + 1
	}
	return lines
}

// fullWidth returns the length of a document's full lines, those that
// run to the margin: the longest lines that are not table rows, but a few,
// so that one overlong line does not set it.
func fullWidth(pages []folded) int {
	var n []int
	for _, f := range pages {
		for _, l := range textLines(f.s) {
			if !isRow(f.s[l.start:l.end]) {
				n = append(n, l.runes)
			}
		}
	}
	if len(n) == 0 {
		return 0
	}
	sort.Ints(n)
	return n[len(n)*95/100]
}

// isRow reports whether a line is a table row: cells parted by a tab (a
// PDF's column gap) or by " | " (a DOCX or ODT table).
func isRow(line string) bool {
	return strings.IndexByte(line, '\t') >= 0 || strings.Contains(line, " | ")
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
	for start < end && (s[start] == ' ' || s[start] == '\n' || s[start] == '\t') {
		start++
	}
	for end > start && (s[end-1] == ' ' || s[end-1] == '\n' || s[end-1] == '\t') {
		end--
	}
	if start >= end {
		return units
	}
	if utf8.RuneCountInString(s[start:end]) > MaxQuote {
		// A sentence too long to quote (a paragraph without full stops):
		// cut after the last clause that fits, and go on.
		limit, n := start, 0
		for i, r := range s[start:end] {
			if n++; n > MaxQuote {
				break
			}
			if (r == ';' || r == ',' || r == ':') && start+i+1 < end && s[start+i+1] == ' ' {
				limit = start + i + 1
			}
		}
		if limit > start {
			units = append(units, unit{start: start, end: limit, page: page})
			return appendUnit(units, s, limit, end, page)
		}
	}
	return append(units, unit{start: start, end: end, page: page})
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}
