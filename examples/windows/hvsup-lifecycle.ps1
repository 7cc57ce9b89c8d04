# SPDX-License-Identifier: MIT
<#
.SYNOPSIS
  Prepares, starts, inspects and stops a micro-VM with hvsup-cli, one request file per command.

.DESCRIPTION
  Works in Windows PowerShell 5.1 and PowerShell 7. Each request is written to a file and given
  to hvsup-cli with --request FILE, not piped to its standard input: Windows PowerShell 5.1
  pipes text to native programs in $OutputEncoding, which is ASCII there, so every non-ASCII
  character of a path (C:\Users\Zoë\...) would reach hvsup-cli as '?'. The file is written as
  UTF-8 without a byte-order mark, explicitly: 5.1's "Set-Content -Encoding UTF8" and
  "Out-File" add a BOM (or write UTF-16), which is not JSON text. hvsup-cli answers in UTF-8,
  so the console's output encoding is set to UTF-8 while it runs.

.EXAMPLE
  .\hvsup-lifecycle.ps1 -Kernel C:\microagent\Image -Rootfs C:\microagent\rootfs.vhd -StateDir $env:LOCALAPPDATA\hvsup
#>
param(
    [Parameter(Mandatory = $true)] [string] $Kernel,
    [Parameter(Mandatory = $true)] [string] $Rootfs,
    [string] $StateDir = (Join-Path $env:LOCALAPPDATA 'hvsup'),
    [string] $RuntimeId = 'agent-1',
    # The zip's bin\hvsup-cli.exe when this script runs from the zip's examples\ directory.
    [string] $Cli = (Join-Path (Split-Path -Parent $PSScriptRoot) 'bin\hvsup-cli.exe')
)
$ErrorActionPreference = 'Stop'

$utf8NoBom = New-Object System.Text.UTF8Encoding($false)

# Runs one request through `hvsup-cli --request FILE` and returns the decoded response.
function Invoke-Hvsup([string] $Command, [hashtable] $Config) {
    $request = @{
        command  = $Command
        identity = @{ requestID = "ps-$Command-$([guid]::NewGuid())"; runtimeID = $RuntimeId
                      role = 'workload'; backend = 'windows-hyperv' }
        config   = $Config
    }
    $file = Join-Path ([System.IO.Path]::GetTempPath()) "hvsup-request-$([guid]::NewGuid()).json"
    # -Depth: ConvertTo-Json stops at depth 2 by default and would flatten nested objects.
    [System.IO.File]::WriteAllText($file, (ConvertTo-Json -InputObject $request -Depth 16), $utf8NoBom)
    $saved = [Console]::OutputEncoding
    try {
        [Console]::OutputEncoding = $utf8NoBom
        $text = & $Cli --request $file | Out-String
        $exitCode = $LASTEXITCODE
    } finally {
        [Console]::OutputEncoding = $saved
        Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue
    }
    if ($exitCode -eq 2) { throw "hvsup-cli $Command`: usage error" }
    $response = $text | ConvertFrom-Json
    if (-not $response.ok) { throw "hvsup-cli $Command failed (exit $exitCode): $($response.error)" }
    return $response
}

$full = @{ kernelPath = $Kernel; rootfsPath = $Rootfs; stateDir = $StateDir; memoryMiB = 512; cpuCount = 2 }
$stateOnly = @{ stateDir = $StateDir }

foreach ($step in @(@('prepare', $full), @('start', $full), @('inspect', $stateOnly), @('stop', $stateOnly))) {
    $response = Invoke-Hvsup $step[0] $step[1]
    Write-Output ("{0,-8} {1}: {2} ({3})" -f $step[0], $RuntimeId, $response.event.state, $response.event.detail)
}
