#!/bin/sh
# shellcheck shell=sh
#
# Installs git-credential-codecommit for the current user on Linux and macOS.
#
#   curl -fsSL https://github.com/git-credential-codecommit/git-credential-codecommit/releases/latest/download/install.sh | sh
#   curl -fsSL .../install.sh | sh -s -- --setup      # then configure git
#   sh install.sh --uninstall
#   npm run build && sh install.sh --from dist          # from a checkout
#
# Flags:
#   --setup       run `git-credential-codecommit setup` after installing
#   --from DIR    install the binary and manual page built in DIR (`npm run build`
#                 makes them in dist/) instead of downloading a release
#   --uninstall   remove what this script installs (the files below), nothing else
#   --help        show this text
#
# Settings, from the environment only:
#   GIT_CREDENTIAL_CODECOMMIT_VERSION      a release such as 0.1.0 or v0.1.0 (default: the latest)
#   GIT_CREDENTIAL_CODECOMMIT_BASE_URL     where releases are published (default: the GitHub releases
#                                          of REPO below); assets are read from
#                                          <base>/download/v<version>/<asset>, or
#                                          <base>/latest/download/<asset> for the latest
#   GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR  where to install (default: ~/.local/bin)
#
# The manual page goes to <prefix>/share/man/man1 when the install folder is
# <prefix>/bin (so ~/.local/share/man/man1, which man-db finds from PATH), and
# to <folder>/share/man/man1 otherwise (man-db looks there too).
#
# What it does: picks the archive for this OS and CPU (musl builds on Alpine and
# other musl systems; the arm64 build on Apple silicon even under Rosetta),
# downloads it and SHA256SUMS from the same release, refuses to go on unless the
# archive's SHA-256 matches its line in SHA256SUMS, checks that the binary runs,
# then moves it into place in one step and adds git-remote-codecommit as a
# second name for it, and the manual page. It never uses sudo and never asks questions.
#
# Everything happens inside functions and the last line calls them, so a
# download cut short runs nothing.

# The GitHub "owner/repository" that publishes the releases. A placeholder
# until the project's home is settled; GIT_CREDENTIAL_CODECOMMIT_BASE_URL
# overrides the whole address.
REPO="git-credential-codecommit/git-credential-codecommit"

NAME="git-credential-codecommit"
REMOTE_NAME="git-remote-codecommit"

# `set -e` is not used: it is ignored inside a function called as `main || exit 1`.
# Every step checks its own result instead.
set -u

say() {
    printf '%s\n' "$*"
}

die() {
    printf '%s: %s\n' "$NAME install" "$*" >&2
    exit 1
}

have() {
    command -v "$1" >/dev/null 2>&1
}

print_usage() {
    cat <<EOF
usage: install.sh [--setup] [--from DIR] | --uninstall | --help

Installs $NAME (and the name $REMOTE_NAME) into
GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR (default ~/.local/bin), and its manual
page into ../share/man/man1 beside that folder (share/man/man1 inside it when
it does not end in /bin).

  --setup       run \`$NAME setup\` after installing
  --from DIR    install what \`npm run build\` made in DIR (e.g. dist) instead of a release
  --uninstall   remove the installed names and manual page, nothing else
  --help        show this help

Settings (environment):
  GIT_CREDENTIAL_CODECOMMIT_VERSION      release to install, e.g. 0.1.0 (default: latest)
  GIT_CREDENTIAL_CODECOMMIT_BASE_URL     release download base (default: https://github.com/$REPO/releases)
  GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR  install directory (default: ~/.local/bin)
EOF
}

install_dir() {
    if [ -n "${GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR:-}" ]; then
        printf '%s\n' "$GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR"
    elif [ -n "${HOME:-}" ]; then
        printf '%s\n' "$HOME/.local/bin"
    else
        return 1
    fi
}

# The folder for the manual page, beside the install folder (see the top of this file).
man_dir() {
    man_base=$(printf '%s\n' "$1" | sed 's:/*$::')
    case $man_base in
        */bin) printf '%s\n' "${man_base%/bin}/share/man/man1" ;;
        *) printf '%s\n' "$man_base/share/man/man1" ;;
    esac
}

is_musl() {
    [ -f /etc/alpine-release ] && return 0
    # musl's ldd prints its banner on stderr and exits 1, hence 2>&1 and no status check.
    ldd_banner=$(ldd --version 2>&1 | head -n 1)
    case $ldd_banner in
        *[Mm]usl*) return 0 ;;
        # Asked before the loader files: a glibc system can have the musl package installed.
        *GLIBC* | *"GNU libc"* | *glibc*) return 1 ;;
    esac
    for loader in /lib/ld-musl-*; do
        [ -e "$loader" ] && return 0
    done
    return 1
}

# Sets $target (the asset's platform part, e.g. linux-x64-musl).
detect_target() {
    os_name=$(uname -s 2>/dev/null) || die "cannot run uname -s"
    cpu=$(uname -m 2>/dev/null) || die "cannot run uname -m"
    case $os_name in
        Linux) os=linux ;;
        Darwin) os=darwin ;;
        MINGW* | MSYS* | CYGWIN* | Windows_NT)
            die "this is Windows: use install.ps1 instead (in PowerShell: irm $(base_url)/latest/download/install.ps1 | iex)" ;;
        *) die "unsupported operating system: $os_name (releases exist for Linux, macOS and Windows)" ;;
    esac
    case $cpu in
        x86_64 | amd64) arch=x64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) die "unsupported CPU: $cpu on $os_name (releases exist for x86_64 and arm64)" ;;
    esac
    # A shell running under Rosetta sees x86_64, but the native binary is faster and is what the machine is.
    if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then
        arch=arm64
    fi
    target="$os-$arch"
    if [ "$os" = linux ] && is_musl; then
        target="$target-musl"
    fi
}

base_url() {
    printf '%s\n' "${GIT_CREDENTIAL_CODECOMMIT_BASE_URL:-https://github.com/$REPO/releases}" | sed 's:/*$::'
}

# Sets $release_url (the folder holding the assets) and $release_label.
resolve_release() {
    version=${GIT_CREDENTIAL_CODECOMMIT_VERSION:-latest}
    case $version in
        latest | "")
            release_url="$(base_url)/latest/download"
            release_label="latest release"
            ;;
        *[!0-9A-Za-z.+_-]* | -*)
            die "GIT_CREDENTIAL_CODECOMMIT_VERSION is not a version: $version"
            ;;
        *)
            # Tags are v-prefixed; accept the version either way.
            tag="v${version#v}"
            release_url="$(base_url)/download/$tag"
            release_label="release $tag"
            ;;
    esac
}

# download URL FILE: one line on stderr and a non-zero status on any failure (404 included).
download() {
    dl_log="$tmp/download.log"
    if have curl; then
        case $1 in
            # Keeps a redirect from leaving HTTPS; a plain http base (a local mirror) is the user's choice.
            https://*) curl --proto '=https' --tlsv1.2 -fsSL -o "$2" "$1" 2>"$dl_log" ;;
            *) curl -fsSL -o "$2" "$1" 2>"$dl_log" ;;
        esac
    elif have wget; then
        wget -q -O "$2" "$1" 2>"$dl_log"
    else
        die "neither curl nor wget is installed"
    fi
    dl_status=$?
    if [ "$dl_status" -ne 0 ]; then
        dl_reason=$(tail -n 1 "$dl_log" 2>/dev/null)
        die "cannot download $1 (${dl_reason:-exit status $dl_status}); is the $release_label published for $target?"
    fi
}

sha256_of() {
    if have sha256sum; then
        sha256sum "$1" | awk '{ print $1 }'
    elif have shasum; then
        shasum -a 256 "$1" | awk '{ print $1 }'
    else
        openssl dgst -sha256 -r "$1" | awk '{ print $1 }'
    fi
}

# verify FILE ASSET SUMS
verify() {
    if ! have sha256sum && ! have shasum && ! have openssl; then
        die "cannot verify the download: none of sha256sum, shasum or openssl is installed"
    fi
    # The exact name in the second field: a pattern match would also hit
    # e.g. the -musl asset's line when looking for the glibc one.
    expected=$(awk -v f="$2" '$2 == f || $2 == "*" f { print $1; exit }' "$3")
    [ -n "$expected" ] || die "SHA256SUMS of the $release_label has no line for $2"
    actual=$(sha256_of "$1")
    [ "$actual" = "$expected" ] || die "checksum mismatch for $2: expected $expected, got ${actual:-nothing}; nothing was installed"
}

# True when $1 is the second name this script made for $2: a link to it, or a copy of it.
is_our_alias() {
    if [ -L "$1" ]; then
        [ "$(readlink "$1")" = "$NAME" ]
    else
        [ -f "$1" ] && [ -f "$2" ] && cmp -s "$1" "$2"
    fi
}

cleanup() {
    if [ -n "${pending:-}" ]; then rm -f "$pending"; fi
    if [ -n "${tmp:-}" ]; then rm -rf "$tmp"; fi
}

# Downloads and verifies the release archive, and unpacks it into $tmp/unpacked.
stage_release() {
    detect_target
    resolve_release
    have tar || die "tar is not installed"
    asset="$NAME-$target.tar.gz"

    say "downloading $asset ($release_label) from $release_url"
    download "$release_url/SHA256SUMS" "$tmp/SHA256SUMS"
    download "$release_url/$asset" "$tmp/$asset"
    verify "$tmp/$asset" "$asset" "$tmp/SHA256SUMS"
    say "SHA-256 verified against SHA256SUMS"

    if ! { mkdir -p "$tmp/unpacked" && tar -xzf "$tmp/$asset" -C "$tmp/unpacked" "$NAME" 2>/dev/null; }; then
        die "cannot unpack $asset"
    fi
    [ -f "$tmp/unpacked/$NAME" ] || die "$asset does not contain $NAME"
    # Releases before the manual page have none: the binary installs without it.
    tar -xzf "$tmp/$asset" -C "$tmp/unpacked" "$NAME.1" 2>/dev/null || rm -f "$tmp/unpacked/$NAME.1"
}

# Copies a local build (npm run build) into $tmp/unpacked, the same layout a release unpacks to.
stage_local() {
    [ -f "$1/$NAME" ] || die "$1 has no $NAME: build it first with npm run build"
    [ -f "$1/$NAME.1" ] || die "$1 has no $NAME.1: build it first with npm run build"
    { mkdir -p "$tmp/unpacked" && cp "$1/$NAME" "$1/$NAME.1" "$tmp/unpacked/"; } || die "cannot copy from $1"
    say "installing the build in $1"
}

do_install() {
    run_setup=$1
    from=$2
    dir=$(install_dir) || die "HOME is not set; set GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR"
    tmp=$(mktemp -d 2>/dev/null || mktemp -d -t "$NAME") || die "cannot create a temporary directory"
    trap cleanup EXIT
    trap 'exit 1' HUP INT TERM
    if [ -n "$from" ]; then
        stage_local "$from"
    else
        stage_release
    fi

    mkdir -p "$dir" 2>/dev/null || die "cannot create $dir; set GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR to a directory you own"
    [ -w "$dir" ] || die "cannot write to $dir; set GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR to a directory you own"
    dest="$dir/$NAME"
    alias_path="$dir/$REMOTE_NAME"
    # Another program may own this name (AWS's pip package git-remote-codecommit
    # installs into ~/.local/bin too): decide before the old binary it is compared with is replaced.
    replace_alias=yes
    if [ -e "$alias_path" ] || [ -L "$alias_path" ]; then
        is_our_alias "$alias_path" "$dest" || replace_alias=no
    fi

    # A new file moved over the old name in one step: a running helper keeps its
    # inode, and macOS never sees a signed binary change in place. It is tried
    # before the move, so a binary that cannot run here replaces nothing.
    pending="$dir/.$NAME.new.$$"
    if ! { cp "$tmp/unpacked/$NAME" "$pending" && chmod 755 "$pending"; }; then
        die "cannot write $pending"
    fi
    version_line=$("$pending" --version 2>&1) \
        || die "the downloaded $NAME does not run on this system: $(printf '%s' "$version_line" | head -n 1)"
    mv -f "$pending" "$dest" || die "cannot move the new binary to $dest"
    pending=""
    say "installed $version_line as $dest"

    if [ "$replace_alias" = yes ]; then
        pending="$dir/.$REMOTE_NAME.new.$$"
        # A relative link survives the directory being moved; where links are not possible, a copy.
        if ! { { ln -s "$NAME" "$pending" 2>/dev/null || cp "$dest" "$pending"; } && mv -f "$pending" "$alias_path"; }; then
            die "cannot create $alias_path"
        fi
        pending=""
        say "installed $alias_path (the same program, as git's remote helper for codecommit:// URLs)"
    else
        say "left $alias_path alone: it is another program (perhaps AWS's pip package of that name)"
    fi

    if [ -f "$tmp/unpacked/$NAME.1" ]; then
        mandir=$(man_dir "$dir")
        pending="$mandir/.$NAME.1.new.$$"
        if { mkdir -p "$mandir" && cp "$tmp/unpacked/$NAME.1" "$pending" && chmod 644 "$pending" && mv -f "$pending" "$mandir/$NAME.1"; } 2>/dev/null; then
            say "installed the manual page as $mandir/$NAME.1 (man $NAME, or git ${NAME#git-} --help)"
        else
            rm -f "$pending"
            say "could not install the manual page in $mandir; the helper works without it"
        fi
        pending=""
    fi

    # Colons on both sides, so only a whole PATH entry counts.
    case ":${PATH:-}:" in
        *":$dir:"*) ;;
        *)
            say ""
            say "$dir is not on your PATH. Add it in your shell's startup file (e.g. ~/.profile):"
            say "  export PATH=\"$dir:\$PATH\""
            ;;
    esac

    if [ "$run_setup" = yes ]; then
        # stdin may be this very script (curl | sh): the helper gets none of it.
        "$dest" setup </dev/null || die "$NAME setup failed"
    else
        say ""
        say "Next: run '$NAME setup' to configure git for CodeCommit."
    fi
}

do_uninstall() {
    dir=$(install_dir) || die "HOME is not set; set GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR"
    dest="$dir/$NAME"
    alias_path="$dir/$REMOTE_NAME"
    removed=0
    if [ -e "$alias_path" ] || [ -L "$alias_path" ]; then
        if is_our_alias "$alias_path" "$dest"; then
            rm -f "$alias_path" || die "cannot remove $alias_path"
            say "removed $alias_path"
            removed=1
        else
            say "left $alias_path alone: it is not a copy of or link to $NAME"
        fi
    fi
    if [ -e "$dest" ]; then
        rm -f "$dest" || die "cannot remove $dest"
        say "removed $dest"
        removed=1
    fi
    page="$(man_dir "$dir")/$NAME.1"
    if [ -e "$page" ]; then
        rm -f "$page" || die "cannot remove $page"
        say "removed $page"
        removed=1
    fi
    [ "$removed" = 1 ] || say "nothing to remove in $dir"
    say "git settings that name the helper are not changed; list them with: git config --global --get-regexp 'credential.*helper'"
}

main() {
    mode=install
    run_setup=no
    from=""
    while [ $# -gt 0 ]; do
        case $1 in
            --setup) run_setup=yes ;;
            --uninstall) mode=uninstall ;;
            --from)
                { [ $# -gt 1 ] && [ -n "$2" ]; } || die "--from needs a folder, e.g. --from dist"
                from=$2
                shift
                ;;
            --from=?*) from=${1#--from=} ;;
            -h | --help) mode=help ;;
            *) die "unknown argument: $1 (see --help)" ;;
        esac
        shift
    done
    case $mode in
        help) print_usage ;;
        uninstall) do_uninstall ;;
        install) do_install "$run_setup" "$from" ;;
    esac
}

main "$@" || exit 1
