#!/usr/bin/env bash
# Sets up a machine for ISO Workbench: the Debian packages the tests build fixtures with,
# cross-check against and boot images in (QEMU, SeaBIOS, OVMF), the npm dependencies, the build,
# Debian's GRUB rescue images, and a real VS Code host for the extension tests
# (scripts/vscode-host/install.sh).
# Idempotent; run as root (or with sudo available) on Debian/Ubuntu.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(xorriso genisoimage p7zip-full libarchive-tools dumpet fdisk udftools isomd5sum
      syslinux-utils isolinux syslinux-common grub-common grub-pc-bin grub-efi-amd64-bin mtools
      dosfstools time gdisk btrfs-progs   # btrfs-progs: a real btrfs for the clone path of the copy (test/engine/io/copy.test.ts)
      ntfs-3g fusefat                     # case-insensitive and Windows-rule targets for extraction (FUSE)
      qemu-system-x86 seabios ovmf ovmf-ia32)   # the QEMU boot tests (scripts/boot-check.py, test/boot)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then npm ci --no-audit --no-fund; fi
npm run --silent build
bash test/fixtures/fetch-grub-rescue.sh test/fixtures/cache/real >/dev/null
# A real VS Code host for the integration and UI tests (code-server on Node 24, Chromium)
bash scripts/vscode-host/install.sh
echo "setup: done — try: node dist/isowb.js info test/fixtures/cache/real/grub-rescue-cdrom.iso"
