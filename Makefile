# Corso Desktop. `make run` starts the app, `make test` runs every test;
# both install what they need first (Debian 12: apt packages, MinIO).
SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools
MINIO := $(TOOLS)/minio
# MinIO is built from its Go module (its tags are not semver; this is the
# commit of RELEASE.2026-02-12).
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
STATICCHECK_VERSION := v0.8.0
FUZZTIME ?= 15s
BENCHCOUNT ?= 6
export AWS_EC2_METADATA_DISABLED := true

# System packages: Fyne's cgo build on Debian, plus what tests run.
APT_PACKAGES := gcc libgl1-mesa-dev xorg-dev libxkbcommon-dev libwayland-dev \
	xvfb gnome-keyring dbus-x11 libsecret-tools

FUZZ_TARGETS := FuzzNormalizeFilesystem FuzzNormalizeS3 FuzzNormalizeS3Compatible FuzzImportCorsoConfig

.PHONY: all run build test unit fuzz bench lint deps tools clean

all: build

# Installs missing apt packages (as root, or through sudo).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing:" $$missing; \
		sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q $$missing; \
	fi

tools: $(MINIO)

$(MINIO):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOFLAGS=-buildvcs=false $(GO) install github.com/minio/minio@$(MINIO_VERSION)

run: deps
	$(GO) run ./cmd/corso-desktop

build: deps
	$(GO) build -trimpath -ldflags "-s -w" -o bin/corso-desktop ./cmd/corso-desktop

test: deps tools lint unit fuzz

unit:
	scripts/with-keyring.sh $(GO) test -count=1 -timeout 20m ./...

# A short, bounded fuzzing run per target; the seed corpus in testdata/
# also runs as plain tests in `unit`.
fuzz:
	@for f in $(FUZZ_TARGETS); do \
		$(GO) test ./repo -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

bench: deps tools
	scripts/bench.sh $(BENCHCOUNT)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	cd compat && $(GO) vet ./...

clean:
	rm -rf bin dist
