module github.com/dossier-cert/dossier

go 1.26.8
