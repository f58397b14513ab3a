# Corso Desktop. `make run` starts the app, `make test` runs every test;
# both install what they need first (Debian 12: apt packages, MinIO).
SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools
# A Go toolchain that scripts/go.sh fetched (when the system's is missing or
# older than go.mod needs, as Debian 12's 1.19 is) comes first.
export PATH := $(TOOLS)/go/bin:$(PATH)
MINIO := $(TOOLS)/minio
# MinIO is built from its Go module (its tags are not semver; this is the
# commit of RELEASE.2026-02-12).
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
STATICCHECK_VERSION := v0.8.0
# A count, not a duration: with a duration Go 1.26's fuzzing coordinator can
# report its own deadline as a failure (go.dev/issue/75804, fixed in 1.27).
FUZZTIME ?= 20000x
# Minimizing each new input is bounded the same way: unbounded it takes up
# to a minute an input, which stalls a run of thousands of executions.
FUZZMINIMIZE ?= 500x
BENCHCOUNT ?= 6
export AWS_EC2_METADATA_DISABLED := true

# System packages: Fyne's cgo build on Debian, plus what tests run.
# Packaging adds mingw-w64 (the Windows cross-build), desktop-file-utils
# (.desktop checks) and xz; screenshots and the smoke test use x11-utils
# and ImageMagick; the benchmark scripts use python3; the Windows package
# is run under Wine (wine, wine64).
APT_PACKAGES := make gcc libgl1-mesa-dev xorg-dev libxkbcommon-dev libwayland-dev \
	xvfb gnome-keyring dbus-x11 libsecret-tools \
	gcc-mingw-w64-x86-64 desktop-file-utils xz-utils x11-utils imagemagick python3 \
	wine wine64 curl ca-certificates

# package:target, one bounded run each.
FUZZ_TARGETS := repo:FuzzNormalizeFilesystem repo:FuzzNormalizeS3 repo:FuzzNormalizeS3Compatible \
	repo/corsoconfig:FuzzImportCorsoConfig repo/corsoconfig:FuzzImportNeverEchoesSecrets \
	repo/engineproto:FuzzReadEngine repo/preflight:FuzzListPageDecodesAsTheSDK \
	repo/preflight:FuzzHashedBlobIDIsTheExpression

# no_emoji leaves out Fyne's 4 MB colour emoji font, which Fyne would
# otherwise parse again for every text style it draws. fyneDo = true in
# FyneApp.toml: every build also carries the migration's tag, which
# `fyne package` adds by itself.
APP_TAGS := no_emoji
TAGS := migrated_fynedo,$(APP_TAGS)
# The app always runs kopia and the AWS SDK in the corso-desktop-engine
# helper next to it (no build tag decides that; see docs/architecture.md).
RELEASE_TAGS := $(APP_TAGS)
# The fyne packaging tool is a `tool` dependency in go.mod; it is built
# once into .tools/ so that a cross compiler in CC applies to the app's
# build only, not to building the tool itself.
FYNE := $(TOOLS)/fyne
APP_SRC := cmd/corso-desktop

.PHONY: all run build test unit fuzz faults bench lint deps tools clean apt-packages \
	package-linux package-windows package-test screenshots icon

all: build

# Installs missing apt packages (as root, or through sudo), then makes sure
# a Go toolchain new enough for go.mod is on PATH (scripts/go.sh).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing:" $$missing; \
		sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q $$missing; \
	fi
	@scripts/go.sh >/dev/null

tools: deps $(MINIO)

$(MINIO):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOFLAGS=-buildvcs=false $(GO) install github.com/minio/minio@$(MINIO_VERSION)

apt-packages:
	@echo $(APT_PACKAGES)

# The app finds its engine helper next to itself, so both are built into
# bin/dev first.
run: deps
	$(GO) build -tags $(TAGS) -o bin/dev/corso-desktop ./cmd/corso-desktop
	$(GO) build -o bin/dev/corso-desktop-engine ./cmd/corso-desktop-engine
	bin/dev/corso-desktop

build: deps
	$(GO) build -tags migrated_fynedo,$(RELEASE_TAGS),release -trimpath -ldflags "-s -w" -o bin/corso-desktop ./cmd/corso-desktop
	$(GO) build -trimpath -ldflags "-s -w" -o bin/corso-desktop-engine ./cmd/corso-desktop-engine

test: deps tools lint unit fuzz package-test

# UI tests run headless with Fyne's test driver (-tags ci); keychain tests
# inside a private D-Bus session with gnome-keyring.
unit:
	scripts/with-keyring.sh $(GO) test -tags ci,$(TAGS) -count=1 -parallel 8 -timeout 20m ./...

# `fyne package` reads FyneApp.toml and the icon next to the main package;
# they live at the top, so they are staged there for the build.
define fyne-package
	@mkdir -p dist
	cp FyneApp.toml Icon.png $(APP_SRC)/
	cd dist && $(1) $(FYNE) package --release --tags $(RELEASE_TAGS) --src ../$(APP_SRC) $(2); \
		status=$$?; rm -f ../$(APP_SRC)/FyneApp.toml ../$(APP_SRC)/Icon.png; exit $$status
endef

$(FYNE): go.mod go.sum
	@mkdir -p $(TOOLS)
	$(GO) build -o $(FYNE) fyne.io/tools/cmd/fyne

package-linux: deps $(FYNE)
	$(call fyne-package,,--os linux)
	scripts/package.sh linux
	@ls -l "dist/Corso Desktop.tar.xz"

package-windows: deps $(FYNE)
	$(call fyne-package,CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++,--os windows)
	@# fyne leaves the .exe next to the sources
	mv -f "$(APP_SRC)/Corso Desktop.exe" dist/
	scripts/package.sh windows
	@ls -l "dist/Corso Desktop.exe" "dist/Corso Desktop-windows.zip"

package-test: package-linux package-windows
	scripts/package-test.sh
	scripts/wine-test.sh "dist/Corso Desktop-windows.zip"

screenshots: build
	scripts/screenshots.sh docs/screenshots
	FYNE_THEME=dark scripts/screenshots.sh docs/screenshots/dark

icon:
	$(GO) run ./scripts/icon Icon.png

# A short, bounded fuzzing run per target; the seed corpus in testdata/
# also runs as plain tests in `unit`.
fuzz:
	@for pf in $(FUZZ_TARGETS); do \
		$(GO) test ./$${pf%%:*} -run '^$$' -fuzz "^$${pf#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) || exit 1; \
	done

# The long fault-injection family (docs/reliability.md): every race run
# many more times, a kill after every write, repeated three times.
FAULT_TESTS := Race|Interrupted|Concurrent|Kill|Silent|Stall|Cancel|Misbehaving|DiskFull|Overlap|OnlyKopias|NamesTheStore|Unusable|FormatWithoutIndex|EngineContract|WithinItsBound|StaleLock|Oversized|CrashedHelper
faults: deps tools
	CORSO_RACE_ROUNDS=40 CORSO_KILL_POINTS=all scripts/with-keyring.sh $(GO) test -tags ci,$(TAGS) -count=3 -parallel 8 -timeout 90m -run '$(FAULT_TESTS)' ./repo/...

bench: deps tools
	scripts/bench.sh $(BENCHCOUNT)
	TAGS=migrated_fynedo,$(RELEASE_TAGS) scripts/bench-ui.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags wine ./wintest
	GOOS=windows $(GO) vet ./platform ./repo ./repo/preflight ./repo/kopiaengine ./repo/engineproto ./repo/library ./cmd/corso-desktop-engine
	GOOS=windows $(GO) vet -tags ci,$(TAGS) ./cmd/corso-desktop ./ui
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	cd compat && $(GO) vet ./...

clean:
	rm -rf bin dist
