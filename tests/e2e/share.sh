#!/usr/bin/env bash
# virtio-9p shares end to end with Debian's kernel: a tree of over 1,000
# files copied through a read-only share matches the host (contents, modes,
# symlinks); files written on a read-write share reach the host with their
# contents, modes and times; a read-only share refuses writes; symlinks
# pointing out of a share never reach host files outside it; the host's own
# root as the guest's root filesystem runs a host program.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$E2E_TMP
src=$T/src
mkdir -p "$src" "$T/out" "$T/outside"
echo "host secret" >"$T/outside/secret"
# 1,200 files in nested folders, assorted modes and sizes, symlinks in and out.
for d in $(seq 0 11); do
	mkdir -p "$src/dir$d/sub"
	for f in $(seq 0 99); do
		head -c $(( (d * 100 + f) * 37 % 5000 )) /dev/urandom >"$src/dir$d/sub/f$f"
	done
	chmod 0640 "$src/dir$d/sub/f1"
	chmod 0755 "$src/dir$d/sub/f2"
	chmod 0711 "$src/dir$d"
done
ln -s dir0/sub/f3 "$src/link-in"
ln -s ../outside/secret "$src/link-out-relative"
ln -s "$T/outside/secret" "$src/link-out-absolute"
ln -s /etc/shadow "$src/link-etc"

# manifest DIR: every entry's raw mode (type and permissions), every file's
# md5, every symlink's target; few processes, as it runs in the guest too
# (busybox's find, stat, md5sum and readlink print the same as GNU's here).
manifest() {
	cd "$1" || return 1
	find . | LC_ALL=C sort | xargs stat -c '%n %f'
	find . -type f | LC_ALL=C sort | xargs md5sum
	find . -type l | LC_ALL=C sort | while read -r l; do echo "$l -> $(readlink "$l")"; done
}

# The same function runs in the guest (busybox has find, stat, md5sum, readlink).
guest_manifest=$(declare -f manifest)
run_script copy "
$guest_manifest
set -e
mkdir -p /src /out /copy
mount -t 9p -o trans=virtio,version=9p2000.L,ro src /src
mount -t 9p -o trans=virtio,version=9p2000.L out /out
cp -a /src/. /copy/
manifest /copy > /out/manifest
find /src -type f | wc -l > /out/count
" --share "$src,tag=src,ro" --share "$T/out,tag=out"
expect_status "guest copies a host tree through a read-only share" 0
count=$(cat "$T/out/count" 2>/dev/null)
if [[ $count -ge 1000 ]]; then pass "the guest sees all $count files"; else fail "the guest sees all files (saw ${count:-none})"; fi
(manifest "$src") >"$T/host.manifest"
if diff -q "$T/host.manifest" "$T/out/manifest" >/dev/null; then
	pass "contents, modes and symlinks of the copy match the host ($(wc -l <"$T/host.manifest") entries)"
else
	fail "contents, modes and symlinks of the copy match the host" "$(diff "$T/host.manifest" "$T/out/manifest" | head -5)"
fi

# Writes on a read-write share; refusals on a read-only one; no way out.
mkdir -p "$T/rw" "$T/ro"
echo "untouched" >"$T/ro/keep"
run_script write "
mkdir -p /rw /ro
mount -t 9p -o trans=virtio,version=9p2000.L,cache=loose rw /rw || exit 1
mount -t 9p -o trans=virtio,version=9p2000.L,cache=mmap,ro ro /ro || exit 2
echo 'from the guest' > /rw/new.txt
chmod 0604 /rw/new.txt
touch -d '2021-02-03 04:05:06' /rw/new.txt
mkdir /rw/made && ln -s new.txt /rw/made/link && mv /rw/new.txt /rw/made/moved.txt
dd if=/dev/zero of=/rw/big bs=1M count=8 2>/dev/null && sync
echo RO-WRITE \$( (echo x > /ro/keep) 2>&1 | grep -c 'Read-only')
echo RO-CREATE \$( (touch /ro/new) 2>&1 | grep -c 'Read-only')
echo RO-MKDIR \$( (mkdir /ro/d) 2>&1 | grep -c 'Read-only')
echo RO-RM \$( (rm -f /ro/keep) 2>&1 | grep -c 'Read-only')
sync
" --share "$T/rw,tag=rw" --share "$T/ro,tag=ro,ro"
expect_status "guest writes on a read-write share" 0
f=$T/rw/made/moved.txt
if [[ $(cat "$f" 2>/dev/null) == "from the guest" && $(stat -c %a "$f") == 604 &&
      $(date -u -d "@$(stat -c %Y "$f")" '+%Y-%m-%d %H:%M:%S') == "2021-02-03 04:05:06" ]]; then
	pass "a file written in the guest is on the host with its contents, mode and time"
else
	fail "a file written in the guest is on the host with its contents, mode and time" "$(stat "$f" 2>&1 | head -3)"
fi
if [[ $(readlink "$T/rw/made/link") == new.txt && $(stat -c %s "$T/rw/big" 2>/dev/null) == 8388608 ]]; then
	pass "symlinks and an 8 MiB file made in the guest are on the host"
else
	fail "symlinks and an 8 MiB file made in the guest are on the host"
fi
for op in WRITE CREATE MKDIR RM; do
	if output_has "^RO-$op 1"; then pass "read-only share refuses $op"; else fail "read-only share refuses $op" "$(vm_log)"; fi
done
if [[ $(cat "$T/ro/keep") == untouched && $(ls "$T/ro") == keep ]]; then pass "read-only share is unchanged on the host"; else fail "read-only share is unchanged on the host"; fi

# Symlinks that point out of the share resolve in the guest, never on the host.
run_script escape "
mkdir -p /s && mount -t 9p -o trans=virtio,version=9p2000.L s /s || exit 1
for l in link-out-relative link-out-absolute link-etc; do
	cat /s/\$l 2>/dev/null | grep -q 'host secret' && echo ESCAPED-\$l
done
cat /s/../outside/secret 2>/dev/null | grep -q 'host secret' && echo ESCAPED-dotdot
echo 'overwrite' > /s/link-out-relative 2>/dev/null
ln /s/dir0/sub/f3 /s/../hardlink 2>/dev/null
mv /s/dir1 /s/../moved 2>/dev/null
echo ESCAPE-DONE
" --share "$src,tag=s"
if output_has '^ESCAPE-DONE' && ! output_has 'ESCAPED'; then
	pass "symlinks and .. in the guest do not reach host files outside the share"
else
	fail "symlinks and .. in the guest do not reach host files outside the share" "$(vm_log)"
fi
# (mv of a share folder to the guest's own / copies it there: the guest's
# business; nothing may appear next to the share on the host.)
if [[ $(cat "$T/outside/secret") == "host secret" && $(ls "$T/outside") == secret &&
      ! -e $T/moved && ! -e $T/hardlink ]]; then
	pass "nothing outside the share changed on the host"
else
	fail "nothing outside the share changed on the host" "$(ls -la "$T/outside")"
fi

# The host's own / as the guest's root (read-only), running a host program.
boot_vm hostroot --share /,tag=hostroot,ro \
	--cmdline "console=ttyS0 quiet root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,ro -- /usr/bin/cat /etc/debian_version"
want=$(cat /etc/debian_version)
if [[ $STATUS == 0 ]] && output_has "^$want\$"; then
	pass "the host's root as the guest's root runs a host program"
else
	fail "the host's root as the guest's root runs a host program" "status $STATUS" "$(vm_log)"
fi

# Bad share configurations are refused before the VM starts.
boot_vm badshare --share "$T/nonexistent,tag=x" --cmdline "console=ttyS0 quiet uvmtest=info"
if [[ $STATUS == 125 ]] && grep -q "nonexistent" "$ERR"; then pass "a share folder that does not exist is refused"; else fail "a share folder that does not exist is refused" "$(cat "$ERR")"; fi
boot_vm notag --share "$T/rw" --cmdline "console=ttyS0 quiet uvmtest=info"
if [[ $STATUS == 125 ]] && grep -q "tag= is required" "$ERR"; then pass "a share without a tag is refused"; else fail "a share without a tag is refused" "$(cat "$ERR")"; fi
