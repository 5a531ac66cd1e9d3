# Shared by the test scripts: project paths, the cache of downloaded Debian
# packages, and the Debian kernel the tests boot. Source it; do not run it.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$REPO/build
CACHE=${UVMRUN_CACHE:-$REPO/.cache}
UVMRUN=${UVMRUN_BIN:-$BUILD/uvmrun}

# Fetch (once) Debian's current linux-image-amd64 kernel into the cache and
# set KERNEL (the bzImage), KVER and MODULES (its modules folder).
fetch_kernel() {
	local pkg dir deb
	pkg=${UVMRUN_KERNEL_PACKAGE:-}
	if [[ -z $pkg ]]; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
		if [[ -z $pkg ]]; then
			apt-get update -q >/dev/null 2>&1 || true
			pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
		fi
	fi
	[[ -n $pkg ]] || { echo "cannot resolve the linux-image-amd64 package" >&2; return 1; }
	dir=$CACHE/kernel/$pkg
	if [[ ! -e $dir/.done ]]; then
		rm -rf "$dir" && mkdir -p "$dir/dl" || return 1
		(cd "$dir/dl" && apt-get download "$pkg" >/dev/null 2>&1) ||
			{ echo "apt-get download $pkg failed" >&2; return 1; }
		deb=$(ls "$dir"/dl/*.deb)
		dpkg -x "$deb" "$dir/root" || return 1
		rm -rf "$dir/dl"
		KVER=$(ls "$dir/root/lib/modules")
		depmod -b "$dir/root" "$KVER" || return 1
		touch "$dir/.done"
	fi
	KVER=$(ls "$dir/root/lib/modules")
	KERNEL=$dir/root/boot/vmlinuz-$KVER
	MODULES=$dir/root/lib/modules/$KVER
	KERNEL_ROOT=$dir/root
}

# Print the module files needed for the given modules, in load order.
module_files() {
	local m
	for m in "$@"; do
		modprobe -d "$KERNEL_ROOT" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
	done | awk '!seen[$0]++'
}

# Stage busybox, the given init script and modules into DIR (modules land in
# /lib/modules/NN-name.ko, numbered in load order).
stage_busybox_root() {
	local dir=$1 init=$2; shift 2
	local i=0 f
	mkdir -p "$dir"/{bin,dev,proc,sys,tmp,run,lib/modules} || return 1
	cp /bin/busybox "$dir/bin/busybox" || return 1
	cp "$init" "$dir/init" && chmod 755 "$dir/init" || return 1
	for f in $(module_files "$@"); do
		i=$((i + 1))
		cp "$f" "$dir/lib/modules/$(printf %02d $i)-$(basename "$f")" || return 1
	done
}
