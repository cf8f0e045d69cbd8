# Sourced by the check scripts that .ci/run runs.

# write_nuget_config DIR FEED: DIR/NuGet.config takes the Convotron* packages only from FEED (a
# folder of .nupkg files) and everything else from nuget.org (package source mapping), so a
# package of the same id and version elsewhere cannot be picked up instead.
write_nuget_config() {
    cat >"$1/NuGet.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="convotron-under-test" value="$2" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="convotron-under-test">
      <package pattern="Convotron" />
    </packageSource>
    <packageSource key="nuget.org">
      <package pattern="*" />
    </packageSource>
  </packageSourceMapping>
</configuration>
CONFIG
}

# install_debian_packages WORKDIR PACKAGE...: installs Debian packages (as root, as CI runs),
# waiting for another apt to release its lock; the log goes to WORKDIR/apt.log, shown on failure.
install_debian_packages() {
    local work=$1; shift
    [ "$#" -gt 0 ] || return 0
    echo "installing $* from Debian"
    [ "$(id -u)" -eq 0 ] || { echo "installing $* needs root" >&2; return 1; }
    { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@"; } \
        >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; echo "apt-get install $* failed" >&2; return 1; }
}

# install_nativeaot_toolchain WORKDIR: NativeAOT links with clang and lld against zlib; installs
# whichever of Debian's clang, lld and zlib1g-dev is missing.
install_nativeaot_toolchain() {
    local need=()
    command -v clang >/dev/null 2>&1 || need+=(clang)
    command -v ld.lld >/dev/null 2>&1 || need+=(lld)
    [ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
    install_debian_packages "$1" "${need[@]}"
}
