#!/usr/bin/env python3
# boot-check.py [options] IMG [MODES]
#
# "Does this disc image still boot?"  The project's QEMU boot checker (used by test/boot/, and
# runnable by hand).  Boots IMG headless in QEMU, once per mode, with a hard time limit, and
# decides PASS / FAIL / N/A per mode from evidence:
#
#   bios-cd   SeaBIOS, image as an ATAPI CD-ROM, -boot d     (El Torito, platform 0x00)
#   bios-hdd  SeaBIOS, image as an IDE (or USB) hard disk     (hybrid MBR boot code)
#   uefi-cd   OVMF,    image as an ATAPI CD-ROM               (El Torito, platform 0xEF)
#   uefi-hdd  OVMF,    image as an IDE (or USB) hard disk     (EFI System Partition in GPT/MBR)
#
# MODES: comma/space separated subset of the above, or "all" (default).
#
# Where the evidence goes: OUT/<mode>/ for each mode that ran (default OUT=/tmp/bootcheck/<image
# name>; the tests use test/boot/out/...), plus OUT/image-report.txt (what the image holds: El
# Torito entries, MBR, GPT, ESPs, and xorriso's own report).  In OUT/<mode>/:
#   dbg.log     firmware debug console (isa-debugcon 0x402).  SeaBIOS logs
#               "Booting from DVD/CD..." / "Booting from Hard Disk..." then
#               "Booting from 0000:7c00" when it jumps to the loaded boot sector, or
#               "Boot failed: ..." / "No bootable device".  Debian 12's OVMF is a RELEASE
#               build and prints nothing there (the file stays empty for uefi-*).
#   serial.log  COM1.  OVMF mirrors its console there: "BdsDxe: loading Boot0001 ...",
#               "BdsDxe: starting Boot0001 ..." (image loaded, entry point called),
#               "BdsDxe: failed to load|start Boot0001 ...: <status>", the EFI shell.
#               EFI loaders that print through ConOut (GRUB, iPXE) show up here too.
#   shot-*.png  screenshots (QMP screendump) taken at hand-off and every few seconds
#               after it; screen.png = the last one taken while the guest still ran.
#   vga-text.txt the 80x25 VGA text buffer at the end (BIOS modes).
#   cmdline.txt the QEMU command line; qemu.log its output.
#   run.json    all facts and timings; verdict.txt the one-line verdict.
#
# A mode PASSes only if the firmware handed control to the image (SeaBIOS jumped to
# 0000:7c00 / OVMF started the image's boot option) AND the guest then showed a sign of
# life of its own: text on the screen that the firmware did not write, a video mode
# change, output on the serial console, or a screen that changed after the hand-off
# (before any fall-back to the firmware).  "Boot sector loaded, then nothing" is a FAIL, and so
# is bios-hdd showing nothing but text that the MBR boot code itself holds (GRUB's MBR prints
# "GRUB " before jumping to the next stage: that proves only that the MBR ran).
# A loader that runs and later gives control back (iPXE without a NIC does) is a PASS,
# with the return noted.  Guest text that is a known boot-chain error ("isolinux.bin missing
# or corrupt", "error: ...", "grub rescue>", "Missing operating system", GRUB's "Failed to
# boot both default and fallback entries", ...) is a FAIL.
#
# uefi-hdd hides El Torito from OVMF: edk2's PartitionDxe recognises El Torito on a 512-byte
# disk and then ignores the MBR/GPT, so OVMF would boot e.g. ipxe.iso "from disk" although it
# has no ESP.  The Boot Record Volume Descriptor's identifier ("EL TORITO SPECIFICATION") and
# the rest of that sector are zeroed (HMP qemu-io) in the drive's temporary snapshot overlay --
# never in IMG -- so the MBR/GPT ESP path is what gets tested (--no-mask turns this off).  Its
# first 7 bytes (type 0, "CD001", version) stay: ISO 9660 readers walk the descriptor list and
# GRUB's iso9660 driver gives up ("unknown filesystem") at a descriptor without "CD001".
# The image file is opened read-only / snapshot=on in every mode.
# The guest has no NIC; SeaBIOS output comes from debugcon, so serial.log is guest-only in BIOS.
#
# N/A is decided from the image bytes (own parser; xorriso's report is saved alongside
# for people): no El Torito entry for the platform -> *-cd N/A; no MBR boot code -> bios-hdd
# N/A; no EFI System Partition (GPT type C12A7328-... or MBR type 0xEF) -> uefi-hdd N/A.
# If the Boot Record Volume Descriptor exists but the catalog is unreadable, the *-cd modes
# are NOT N/A (they run, and fail).  With --ref ORIG, a mode applies if it applies to ORIG
# (or IMG): a repack that destroys a boot path cannot hide as "N/A".
# The EFI loader's architecture (EFI/BOOT/BOOTX64.EFI vs BOOTIA32.EFI in the FAT image)
# picks x86_64 OVMF or ia32 OVMF (package ovmf-ia32; q35 + SMM).
#
# Options:
#   --ref ORIG        decide which modes apply from ORIG too (the image before repacking)
#   --out DIR         output directory (default /tmp/bootcheck/<basename of IMG>)
#   --timeout S       hard limit per mode, seconds (default 90 under TCG, 45 under KVM)
#   --settle S        seconds to keep the guest running after hand-off (default 20 TCG, 8 KVM)
#   --accel kvm|tcg   default ($BOOTCHECK_ACCEL, else): kvm if /dev/kvm works and the CPU has
#                     vmx/svm, else tcg (a software "PVM" kvm without vmx ran SeaBIOS+GRUB ~40x
#                     slower than TCG)
#   --hdd-bus ide|usb how the *-hdd modes attach the image (default ide)
#   --mem MB          guest RAM (default 512)
#   --force           also run modes that are N/A (reported as N/A, not counted)
#   --no-mask         uefi-hdd: let OVMF see El Torito on the disk (see above)
#   --list            boot nothing: print "MODE applies|N/A reason" per requested mode, exit 0
# SIGTERM/SIGINT/SIGHUP end the running QEMU before the script exits; should the script die
# otherwise, coreutils `timeout` ends QEMU at the mode's limit + 20 s.
#
# Output: a "# boot-check ..." line, then one line per mode,
#   "MODE PASS|FAIL <seconds>s <why the mode applies>; <verdict reason> [accel,firmware] shot: PNG"
#   "MODE N/A  <why not>"
# Exit: 0 every requested mode that applies PASSed; 1 some FAIL; 2 no requested mode
# applies (nothing was checked); 3 harness problem (QEMU/firmware missing); 64 usage.
#
# Needs: qemu-system-x86 (qemu-system-x86_64), seabios, ovmf, [ovmf-ia32], python3 (stdlib
# only), coreutils timeout; xorriso optional (report only).  scripts/setup.sh installs them.
#
# Ported from a field-tested shell+python checker; tried on Debian's real images: GRUB rescue
# (BIOS CD + HDD), iPXE (BIOS CD + HDD, UEFI CD), memtest86+ (all four); zeroing a boot image,
# the catalog, the MBR code or the ESP fails exactly the modes that depend on it.

import argparse
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

MODES = ['bios-cd', 'bios-hdd', 'uefi-cd', 'uefi-hdd']
QEMU = shutil.which('qemu-system-x86_64') or '/usr/bin/qemu-system-x86_64'
FW = {  # (code, vars template) per EFI architecture; Debian 12's ovmf / ovmf-ia32 packages
    'x64': ('/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'),
    'ia32': ('/usr/share/OVMF/OVMF32_CODE_4M.secboot.fd', '/usr/share/OVMF/OVMF32_VARS_4M.fd'),
}
ESP_GUID = bytes.fromhex('28732ac11ff8d211ba4b00a0c93ec93b')   # C12A7328-F81F-11D2-BA4B-00A0C93EC93B
PLAT = {0: 'BIOS', 1: 'PPC', 2: 'Mac', 0xEF: 'UEFI'}
MEDIA = {0: 'no-emul', 1: '1.2M floppy emul', 2: '1.44M floppy emul', 3: '2.88M floppy emul', 4: 'hdd emul'}


# ============================================================================ the image's bytes
def efi_arch_of_fat(f, off, maxlen):
    """Look inside a FAT image at byte offset off for EFI/BOOT/BOOT*.EFI short names.
    -> (list of architectures or None, explanation)"""
    f.seek(off)
    bs = f.read(512)
    if len(bs) < 512 or bs[510:512] != b'\x55\xaa':
        return None, 'no FAT boot sector at byte %d' % off
    bps = struct.unpack_from('<H', bs, 11)[0]
    tot = struct.unpack_from('<H', bs, 19)[0] or struct.unpack_from('<I', bs, 32)[0]
    if bps not in (512, 1024, 2048, 4096) or tot == 0:
        return None, 'no FAT BPB at byte %d' % off
    n = min(bps * tot, maxlen, 256 << 20)
    f.seek(off)
    data = f.read(n)
    found = [a for a, name in (('x64', b'BOOTX64 EFI'), ('ia32', b'BOOTIA32EFI'), ('aa64', b'BOOTAA64EFI'))
             if name in data]
    if not found:
        return None, 'FAT at byte %d has no EFI/BOOT/BOOT{X64,IA32}.EFI' % off
    return found, 'FAT at byte %d has %s' % (off, '+'.join('BOOT%s.EFI' % a.upper() for a in found))


def read_catalog(cat):
    """El Torito boot catalog bytes -> (ok, why-not, entries)."""
    if len(cat) < 64:
        return False, 'catalog beyond end of image', []
    if cat[0] != 1 or cat[30:32] != b'\x55\xaa' or sum(struct.unpack_from('<16H', cat, 0)) & 0xffff:
        return False, 'no valid validation entry', []

    def entry(o, plat):
        e = cat[o:o + 32]
        return {'platform': plat, 'bootable': e[0] == 0x88, 'media': e[1] & 0x0f,
                'count': struct.unpack_from('<H', e, 6)[0], 'lba': struct.unpack_from('<I', e, 8)[0]}

    entries = [entry(32, cat[1])]                 # initial/default entry; platform from validation entry
    o = 64
    while o + 32 <= len(cat) and cat[o] in (0x90, 0x91):   # section headers (0x91: last one)
        plat, num = cat[o + 1], struct.unpack_from('<H', cat, o + 2)[0]
        final = cat[o] == 0x91
        o += 32
        for _ in range(num):
            if o + 32 > len(cat):
                break
            if cat[o] in (0x88, 0x00):
                entries.append(entry(o, plat))
            o += 32
            while o + 32 <= len(cat) and cat[o] == 0x44:   # extension entries
                o += 32
        if final:
            break
    return True, '', entries


def inspect(path):
    """Everything boot-related the image's bytes say: El Torito, MBR, GPT, ESPs, EFI loaders."""
    r = {'path': path, 'size': os.path.getsize(path), 'notes': []}
    with open(path, 'rb') as f:
        def rd(off, n):
            f.seek(off)
            return f.read(n)

        # --- ISO 9660 volume descriptors / El Torito
        r['iso'] = rd(0x8001, 5) == b'CD001'
        cat_lba = None
        for s in range(16, 48):
            vd = rd(s * 2048, 2048)
            if len(vd) < 2048 or vd[1:6] != b'CD001':
                break
            if vd[0] == 0 and vd[7:30] == b'EL TORITO SPECIFICATION':
                cat_lba = struct.unpack_from('<I', vd, 71)[0]
                r['brvd_sector'] = s
            if vd[0] == 255:
                break
        r['brvd'] = cat_lba is not None
        r['catalog_lba'] = cat_lba
        entries, cat_ok, why = [], False, ''
        if cat_lba is not None:
            cat_ok, why, entries = read_catalog(rd(cat_lba * 2048, 8192))
            if why:
                why = 'boot catalog at LBA %d: %s' % (cat_lba, why)
        r['catalog_ok'], r['catalog_why'], r['eltorito'] = cat_ok, why, entries
        # EFI El Torito image: which loader architectures does its FAT hold?
        r['cd_efi_arch'], r['cd_efi_why'] = None, ''
        for e in entries:
            if e['platform'] == 0xEF and e['bootable']:
                ln = e['count'] * 512 if e['count'] > 1 else (256 << 20)
                r['cd_efi_arch'], r['cd_efi_why'] = efi_arch_of_fat(f, e['lba'] * 2048, ln)
                break

        # --- MBR
        mbr = rd(0, 512)
        r['mbr_sig'] = len(mbr) == 512 and mbr[510:512] == b'\x55\xaa'
        r['mbr_code'] = r['mbr_sig'] and any(mbr[0:440])
        parts = []
        if r['mbr_sig']:
            for i in range(4):
                p = mbr[446 + 16 * i: 462 + 16 * i]
                typ, start, cnt = p[4], struct.unpack_from('<I', p, 8)[0], struct.unpack_from('<I', p, 12)[0]
                if typ or cnt:
                    parts.append({'n': i + 1, 'active': p[0] == 0x80, 'type': typ, 'start': start, 'count': cnt})
        r['mbr_parts'] = parts

        # --- GPT (512-byte blocks, or 2048-byte blocks as some hybrids use)
        gpt = []
        for bsz in (512, 2048):
            h = rd(bsz, 92)
            if h[:8] != b'EFI PART':
                continue
            elba, num, esz = struct.unpack_from('<QII', h, 72)
            if not (128 <= esz <= 1024 and num <= 1024):
                continue
            tab = rd(elba * bsz, num * esz)
            for i in range(num):
                e = tab[i * esz:(i + 1) * esz]
                if len(e) < 56 or not any(e[:16]):
                    continue
                gpt.append({'n': i + 1, 'esp': e[:16] == ESP_GUID, 'bsz': bsz,
                            'start': struct.unpack_from('<Q', e, 32)[0], 'end': struct.unpack_from('<Q', e, 40)[0],
                            'name': e[56:128].decode('utf-16-le', 'replace').rstrip('\0')})
            break
        r['gpt'] = gpt

        # --- EFI System Partitions and the loaders in them
        esps = [('GPT', p['n'], p['start'] * p['bsz'], (p['end'] - p['start'] + 1) * p['bsz'])
                for p in gpt if p['esp']]
        esps += [('MBR', p['n'], p['start'] * 512, p['count'] * 512) for p in parts if p['type'] == 0xEF]
        r['esps'] = esps
        r['hdd_efi_arch'], r['hdd_efi_why'] = None, ''
        for kind, n, off, ln in esps:
            a, w = efi_arch_of_fat(f, off, ln)
            r['hdd_efi_arch'], r['hdd_efi_why'] = a, '%s partition %d: %s' % (kind, n, w)
            if a:
                break
    return r


def applicability(r):
    """inspect() result -> {mode: (applies, reason)}"""
    out = {}
    plats = ', '.join('%s%s@%d' % (PLAT.get(e['platform'], hex(e['platform'])),
                                   '' if e['bootable'] else '(not bootable)', e['lba'])
                      for e in r['eltorito']) or 'none'
    for m, plat in (('bios-cd', 0), ('uefi-cd', 0xEF)):
        hits = [e for e in r['eltorito'] if e['platform'] == plat and e['bootable']]
        if not r['brvd']:
            out[m] = (False, 'no El Torito boot record volume descriptor' + ('' if r['iso'] else ' (not ISO 9660)'))
        elif not r['catalog_ok']:
            out[m] = (True, 'El Torito BRVD present but ' + r['catalog_why'])
        elif hits:
            e = hits[0]
            out[m] = (True, 'El Torito %s entry, %s, LBA %d' % (PLAT[plat], MEDIA.get(e['media'], '?'), e['lba']))
        else:
            out[m] = (False, 'no bootable El Torito entry for platform %s (catalog: %s)' % (PLAT[plat], plats))
    if not r['mbr_sig']:
        out['bios-hdd'] = (False, 'no MBR (no 55AA signature at byte 510)')
    elif not r['mbr_code']:
        out['bios-hdd'] = (False, 'MBR has no boot code (bytes 0-439 are zero)')
    else:
        out['bios-hdd'] = (True, 'MBR boot code + 55AA; partitions: %s' % (
            ', '.join('%d:0x%02x%s' % (p['n'], p['type'], '*' if p['active'] else '') for p in r['mbr_parts'])
            or 'none'))
    if r['esps']:
        k, n, off, ln = r['esps'][0]
        out['uefi-hdd'] = (True, 'EFI System Partition: %s partition %d at byte %d (%d KiB)' % (k, n, off, ln // 1024))
    else:
        what = 'MBR types ' + (','.join('0x%02x' % p['type'] for p in r['mbr_parts']) or 'none')
        what += '; ' + ('GPT without ESP' if r['gpt'] else 'no GPT')
        out['uefi-hdd'] = (False, 'no EFI System Partition (%s)' % what)
    return out


# ============================================================================ helpers
def ppm_read(path):
    """QEMU's screendump (binary PPM) -> (width, height, RGB bytes) or None"""
    data = open(path, 'rb').read()
    m = re.match(rb'P6\s+(\d+)\s+(\d+)\s+(\d+)\s', data)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), data[m.end():]


def png_write(img, path):
    w, h, pix = img
    raw = b''.join(b'\0' + pix[y * w * 3:(y + 1) * w * 3] for y in range(h))

    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    with open(path, 'wb') as o:
        o.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw, 6)) + chunk(b'IEND', b''))


def screen_diff(a, b):
    """fraction of pixels that differ; 1.0 if the video mode (size) differs"""
    if a is None or b is None:
        return None
    if a[:2] != b[:2]:
        return 1.0
    pa, pb = a[2], b[2]
    n = len(pa) // 3
    step = 3 * 7          # sample every 7th pixel: fast and plenty for this purpose
    diff = sum(1 for i in range(0, len(pa) - 2, step) if pa[i:i + 3] != pb[i:i + 3])
    return diff / max(1, (n + 6) // 7)


ANSI = re.compile(r'\x1b\[[0-9;=?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]')


def clean_serial(b):
    """serial console bytes -> non-empty text lines (escape sequences, backspaces, CRs removed)"""
    s = b.decode('latin-1')
    s = ANSI.sub('\n', s).replace('BdsDxe:', '\nBdsDxe:')
    s = re.sub(r'.\x08', '', s).replace('\x08', '')
    s = s.replace('\r', '\n')
    return [line.strip() for line in s.split('\n') if line.strip()]


def wordy(line):
    return re.search(r'[A-Za-z0-9]{3}', line) is not None


def mbr_strings(img):
    """Printable runs (3+ characters) in the image's MBR boot code (bytes 0-439)."""
    with open(img, 'rb') as f:
        code = f.read(440)
    return [m.group(0).decode('latin-1') for m in re.finditer(rb'[\x20-\x7e]{3,}', code)]


def is_mbr_text(line, runs):
    """Could the MBR boot code have printed this screen line by itself (every word of it is in
    one of its strings)?"""
    words = line.split()
    return bool(words) and all(any(w in r for r in runs) for w in words)


# Lines the firmware writes itself (not a sign of life from the image)
SEABIOS_LINE = re.compile(r'^(SeaBIOS \(version|Machine UUID|Booting from|Boot failed|No bootable device|'
                          r'Retrying in|Press ESC for boot menu|Select boot device|iPXE \(|enter handle_|'
                          r'Probing EDD|Booting from ROM)')

# Messages with which boot loaders/MBR code say that the boot chain broke.  Output like this
# is a sign of life of the *first* stage only, so it turns a PASS into a FAIL.
LOADER_ERROR = re.compile(r'missing or corrupt|missing operating system|operating system not found|'
                          r'invalid partition table|error loading operating system|not a bootable disk|'
                          r'non-system disk|disk (read )?error|boot error|no bootable (device|medium|partition)|'
                          r'(could not|cannot|can\'t|unable to|failed to) (find|load|read|open|boot|start)|'
                          r'^error: |grub rescue>|kernel panic|is missing|security violation|access denied', re.I)


class QMP:
    """Minimal QMP client on a unix socket (commands are answered in order; events are skipped)."""

    def __init__(self, path, deadline, proc):
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        self.s.settimeout(15)
        self.f = self.s.makefile('rwb')
        self._read()                                   # greeting
        self.cmd('qmp_capabilities')

    def _read(self):
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError('QMP closed')
            msg = json.loads(line)
            if 'event' not in msg:
                return msg

    def cmd(self, name, **args):
        self.f.write(json.dumps({'execute': name, 'arguments': args}).encode() + b'\n')
        self.f.flush()
        msg = self._read()
        if 'error' in msg:
            raise RuntimeError('%s: %s' % (name, msg['error'].get('desc')))
        return msg.get('return')

    def hmp(self, line):
        return self.cmd('human-monitor-command', **{'command-line': line})


def kvm_works():
    """-> (use kvm?, why)"""
    if not os.path.exists('/dev/kvm') or not os.access('/dev/kvm', os.R_OK | os.W_OK):
        return False, '/dev/kvm missing or not accessible'
    flags = open('/proc/cpuinfo').read()
    if not re.search(r'^flags\s*:.*\b(vmx|svm)\b', flags, re.M):
        # e.g. a nested "PVM" kvm without VT-x/AMD-V: it works, but runs SeaBIOS and real-mode
        # boot loaders ~40x slower than TCG (measured: hand-off at 12.6 s vs 0.3 s)
        return False, '/dev/kvm present but CPU has no vmx/svm (software KVM): TCG is faster'
    try:
        p = subprocess.run(['timeout', '-k', '2', '15', QEMU, '-accel', 'kvm', '-machine', 'pc', '-nodefaults',
                            '-display', 'none', '-S', '-qmp', 'stdio'],
                           input=b'{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n',
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        return False, str(e)
    if p.returncode == 0 and b'"return"' in p.stdout:
        return True, 'kvm probe ok'
    return False, 'kvm probe failed: ' + p.stderr.decode(errors='replace').strip()[-200:]


RUNNING = set()   # the QEMU processes (each under coreutils `timeout`) this script started


def on_signal(signum, _frame):
    """SIGTERM/SIGINT/SIGHUP (a test runner's watchdog, Ctrl-C): end our QEMU, then exit."""
    for p in list(RUNNING):
        try:
            p.terminate()     # `timeout` passes the signal on to QEMU and exits
        except OSError:
            pass
    sys.exit(128 + signum)


def qarg(path):
    """a path inside a QEMU option value (commas are doubled)"""
    return path.replace(',', ',,')


# ============================================================================ one mode
def qemu_cmdline(mode, img, arch, d, o, dbg, ser, sock):
    """-> (command line, or None and a harness problem)"""
    uefi, cd = mode.startswith('uefi'), mode.endswith('-cd')
    cmd = [QEMU, '-name', 'bootcheck-' + mode, '-accel', o.accel, '-m', str(o.mem), '-nodefaults',
           '-vga', 'std', '-display', 'none', '-no-reboot', '-boot', 'menu=off,order=' + ('d' if cd else 'c'),
           '-chardev', 'file,id=dbg,path=' + qarg(dbg), '-device', 'isa-debugcon,iobase=0x402,chardev=dbg',
           '-chardev', 'file,id=ser,path=' + qarg(ser), '-serial', 'chardev:ser',
           '-qmp', 'unix:%s,server=on,wait=off' % qarg(sock)]
    if uefi:
        code, vars_t = FW[arch]
        if not os.path.exists(code):
            return None, 'harness: firmware %s missing (apt-get install %s)' % (
                code, 'ovmf-ia32' if arch == 'ia32' else 'ovmf')
        vars_ = os.path.join(d, 'vars.fd')
        shutil.copyfile(vars_t, vars_)
        if arch == 'ia32':   # Debian ships the ia32 build only with SMM (secure-boot capable) -> q35 + smm
            cmd += ['-machine', 'q35,smm=on', '-global', 'driver=cfi.pflash01,property=secure,value=on']
        else:
            cmd += ['-machine', 'pc']
        cmd += ['-drive', 'if=pflash,format=raw,unit=0,readonly=on,file=' + qarg(code),
                '-drive', 'if=pflash,format=raw,unit=1,file=' + qarg(vars_)]
    else:
        cmd += ['-machine', 'pc']
    if cd:
        cmd += ['-drive', 'if=none,id=img,format=raw,media=cdrom,readonly=on,file=' + qarg(img),
                '-device', 'ide-cd,drive=img,bootindex=1']
    else:   # snapshot=on: writes go to a temporary overlay, the image is never modified
        cmd += ['-drive', 'if=none,id=img,format=raw,snapshot=on,file=' + qarg(img)]
        if o.hdd_bus == 'usb':
            cmd += ['-device', 'qemu-xhci,id=xhci', '-device', 'usb-storage,bus=xhci.0,drive=img,bootindex=1']
        else:
            cmd += ['-device', 'ide-hd,drive=img,bootindex=1']
    return cmd, None


def run_mode(mode, img, arch, d, o, mask=None):
    """Boot img in mode; return dict with verdict facts.  Everything bounded by o.timeout.
    mask: byte offset of the El Torito Boot Record Volume Descriptor to hide (uefi-hdd)."""
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    uefi = mode.startswith('uefi')
    dbg, ser = os.path.join(d, 'dbg.log'), os.path.join(d, 'serial.log')
    qemu_log = os.path.join(d, 'qemu.log')
    sockdir = tempfile.mkdtemp(prefix='bootcheck-')       # short path: unix sockets are limited to 107 bytes
    sock = os.path.join(sockdir, 'qmp')
    res = {'mode': mode, 'accel': o.accel, 'firmware': (arch + ' OVMF') if uefi else 'SeaBIOS', 'events': []}
    cmd, problem = qemu_cmdline(mode, img, arch, d, o, dbg, ser, sock)
    if cmd is None:
        shutil.rmtree(sockdir, ignore_errors=True)
        return dict(res, verdict='FAIL', harness=True, secs=0.0, why=problem)
    if mask is not None:
        cmd += ['-S']     # start paused: the El Torito descriptor is masked before the CPU runs
    full = ['timeout', '-k', '3', str(int(o.timeout + 20))] + cmd   # backstop should this script die
    with open(os.path.join(d, 'cmdline.txt'), 'w') as c:
        c.write(' '.join("'%s'" % a if re.search(r'[^\w/.,=:@+-]', a) else a for a in full) + '\n')
    for p in (dbg, ser):
        open(p, 'wb').close()

    t0 = time.monotonic()
    qlog = open(qemu_log, 'wb')
    proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=qlog, stderr=subprocess.STDOUT)
    RUNNING.add(proc)

    def el():
        return round(time.monotonic() - t0, 2)

    def ev(msg):
        res['events'].append('%6.2fs %s' % (el(), msg))

    def reap():
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()                           # our own child, by PID
            proc.wait()
        RUNNING.discard(proc)
        qlog.close()
        shutil.rmtree(sockdir, ignore_errors=True)

    try:
        qmp = QMP(sock, t0 + 20, proc)
    except Exception:
        reap()
        return dict(res, verdict='FAIL', harness=True, secs=el(),
                    why='harness: QEMU did not start: ' + open(qemu_log, errors='replace').read().strip()[-300:])

    if mask is not None:
        # uefi-hdd: edk2's PartitionDxe also recognises El Torito on a 512-byte-sector disk and then
        # ignores the MBR/GPT, so an ISO-hybrid would "boot from disk" through El Torito.  To test
        # the ESP path that USB-stick firmware uses, zero the Boot Record Volume Descriptor after
        # its "CD001" header in the drive's temporary snapshot overlay (snapshot=on: the image
        # file is never written).  edk2 then skips it (no "EL TORITO SPECIFICATION"), while ISO
        # 9660 readers in the guest (GRUB's iso9660) still see a well-formed descriptor list.
        try:
            off, n = mask + 7, 2048 - 7
            out = qmp.hmp('qemu-io img "write -z %d %d"' % (off, n))   # qemu-io reports on QEMU's stdout
            time.sleep(0.1)
            if 'wrote %d/%d bytes at offset %d' % (n, n, off) not in out + open(qemu_log, errors='replace').read():
                raise RuntimeError('qemu-io write not confirmed: ' + out.strip())
            qmp.cmd('cont')
            ev('El Torito BRVD (byte %d) masked in the snapshot overlay' % mask)
            res['eltorito_masked'] = True
        except Exception as e:
            qmp.cmd('cont')
            ev('could not mask El Torito: %s' % e)

    logf = dbg if not uefi else ser          # the log whose "control came back" marker taints later shots
    shots = []                               # dicts: t, name, img, logsize, vga
    cpu = []                                 # CPU modes seen: real / protected / long

    def vga_text():
        vt = os.path.join(d, 'vga.bin')
        try:
            qmp.cmd('pmemsave', val=0xb8000, size=4000, filename=vt)
            b = open(vt, 'rb').read()
            os.unlink(vt)
        except Exception as e:
            ev('pmemsave failed: %s' % e)
            return None
        return [bytes(b[i + 2 * c] for c in range(80)).decode('cp437').rstrip() for i in range(0, len(b) - 159, 160)]

    def shot(tag):
        ppm = os.path.join(d, 'shot.ppm')
        try:
            qmp.cmd('screendump', filename=ppm)
            im = ppm_read(ppm)
            os.unlink(ppm)
        except Exception as e:
            ev('screendump failed: %s' % e)
            return
        s = {'t': el(), 'img': im, 'vga': None if uefi else vga_text()}
        s['logsize'] = os.path.getsize(logf)
        if im is None:
            return
        s['name'] = 'shot-%02d-%s-%05.1fs.png' % (len(shots), tag, s['t'])
        png_write(im, os.path.join(d, s['name']))
        shots.append(s)

    def cpu_sample():
        try:
            regs = qmp.hmp('info registers')
        except Exception:
            return
        m0 = re.search(r'CR0=([0-9a-f]+)', regs)
        me = re.search(r'EFER=([0-9a-f]+)', regs)
        if m0:
            cr0 = int(m0.group(1), 16)
            efer = int(me.group(1), 16) if me else 0
            cpu.append('long' if efer & 0x400 else 'protected' if cr0 & 1 else 'real')

    def scan():
        """-> (hand-off (text, end offset in logf) or None,
               firmware-failure text before any hand-off or None,
               control-came-back (text, offset) after the hand-off or None)"""
        raw = open(logf, 'rb').read().decode('latin-1')
        if not uefi:
            mh = re.search(r'Booting from (DVD/CD|Hard Disk|Floppy)\.\.\.\s*\n(?:.*\n){0,40}?'
                           r'Booting from ([0-9a-f]{4}:[0-9a-f]{4})', raw)
            fl = list(re.finditer(r'Boot failed[^\n]*|No bootable device[^\n]*|enter handle_18', raw))
            pre = [x.group(0).strip() for x in fl if not mh or x.start() < mh.start()]
            post = [x for x in fl if mh and x.start() > mh.end()]
            ho = ('SeaBIOS "Booting from %s..." -> "Booting from %s"' % mh.groups(), mh.end()) if mh else None
            back = ('control returned to SeaBIOS (%s)' % post[0].group(0).strip(), post[0].start()) if post else None
            return ho, (pre[0] if pre else None), back
        mh = None
        for m in re.finditer(r'BdsDxe: starting (Boot[0-9A-F]{4}) "([^"]*)"[^\r\n]*', raw):
            if 'Shell' not in m.group(2):
                mh = m
                break
        nxt = re.search(r'BdsDxe: [^\r\n\x1b]*', raw[mh.end():]) if mh else None
        ho = ('OVMF "BdsDxe: starting %s \\"%s\\""' % (mh.group(1), mh.group(2).strip()), mh.end()) if mh else None
        back = ('control returned to OVMF: ' + nxt.group(0)[8:].strip()[:150], mh.end() + nxt.start()) if nxt else None
        pre = None
        if not mh:
            f = re.search(r'BdsDxe: failed to (load|start) Boot[^\r\n\x1b]*|UEFI Interactive Shell|'
                          r'No bootable option[^\r\n\x1b]*', raw)
            pre = f.group(0).strip()[:160] if f else None
        return ho, pre, back

    # ------------------------------------------------------------------ watch the guest
    handoff = fail = back = None
    handoff_t = fail_t = back_t = None
    next_shot = exited = None
    while True:
        time.sleep(0.2)
        now = el()
        rc = proc.poll()
        ho, pre, bk = scan()
        if ho and handoff is None:
            handoff, handoff_t = ho, now
            ev('hand-off: ' + ho[0])
            shot('handoff')
            if not uefi:
                cpu_sample()
            next_shot = now + o.interval
        if pre and not handoff and fail is None:
            fail, fail_t = pre, now
            ev('firmware: ' + pre)
        if bk and handoff and back is None:
            back, back_t = bk, now
            ev(bk[0])
        if rc is not None:
            exited = rc
            ev('QEMU exited rc=%s (with -no-reboot: guest reset/triple fault/power-off, or error)' % rc)
            break
        if handoff and back is None and now >= next_shot:
            shot('run')
            if not uefi:
                cpu_sample()
            next_shot = now + o.interval
        if handoff and now - handoff_t >= o.settle:
            break
        if back and now - back_t >= 1.0:
            break
        if fail and not handoff and now - fail_t >= (1.5 if not uefi else 2.5):
            break
        if now >= o.timeout:
            ev('hard timeout %ss reached' % o.timeout)
            res['timed_out'] = True
            break
    if exited is None:
        shot('final')
        if not uefi:
            cpu_sample()
        try:
            qmp.cmd('quit')
        except Exception:
            pass
    reap()
    res['secs'] = el()

    # ------------------------------------------------------------------ decide
    ho, pre, bk = scan()
    signs = []
    live = [s for s in shots if bk is None or s['logsize'] <= bk[1]]   # taken before control came back
    errs = []
    mbr_only = None
    if ho:
        # 1. serial output from the guest after the hand-off
        sraw = open(ser, 'rb').read()
        if uefi:
            seg = sraw[ho[1]: bk[1] if bk else len(sraw)]
            guest = [ln for ln in clean_serial(seg) if wordy(ln) and not ln.startswith('BdsDxe:')]
        else:
            guest = [ln for ln in clean_serial(sraw) if wordy(ln) and not SEABIOS_LINE.match(ln)]
        if guest:
            signs.append('serial: "%s"%s' % (guest[0][:60], ' (+%d lines)' % (len(guest) - 1) if len(guest) > 1 else ''))
        errs = [ln for ln in guest if LOADER_ERROR.search(ln)]
        # 2. BIOS text screen: text the firmware did not write; video mode change
        if not uefi:
            # last text-mode screen (SeaBIOS never clears the screen, so text the guest wrote
            # before giving control back is still there; SeaBIOS's own lines are filtered out)
            txt = next((s['vga'] for s in reversed(shots) if s['vga'] and s['img'][:2] == (720, 400)), None)
            own = [ln.strip() for ln in (txt or []) if wordy(ln) and not SEABIOS_LINE.match(ln.strip())]
            errs += [ln for ln in own if LOADER_ERROR.search(ln)]
            # bios-hdd: text that the 440 bytes of MBR boot code hold themselves (GRUB's MBR
            # prints "GRUB " before it jumps to the next stage) shows only that the MBR ran
            by_mbr = [ln for ln in own if is_mbr_text(ln, mbr_strings(img))] if mode == 'bios-hdd' else []
            beyond = [ln for ln in own if ln not in by_mbr]
            if beyond:
                signs.append('screen text: "%s"%s' % (beyond[0][:60], ' (+%d lines)' % (len(beyond) - 1) if len(beyond) > 1 else ''))
            if by_mbr:
                res['mbr_text'] = by_mbr
            if txt:
                with open(os.path.join(d, 'vga-text.txt'), 'w') as vt:
                    vt.write('\n'.join(txt) + '\n')
            gfx = sorted({s['img'][:2] for s in live} - {(720, 400)})
            if gfx:
                signs.append('video mode changed to %dx%d' % gfx[0])
            if by_mbr and not beyond and not gfx and not guest:
                mbr_only = 'only the MBR boot code\'s own text "%s" on the screen' % '" "'.join(by_mbr)[:80]
        # 3. the screen changed after the hand-off, before any return to the firmware (not
        #    counted when the MBR code's own text is all that appeared: that is the change)
        if len(live) >= 2 and not mbr_only:
            for s in live[1:]:
                x = screen_diff(live[0]['img'], s['img'])
                if x is not None and x >= 0.005:
                    signs.append('screen changed after hand-off (%.0f%% of pixels by +%.0fs)' % (100 * x, s['t'] - live[0]['t']))
                    break
    res['signs'] = signs
    res['loader_errors'] = errs
    res['cpu_modes'] = sorted(set(cpu))
    pick = (live or shots)
    if pick:
        shutil.copyfile(os.path.join(d, pick[-1]['name']), os.path.join(d, 'screen.png'))
        res['screenshot'] = os.path.join(d, 'screen.png')
    if not ho:
        if pre:
            why = 'no hand-off; firmware: ' + pre
        elif exited is not None:
            why = 'QEMU exited rc=%s before hand-off: %s' % (exited, open(qemu_log, errors='replace').read().strip()[-200:])
        else:
            why = 'no hand-off to the image within %gs' % o.timeout
        res.update(verdict='FAIL', why=why)
    elif errs:
        res.update(verdict='FAIL', why='hand-off %s @%.1fs; the image ran but reported a boot error: "%s"%s' % (
            ho[0], handoff_t, errs[0][:80], ('; then ' + bk[0]) if bk else ''))
    elif signs:
        extra = [bk[0]] if bk else []
        if exited is not None:
            extra.append('QEMU exited rc=%s' % exited)
        res.update(verdict='PASS', why='hand-off %s @%.1fs; %s%s' % (
            ho[0], handoff_t, '; '.join(signs), ('; then ' + '; '.join(extra)) if extra else ''))
    else:
        tail = bk[0] if bk else ('QEMU exited rc=%s (guest reset/triple fault?)' % exited if exited is not None else
                                 'screen unchanged, no serial output for %.0fs' % (res['secs'] - handoff_t))
        if mbr_only:
            tail = mbr_only + ', then ' + tail
        res.update(verdict='FAIL', why='hand-off %s @%.1fs but no sign of life from the image: %s' % (ho[0], handoff_t, tail))
    if cpu:
        res['why'] += '; cpu mode seen: ' + '/'.join(res['cpu_modes'])
    res['shots'] = [s['name'] for s in shots]
    with open(os.path.join(d, 'run.json'), 'w') as j:
        json.dump(res, j, indent=1)
    return res


# ============================================================================ main
def parse_args():
    ap = argparse.ArgumentParser(prog='boot-check.py', add_help=True,
                                 description='Boot a disc image in QEMU (SeaBIOS/OVMF) and judge each boot mode.')
    ap.add_argument('img')
    ap.add_argument('modes', nargs='*', help='bios-cd bios-hdd uefi-cd uefi-hdd or all (default)')
    ap.add_argument('--ref')
    ap.add_argument('--out')
    ap.add_argument('--timeout', type=float)
    ap.add_argument('--settle', type=float)
    ap.add_argument('--interval', type=float, default=None)
    ap.add_argument('--accel', choices=['kvm', 'tcg'], default=os.environ.get('BOOTCHECK_ACCEL') or None)
    ap.add_argument('--hdd-bus', choices=['ide', 'usb'], default='ide')
    ap.add_argument('--mem', type=int, default=512)
    ap.add_argument('--force', action='store_true')
    ap.add_argument('--no-mask', action='store_true')
    ap.add_argument('--list', action='store_true')
    try:
        return ap.parse_args()
    except SystemExit as e:
        sys.exit(64 if e.code else 0)


def main():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    o = parse_args()
    req = []
    for m in ' '.join(o.modes or ['all']).replace(',', ' ').split():
        if m == 'all':
            req += MODES
        elif m in MODES:
            req.append(m)
        else:
            print('boot-check: unknown mode %r (want %s or all)' % (m, ','.join(MODES)), file=sys.stderr)
            sys.exit(64)
    req = list(dict.fromkeys(req))
    for p in [o.img] + ([o.ref] if o.ref else []):
        if not os.path.isfile(p):
            print('boot-check: no such file: %s' % p, file=sys.stderr)
            sys.exit(64)
    img = os.path.abspath(o.img)

    # Which modes apply (from the image, and from the reference image with --ref)
    info = inspect(img)
    app = applicability(info)
    rinfo = rapp = None
    if o.ref:
        rinfo = inspect(os.path.abspath(o.ref))
        rapp = applicability(rinfo)
    plan = {}
    for mode in req:
        applies, why = app[mode]
        if rapp is not None:
            r_applies, r_why = rapp[mode]
            if r_applies and not applies:
                applies, why = True, 'reference boots this way (%s); image itself: %s' % (r_why, why)
            elif r_applies:
                why = why + ' (also in reference)'
        plan[mode] = (applies, why)
    if o.list:
        for mode in req:
            print('%-8s %s %s' % (mode, 'applies' if plan[mode][0] else 'N/A    ', plan[mode][1]))
        sys.exit(0)

    if not os.path.exists(QEMU):
        print('boot-check: qemu-system-x86_64 not found (apt-get install qemu-system-x86 seabios ovmf)', file=sys.stderr)
        sys.exit(3)
    outroot = os.path.abspath(o.out or os.path.join('/tmp/bootcheck', os.path.basename(img)))
    os.makedirs(outroot, exist_ok=True)
    lock = open(os.path.join(outroot, '.lock'), 'w')
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print('boot-check: another boot-check is using %s' % outroot, file=sys.stderr)
        sys.exit(3)
    accel_why = 'chosen with --accel/BOOTCHECK_ACCEL'
    if o.accel is None:
        ok, accel_why = kvm_works()
        o.accel = 'kvm' if ok else 'tcg'
    tcg = o.accel == 'tcg'
    o.timeout = o.timeout or (90.0 if tcg else 45.0)
    o.settle = o.settle or (20.0 if tcg else 8.0)
    o.interval = o.interval or (4.0 if tcg else 2.0)

    with open(os.path.join(outroot, 'image-report.txt'), 'w') as rep:
        rep.write('# boot-check image report for %s\n' % img)
        rep.write(json.dumps(info, indent=1, default=str) + '\n')
        if rinfo:
            rep.write('# reference %s\n' % o.ref + json.dumps(rinfo, indent=1, default=str) + '\n')
        if shutil.which('xorriso'):
            x = subprocess.run(['timeout', '60', 'xorriso', '-indev', img, '-report_el_torito', 'plain',
                                '-report_system_area', 'plain'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            rep.write('# xorriso -report_el_torito plain -report_system_area plain\n' + x.stdout.decode(errors='replace'))
    print('# boot-check %s  accel=%s (%s) timeout=%gs settle=%gs hdd-bus=%s out=%s' % (
        img, o.accel, accel_why, o.timeout, o.settle, o.hdd_bus, outroot))
    sys.stdout.flush()

    rc_fail = rc_harness = False
    ran = 0
    for mode in req:
        applies, why = plan[mode]
        if not applies and not o.force:
            print('%-8s N/A  %s' % (mode, why))
            sys.stdout.flush()
            continue
        arch = 'x64'
        if mode.startswith('uefi'):
            a = (info['cd_efi_arch'] if mode == 'uefi-cd' else info['hdd_efi_arch'])
            if not a and rinfo:
                a = rinfo['cd_efi_arch'] if mode == 'uefi-cd' else rinfo['hdd_efi_arch']
            if a:
                arch = 'x64' if 'x64' in a else 'ia32' if 'ia32' in a else 'x64'
        o2 = argparse.Namespace(**vars(o))
        if mode.startswith('uefi') and arch == 'ia32' and o.accel == 'kvm':
            o2.accel = 'tcg'   # q35+SMM firmware: stay on the safe side
            o2.timeout, o2.settle, o2.interval = 90.0, 20.0, 4.0
        mask = None
        if mode == 'uefi-hdd' and not o.no_mask and info.get('brvd_sector'):
            mask = info['brvd_sector'] * 2048
        r = run_mode(mode, img, arch, os.path.join(outroot, mode), o2, mask)
        if r.get('eltorito_masked'):
            r['why'] += ' (El Torito hidden from OVMF)'
        line = '%-8s %-4s %5.1fs %s; %s [%s,%s] shot: %s' % (
            mode, r['verdict'], r['secs'], why, r['why'], o2.accel, r['firmware'], r.get('screenshot', '-'))
        if not applies:
            line = '%-8s N/A  (forced run: %s %.1fs) %s; %s shot: %s' % (
                mode, r['verdict'], r['secs'], why, r['why'], r.get('screenshot', '-'))
        print(line)
        sys.stdout.flush()
        with open(os.path.join(outroot, mode, 'verdict.txt'), 'w') as v:
            v.write(line + '\n')
        if applies:
            ran += 1
            if r['verdict'] != 'PASS':
                rc_fail = True
            if r.get('harness'):
                rc_harness = True
    sys.exit(3 if rc_harness else 1 if rc_fail else 0 if ran else 2)


if __name__ == '__main__':
    main()
