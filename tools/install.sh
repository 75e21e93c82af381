#!/bin/sh
# `ninja install`: copies libmapirt, the headers, the MAPI IDL and the IDL compiler under
# $DESTDIR$PREFIX (PREFIX defaults to /usr/local) and writes a pkg-config file, mapirt.pc.
#   lib/libmapirt.so.0 (+ libmapirt.so)       include/mapi/*.h, include/mapi/mapirt/*.h (the public
#                                             headers only: runtime/internal/ is never installed)
#   share/mapirt/idl/*.idl                    share/mapirt/idlc/ (the generator), bin/mapirt-idlc
#   bin/mapirt                                (the command-line tool), with its manual page
#                                             share/man/man1/mapirt.1 and bash completion
#                                             share/bash-completion/completions/mapirt, both
#                                             written by the tool from its command table
#   lib/mapirt/mapisvc.inf, lib/mapirt/mapisvc.d/   (the service catalog and its drop-in
#                                             directory, found beside the library at run time)
#   lib/mapirt/providers/*.so, lib/mapirt/mapisvc.d/*.inf   (the bundled providers, from
#                                             providers/NAME/, and their catalog fragments)
#   share/doc/mapirt/reference.md             (the generated reference)
#   lib/pkgconfig/mapirt.pc                   (Cflags: -I${includedir}/mapi)
set -eu
prefix=${PREFIX:-/usr/local}
dest=${DESTDIR:-}
root="$dest$prefix"
cd "$(dirname "$0")/.."
install -d "$root/lib/pkgconfig" "$root/include/mapi/mapirt" "$root/share/mapirt/idl" \
    "$root/share/mapirt/idlc/tools/idlc/templates" "$root/bin" "$root/share/doc/mapirt" \
    "$root/lib/mapirt/mapisvc.d" "$root/lib/mapirt/providers" "$root/share/man/man1" \
    "$root/share/bash-completion/completions"
install -m 0755 build/libmapirt.so.0 "$root/lib/libmapirt.so.0"
install -m 0755 build/bin/mapirt "$root/bin/mapirt"
build/bin/mapirt help --man > "$root/share/man/man1/mapirt.1"
build/bin/mapirt help --bash-completion > "$root/share/bash-completion/completions/mapirt"
ln -sf libmapirt.so.0 "$root/lib/libmapirt.so"
install -m 0644 build/mapirt/mapisvc.inf "$root/lib/mapirt/mapisvc.inf"
for so in build/mapirt/providers/*.so; do
    if [ -e "$so" ]; then install -m 0755 "$so" "$root/lib/mapirt/providers/"; fi
done
for inf in build/mapirt/mapisvc.d/*.inf; do
    if [ -e "$inf" ]; then install -m 0644 "$inf" "$root/lib/mapirt/mapisvc.d/"; fi
done
install -m 0644 gen/include/*.h "$root/include/mapi/"
install -m 0644 gen/include/mapirt/*.h runtime/include/mapirt/*.h "$root/include/mapi/mapirt/"
install -m 0644 idl/*.idl "$root/share/mapirt/idl/"
install -m 0644 gen/docs/reference.md "$root/share/doc/mapirt/"
install -m 0644 tools/__init__.py "$root/share/mapirt/idlc/tools/" 2>/dev/null || \
    : > "$root/share/mapirt/idlc/tools/__init__.py"
install -m 0644 tools/idlc/*.py "$root/share/mapirt/idlc/tools/idlc/"
install -m 0644 tools/idlc/templates/*.j2 "$root/share/mapirt/idlc/tools/idlc/templates/"
cat > "$root/bin/mapirt-idlc" <<'EOS'
#!/bin/sh
# The mapirt IDL compiler; the installed MAPI IDL is on the import path. Everything is found
# relative to this script, so a staged (DESTDIR) or moved installation works as well.
prefix=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
PYTHONPATH="$prefix/share/mapirt/idlc${PYTHONPATH:+:$PYTHONPATH}" exec /usr/bin/python3 -m tools.idlc -I "$prefix/share/mapirt/idl" "$@"
EOS
chmod 0755 "$root/bin/mapirt-idlc"
cat > "$root/lib/pkgconfig/mapirt.pc" <<EOS
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include
idldir=\${prefix}/share/mapirt/idl

Name: mapirt
Description: MAPI runtime for Linux (standard MAPI headers and libmapirt)
Version: 0.1.0
Cflags: -I\${includedir}/mapi
Libs: -L\${libdir} -lmapirt
Libs.private: -lsqlite3 -lunistring -lsodium -ldl -pthread
EOS
echo "installed mapirt under $root"
