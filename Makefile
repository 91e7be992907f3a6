# Developer shortcuts; the README's two commands are the scripts themselves
# (they need no make on a fresh machine):
#   bash scripts/run.sh    install what is missing, build, set up data/laoke.db, serve on :8080
#   bash scripts/test.sh   install what is missing, run every test, also under ASan+UBSan

.PHONY: run test build clean

run:
	@scripts/run.sh

test:
	@scripts/test.sh

build:
	@[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized
	ninja -C build

clean:
	rm -rf build build-asan web/dist
