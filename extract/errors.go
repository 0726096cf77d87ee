package extract

import (
	"fmt"
	"time"

	"github.com/dossier-cert/dossier"
)

// The messages below are shown to candidates: each says what happened and
// what to do.

func errUnsupported(what string) *dossier.Error {
	return dossier.Errorf(dossier.EUnsupportedFormat,
		"Ce fichier n'est pas un format accepté (%s). Déposez votre document en PDF, DOCX (Word) ou ODT (LibreOffice) : depuis votre traitement de texte, utilisez « Enregistrer sous » ou « Exporter en PDF ».", what)
}

func errEncrypted() *dossier.Error {
	return dossier.Errorf(dossier.EEncrypted,
		"Votre PDF est protégé par un mot de passe ou par des restrictions : exportez-le sans protection puis déposez-le à nouveau.")
}

func errNoTextLayer() *dossier.Error {
	return dossier.Errorf(dossier.ENoTextLayer,
		"Votre PDF ne contient que des images, sans texte (document scanné ou photographié) : déposez le fichier d'origine (Word, LibreOffice) ou un PDF exporté depuis votre traitement de texte.")
}

func errCorrupt(detail error) *dossier.Error {
	return &dossier.Error{Code: dossier.ECorrupt, Err: detail,
		Message: "Votre fichier est endommagé et ne peut pas être lu : ouvrez-le dans votre traitement de texte, exportez-le de nouveau (PDF, DOCX ou ODT) puis déposez-le à nouveau."}
}

func errTooLarge(why string) *dossier.Error {
	return dossier.Errorf(dossier.ETooLarge,
		"Votre document est trop volumineux (%s) : réduisez la taille des images ou retirez les annexes inutiles, puis déposez-le à nouveau.", why)
}

func errTimeout(limit time.Duration) *dossier.Error {
	return dossier.Errorf(dossier.ETimeout,
		"La lecture de votre document a dépassé %s : il est sans doute très lourd ou mal formé. Exportez-le de nouveau en PDF depuis votre traitement de texte, sans images inutiles, puis déposez-le à nouveau.", fmtDuration(limit))
}

func errEmpty() *dossier.Error {
	return dossier.Errorf(dossier.EEmpty,
		"Votre document est vide : vérifiez que vous avez choisi le bon fichier, puis déposez-le à nouveau.")
}

func fmtDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d s", int(d/time.Second))
	}
	return d.String()
}
