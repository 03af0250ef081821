<#
.SYNOPSIS
Installs git-credential-codecommit for the current Windows user.

.DESCRIPTION
Downloads the release archive for this machine (x64 or ARM64) and SHA256SUMS
from the same release, refuses to go on unless the archive's SHA-256 matches its
line in SHA256SUMS, checks that the program runs, and installs it into
$env:LOCALAPPDATA\Programs\git-credential-codecommit, also under the name
git-remote-codecommit.exe. That folder is added to the user's PATH. No
administrator rights are needed and nothing asks questions.

Settings, from the environment only:
  GIT_CREDENTIAL_CODECOMMIT_VERSION      a release such as 0.1.0 or v0.1.0 (default: the latest)
  GIT_CREDENTIAL_CODECOMMIT_BASE_URL     where releases are published (default: the GitHub
                                         releases of $Repo below); assets are read from
                                         <base>/download/v<version>/<asset>, or
                                         <base>/latest/download/<asset> for the latest
  GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR  where to install (default: the folder above)

.PARAMETER Setup
Runs `git-credential-codecommit setup` after installing.

.PARAMETER Uninstall
Removes the two installed names, and the folder and its PATH entry once empty.

.EXAMPLE
irm https://github.com/git-credential-codecommit/git-credential-codecommit/releases/latest/download/install.ps1 | iex

.EXAMPLE
& ([scriptblock]::Create((irm https://github.com/git-credential-codecommit/git-credential-codecommit/releases/latest/download/install.ps1))) -Setup
#>
param(
    [switch]$Setup,
    [switch]$Uninstall
)

# The GitHub "owner/repository" that publishes the releases. A placeholder until
# the project's home is settled; GIT_CREDENTIAL_CODECOMMIT_BASE_URL overrides
# the whole address.
$Repo = 'git-credential-codecommit/git-credential-codecommit'

# Run as `irm | iex`, this script shares the caller's session: everything lives
# in functions so the preferences below stay local, errors are thrown rather
# than `exit` (which would close the caller's window), and a download cut short
# does not parse, so nothing runs.

function Get-InstallDir {
    if ($env:GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR) { return $env:GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR }
    return Join-Path $env:LOCALAPPDATA 'Programs\git-credential-codecommit'
}

function Get-TargetArch {
    # The machine-wide value is the hardware's: an x64 PowerShell emulated on an
    # ARM64 machine sees AMD64 in its own environment.
    $native = [Environment]::GetEnvironmentVariable('PROCESSOR_ARCHITECTURE', 'Machine')
    if (-not $native) { $native = $env:PROCESSOR_ARCHITECTURE }
    switch ($native) {
        'AMD64' { return 'x64' }
        'ARM64' { return 'arm64' }
        default { throw "git-credential-codecommit: unsupported Windows architecture '$native' (releases exist for x64 and ARM64)" }
    }
}

function Get-ReleaseUrl {
    $base = $env:GIT_CREDENTIAL_CODECOMMIT_BASE_URL
    if (-not $base) { $base = "https://github.com/$Repo/releases" }
    $base = $base.TrimEnd('/')
    $version = $env:GIT_CREDENTIAL_CODECOMMIT_VERSION
    if (-not $version -or $version -eq 'latest') { return "$base/latest/download" }
    if ($version -notmatch '^v?[0-9A-Za-z][0-9A-Za-z.+_-]*$') {
        throw "git-credential-codecommit: GIT_CREDENTIAL_CODECOMMIT_VERSION is not a version: $version"
    }
    # Tags are v-prefixed; accept the version either way.
    return "$base/download/v$($version.TrimStart('v'))"
}

function Invoke-Download([string]$Url, [string]$OutFile) {
    try {
        # -UseBasicParsing: Windows PowerShell 5.1 otherwise needs Internet Explorer's engine.
        Invoke-WebRequest -Uri $Url -OutFile $OutFile -UseBasicParsing
    } catch {
        throw "git-credential-codecommit: cannot download ${Url}: $($_.Exception.Message)"
    }
}

function Get-ExpectedHash([string]$SumsFile, [string]$Asset) {
    foreach ($line in Get-Content -LiteralPath $SumsFile) {
        # The exact name in the second field: a pattern match would also accept
        # a line for another file whose name contains this one.
        $fields = $line.Trim() -split '\s+', 2
        if ($fields.Count -eq 2 -and ($fields[1] -ceq $Asset -or $fields[1] -ceq "*$Asset")) {
            return $fields[0].ToLowerInvariant()
        }
    }
    throw "git-credential-codecommit: SHA256SUMS has no line for $Asset"
}

# HKCU\Environment, where the user's own PATH is kept (created if a fresh profile lacks it).
function Get-UserPathKey {
    return [Microsoft.Win32.Registry]::CurrentUser.CreateSubKey('Environment')
}

function Set-UserPath([string[]]$Entries) {
    $key = Get-UserPathKey
    try {
        $key.SetValue('Path', ($Entries -join ';'), [Microsoft.Win32.RegistryValueKind]::ExpandString)
    } finally {
        $key.Close()
    }
    # Writing the registry alone does not tell Explorer, so terminals opened
    # from it would not see the change until the next sign-in; setting any user
    # variable through .NET broadcasts the settings change.
    $probe = 'GIT_CREDENTIAL_CODECOMMIT_PATH_UPDATED'
    [Environment]::SetEnvironmentVariable($probe, '1', 'User')
    [Environment]::SetEnvironmentVariable($probe, $null, 'User')
}

function Get-UserPathEntries {
    $key = Get-UserPathKey
    try {
        # As stored, %VARIABLES% unexpanded, so writing the list back keeps them.
        $raw = $key.GetValue('Path', '', [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
    } finally {
        $key.Close()
    }
    return @($raw -split ';' | Where-Object { $_ })
}

function Install-GitCredentialCodeCommit([bool]$RunSetup) {
    $ErrorActionPreference = 'Stop'
    # The progress bar slows Invoke-WebRequest down many times over in Windows PowerShell 5.1.
    $ProgressPreference = 'SilentlyContinue'
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12

    $asset = "git-credential-codecommit-windows-$(Get-TargetArch).zip"
    $releaseUrl = Get-ReleaseUrl
    $dir = Get-InstallDir
    $dest = Join-Path $dir 'git-credential-codecommit.exe'
    $alias = Join-Path $dir 'git-remote-codecommit.exe'

    $tmp = Join-Path ([IO.Path]::GetTempPath()) "git-credential-codecommit-$([Guid]::NewGuid())"
    New-Item -ItemType Directory -Path $tmp | Out-Null
    $pending = $null
    try {
        Write-Host "downloading $asset from $releaseUrl"
        Invoke-Download "$releaseUrl/SHA256SUMS" (Join-Path $tmp 'SHA256SUMS')
        $zip = Join-Path $tmp $asset
        Invoke-Download "$releaseUrl/$asset" $zip

        $expected = Get-ExpectedHash (Join-Path $tmp 'SHA256SUMS') $asset
        $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $zip).Hash.ToLowerInvariant()
        if ($actual -ne $expected) {
            throw "git-credential-codecommit: checksum mismatch for ${asset}: expected $expected, got $actual; nothing was installed"
        }
        Write-Host 'SHA-256 verified against SHA256SUMS'

        $unpacked = Join-Path $tmp 'unpacked'
        Expand-Archive -LiteralPath $zip -DestinationPath $unpacked
        $exe = Join-Path $unpacked 'git-credential-codecommit.exe'
        if (-not (Test-Path -LiteralPath $exe -PathType Leaf)) { throw "git-credential-codecommit: $asset does not contain git-credential-codecommit.exe" }

        New-Item -ItemType Directory -Force -Path $dir | Out-Null
        # Tried under a temporary name first, so a program that cannot run here
        # replaces nothing; then moved over the old one in one step.
        $pending = "$dest.new"
        Copy-Item -LiteralPath $exe -Destination $pending -Force
        # stdout only: Windows PowerShell turns a native program's redirected stderr into errors, which 'Stop' throws.
        $versionLine = & $pending --version
        if ($LASTEXITCODE -ne 0) { throw "git-credential-codecommit: the downloaded program does not run on this system: $versionLine" }
        Move-Item -LiteralPath $pending -Destination $dest -Force
        $pending = $null
        Write-Host "installed $versionLine as $dest"

        # A hard link needs no privilege (a symbolic link does); a copy where links are impossible.
        Remove-Item -LiteralPath $alias -Force -ErrorAction SilentlyContinue
        try {
            New-Item -ItemType HardLink -Path $alias -Target $dest | Out-Null
        } catch {
            Copy-Item -LiteralPath $dest -Destination $alias -Force
        }
        Write-Host "installed $alias (the same program, as git's remote helper for codecommit:// URLs)"
    } finally {
        if ($pending) { Remove-Item -LiteralPath $pending -Force -ErrorAction SilentlyContinue }
        Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
    }

    $entries = Get-UserPathEntries
    if ($entries -notcontains $dir) {
        Set-UserPath (@($entries) + $dir)
        Write-Host "added $dir to your user PATH; open a new terminal to use it"
    }
    if (($env:Path -split ';') -notcontains $dir) { $env:Path = "$env:Path;$dir" }

    if ($RunSetup) {
        & $dest setup
        if ($LASTEXITCODE -ne 0) { throw 'git-credential-codecommit: setup failed' }
    } else {
        Write-Host "Next: run 'git-credential-codecommit setup' to configure git for CodeCommit."
    }
}

function Uninstall-GitCredentialCodeCommit {
    $ErrorActionPreference = 'Stop'
    $dir = Get-InstallDir
    foreach ($name in 'git-remote-codecommit.exe', 'git-credential-codecommit.exe') {
        $path = Join-Path $dir $name
        if (Test-Path -LiteralPath $path) {
            Remove-Item -LiteralPath $path -Force
            Write-Host "removed $path"
        }
    }
    # The folder and its PATH entry are this installer's too, but only an
    # empty folder is removed: anything else in it is someone else's.
    if ((Test-Path -LiteralPath $dir) -and -not (Get-ChildItem -LiteralPath $dir -Force)) {
        Remove-Item -LiteralPath $dir -Force
        $entries = Get-UserPathEntries
        if ($entries -contains $dir) {
            Set-UserPath @($entries | Where-Object { $_ -ne $dir })
            Write-Host "removed $dir from your user PATH"
        }
    }
    Write-Host "git settings that name the helper are not changed; list them with: git config --global --get-regexp 'credential.*helper'"
}

if ($Uninstall) { Uninstall-GitCredentialCodeCommit } else { Install-GitCredentialCodeCommit $Setup.IsPresent }
