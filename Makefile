# dossier — make targets. Only Go is needed; `make help` lists them.
SHELL   := /bin/bash
.SHELLFLAGS := -o pipefail -c
GO      ?= go
PKGS    := ./...
BIN     := bin/dossier
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/dossier-cert/dossier.Version=$(VERSION)

.PHONY: help run demo check build test corpus train eval bench load screenshots lint fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: ## the whole service on embedded Redis and S3 (data under ./data): API, workers, http://127.0.0.1:8080
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/dossier dev

demo: ## with "make run" going: upload the sample E1 and E5 through the API, save the sheets to out/
	$(GO) run ./cmd/dossier demo --out out

check: ## check the sample E5 dossier from the command line (no server)
	$(GO) run ./cmd/dossier check --modality E5 testdata/dossiers/e5-solide.pdf

build: ## build bin/dossier
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/dossier

test: ## the whole suite: unit and integration tests with the race detector, the detector on its test split, then the PDF corpus
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)
	$(GO) test -count=1 -run '^TestTestSplit$$' -v ./grading/corpus/ | grep -E '^(---|ok|FAIL)|test split|under its floor'
	$(MAKE) corpus

corpus: ## read every PDF of ../shared/corpus/pdf-wild: text or a contract error, never a crash or a hang; compare with pdftotext
	$(GO) test -count=1 -timeout 300s -run '^TestCorpus(Pool)?$$' -v ./extract/ | grep -E '^(---|ok|FAIL|PASS)|corpus:|crash|not a contract'

train: ## learn the detector's model from testdata/corpus (train and dev splits, never test) into grading/model.tsv
	$(GO) run ./cmd/dossier train --corpus testdata/corpus -o grading/model.tsv

eval: ## measure the detector on the frozen test split of testdata/corpus: P/R/F1 per element, macro-F1, specificity, κ, quotes
	$(GO) run ./cmd/dossier eval --corpus testdata/corpus --split test

bench: ## benchmarks: extraction and check speed, sheets, attestations
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

load: build ## load test on loopback: 1,000 documents through the API, Redis, S3 and 2 workers; report in out/load-report.json (LOAD_FLAGS="--workers 3" to vary)
	@mkdir -p out
	$(GO) run ./cmd/loadtest --bin $(BIN) --json out/load-report.json $(LOAD_FLAGS)

screenshots: ## the three journeys in Chromium against dossier dev, saving a screenshot of each page to docs/screenshots
	DOSSIER_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestBrowserJourneys$$' ./cmd/dossier

lint: ## gofmt, go vet, and staticcheck when installed
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt: the files above need formatting" && exit 1)
	$(GO) vet $(PKGS)
	@if command -v staticcheck >/dev/null; then staticcheck $(PKGS); else echo "staticcheck not installed: go install honnef.co/go/tools/cmd/staticcheck@latest"; fi

fuzz: ## run each fuzz target for 30 s
	$(GO) test -run '^$$' -fuzz '^FuzzCheck$$' -fuzztime 30s -fuzzminimizetime 200x ./grading/
	$(GO) test -run '^$$' -fuzz '^FuzzReadDOCX$$' -fuzztime 30s -fuzzminimizetime 200x ./extract/
	$(GO) test -run '^$$' -fuzz '^FuzzReadODT$$' -fuzztime 30s -fuzzminimizetime 200x ./extract/
	for f in FuzzParseObject FuzzCleanContent FuzzParseToUnicode FuzzTrueTypeCmap FuzzRebuildXref; do \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime 30s -fuzzminimizetime 200x ./extract/ || exit 1; done

clean: ## remove built files
	rm -rf bin out data
