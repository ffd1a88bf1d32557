# Installing the C library. Cargo builds it (`cargo build --release` gives
# target/release/libmlscore.so and libmlscore.a; build.rs regenerates include/mlscore.h):
#
#   make install PREFIX=/usr/local        build in release mode, then install
#   make install PREFIX=$HOME/.local NO_BUILD=1 PROFILE=debug   install what is already built
#
# installs lib/libmlscore.so, lib/libmlscore.a, include/mlscore.h and lib/pkgconfig/mlscore.pc,
# after which (with PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig if PREFIX is not a system prefix):
#
#   cc app.c $(pkg-config --cflags --libs mlscore)
#
# links the shared library. To link statically, name the archive and add the system libraries
# Rust's standard library needs (Libs.private):
#
#   cc app.c $(pkg-config --cflags mlscore) $PREFIX/lib/libmlscore.a \
#      $(pkg-config --libs-only-l --static mlscore | sed 's/-lmlscore//')
#
# A shared build outside the loader's path also needs LD_LIBRARY_PATH=$PREFIX/lib or
# -Wl,-rpath,$PREFIX/lib.

PREFIX ?= /usr/local
DESTDIR ?=
PROFILE ?= release
NO_BUILD ?=
CARGO ?= cargo
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

ifeq ($(PROFILE),release)
  TARGET_DIR = target/release
  CARGO_FLAGS = --release
else
  TARGET_DIR = target/$(PROFILE)
  CARGO_FLAGS = --profile $(subst debug,dev,$(PROFILE))
endif

all: build

build:
ifneq ($(NO_BUILD),1)
	$(CARGO) build --lib $(CARGO_FLAGS)
endif

install: build
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(TARGET_DIR)/libmlscore.so $(DESTDIR)$(PREFIX)/lib/libmlscore.so
	install -m 644 $(TARGET_DIR)/libmlscore.a $(DESTDIR)$(PREFIX)/lib/libmlscore.a
	install -m 644 include/mlscore.h $(DESTDIR)$(PREFIX)/include/mlscore.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' mlscore.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/mlscore.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libmlscore.so $(DESTDIR)$(PREFIX)/lib/libmlscore.a \
		$(DESTDIR)$(PREFIX)/include/mlscore.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/mlscore.pc

examples:
	$(MAKE) -C examples-c LIBDIR=$(abspath $(TARGET_DIR))

.PHONY: all build install uninstall examples
