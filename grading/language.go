package grading

import (
	"github.com/dossier-cert/dossier"
)

// stopwords are frequent words of the languages candidates may write in:
// counting them tells the language of a document well enough to say that
// it is not French.
var stopwords = map[string][]string{
	"fr": {"le", "la", "les", "des", "du", "de", "et", "est", "une", "un", "pour", "dans", "sur", "avec", "que", "qui", "je", "nous", "mon", "mes", "au", "aux", "pas", "ce", "cette", "sont", "par", "ai", "ont", "en"},
	"en": {"the", "and", "of", "to", "in", "is", "for", "with", "that", "my", "our", "we", "i", "on", "are", "this", "was", "by", "have", "has", "which", "from", "were", "it"},
	"de": {"der", "die", "das", "und", "ist", "ich", "wir", "mit", "fur", "nicht", "den", "dem", "ein", "eine", "zu", "auf", "sind", "von", "auch"},
	"es": {"el", "los", "las", "del", "y", "es", "una", "por", "con", "para", "que", "mi", "mis", "como", "pero", "fue", "son", "lo", "al"},
	"it": {"il", "gli", "della", "delle", "di", "che", "per", "con", "una", "sono", "mio", "miei", "non", "questo", "anche", "nel", "alla"},
}

var stopwordLang = func() map[string][]string {
	m := map[string][]string{}
	for lang, ws := range stopwords {
		for _, w := range ws {
			m[w] = append(m[w], lang)
		}
	}
	return m
}()

// minLanguageWords is how many stopwords a text needs for its language to
// be told.
const minLanguageWords = 20

// Language returns the language a document is written in ("fr", "en",
// "de", "es", "it"), or "" when it has too few words to tell.
func Language(text *dossier.Text) string {
	counts := map[string]int{}
	total := 0
	for _, p := range text.Pages {
		for _, t := range tokens(fold(p.Text).s) {
			for _, lang := range stopwordLang[t] {
				counts[lang]++
			}
			if len(stopwordLang[t]) > 0 {
				total++
			}
		}
	}
	if total < minLanguageWords {
		return ""
	}
	best := "fr"
	for _, lang := range []string{"en", "de", "es", "it"} {
		// French wins ties and near-ties: a French text quotes English
		// terms, and shares words with Spanish and Italian.
		if counts[lang] > counts[best] && float64(counts[lang]) > 1.5*float64(counts["fr"]) {
			best = lang
		}
	}
	return best
}
