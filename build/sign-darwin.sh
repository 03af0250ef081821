#!/bin/sh
# Re-signs both darwin binaries ad hoc, on macOS: Bun's cross-compiled
# darwin-x64 keeps a stale signature, and the checksums must cover the bytes
# users download. The release workflow runs it before packing; CI runs it on a
# dry run of the same build.
#
#   sh build/sign-darwin.sh BINDIR    (BINDIR/<target>/git-credential-codecommit)
set -eu
bindir=${1:?usage: sh build/sign-darwin.sh BINDIR}
for target in darwin-x64 darwin-arm64; do
  bin="$bindir/$target/git-credential-codecommit"
  codesign --remove-signature "$bin"
  codesign --force --sign - "$bin"
  codesign --verify --strict --verbose=2 "$bin"
done
