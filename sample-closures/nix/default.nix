# closurescope sample closures: a small HTTPS server app put into an image together with a
# whole NixOS-style `etc` derivation (which is what made the real image huge).
#
# Plain `derivation {}` with a static busybox as the only builder; no nixpkgs, no network.
# Every byte is generated deterministically (fixed seeds, a 32-bit LCG in awk), so the store
# paths only depend on this file and on the busybox binary (Debian bookworm busybox-static
# 1:1.35.0-4+deb12u1+b1; another busybox gives other hashes).
#
# Build with `bash sample-closures/nix/make.sh` (it passes busyboxDir: a directory holding
# bin/busybox; a single-file store path does not work, busybox picks the applet by file name).
{ busyboxDir }:
let
  busybox = builtins.path {
    path = busyboxDir;
    name = "busybox-static-1.35.0";
  };

  # Shell prelude for every builder: applet links, and `rnd SEED BYTES` (pseudo-random bytes),
  # `b64 SEED CHARS` (pseudo-random base64 text), `blob SEED BYTES STRING...` (NUL-separated
  # strings then pseudo-random bytes: a "binary-ish" file whose strings tools can find).
  prelude = ''
    set -e
    ${busybox}/bin/busybox mkdir -p "$TMPDIR/.bin"
    ${busybox}/bin/busybox --install -s "$TMPDIR/.bin"
    export PATH="$TMPDIR/.bin"
    rnd() {
      awk -v s="$1" -v n="$2" 'BEGIN { x = s; for (i = 0; i < n; i++) { x = (x * 69069 + 1) % 4294967296; printf "%c", int(x / 16777216) } }'
    }
    b64() {
      awk -v s="$1" -v n="$2" 'BEGIN { a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"; x = s; for (i = 0; i < n; i++) { x = (x * 69069 + 1) % 4294967296; printf "%s", substr(a, int(x / 67108864) + 1, 1); if (i % 64 == 63) printf "\n" } }'
    }
    blob() {
      seed="$1"; size="$2"; shift 2
      for s in "$@"; do printf '%s\0' "$s"; done
      rnd "$seed" "$size"
    }
  '';

  mk = name: script: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "${busybox}/bin/busybox";
    args = [ "sh" "-c" (prelude + script) ];
  };

  glibc = mk "glibc-2.39" ''
    mkdir -p $out/lib/gconv $out/bin $out/share/locale
    blob 1001 131072 GLIBC_2.39 "GNU C Library (GNU libc) stable release version 2.39." \
      /etc/nsswitch.conf /etc/services /etc/protocols /etc/hosts /etc/resolv.conf \
      /etc/passwd /etc/group /etc/localtime getaddrinfo getservbyname getprotobyname \
      getpwnam getgrnam setlocale LOCALE_ARCHIVE LOCPATH TZDIR /usr/lib/locale/locale-archive \
      "$out/lib/gconv" "$out/lib/locale/locale-archive" > $out/lib/libc.so.6
    blob 1002 24576 "ld-linux-x86-64.so.2" "$out/lib" /etc/ld.so.cache > $out/lib/ld-linux-x86-64.so.2
    chmod 555 $out/lib/libc.so.6 $out/lib/ld-linux-x86-64.so.2
    blob 1003 16384 libm.so.6 GLIBC_2.39 > $out/lib/libm.so.6
    blob 1004 8192 libresolv.so.2 /etc/resolv.conf res_query > $out/lib/libresolv.so.2
    blob 1005 8192 libnss_files.so.2 /etc/hosts /etc/services /etc/protocols > $out/lib/libnss_files.so.2
    blob 1006 8192 libnss_dns.so.2 /etc/resolv.conf > $out/lib/libnss_dns.so.2
    ln -s libc.so.6 $out/lib/libc.so
    blob 1007 6144 UTF-16 > $out/lib/gconv/UTF-16.so
    printf 'alias ISO-10646/UTF8/ UTF-8//\nmodule INTERNAL UTF-16// UTF-16 1\n' > $out/lib/gconv/gconv-modules
    blob 1008 4096 getent /etc/nsswitch.conf "$out/lib/ld-linux-x86-64.so.2" > $out/bin/getent
    chmod 555 $out/bin/getent
  '';

  glibcLocales = mk "glibc-locales-2.39" ''
    mkdir -p $out/lib/locale $out/share/i18n
    rnd 2001 3145728 > $out/lib/locale/locale-archive
    printf 'C.UTF-8/UTF-8 \\\nen_US.UTF-8/UTF-8 \\\nfr_FR.UTF-8/UTF-8 \\\nde_DE.UTF-8/UTF-8 \\\nja_JP.UTF-8/UTF-8 \\\n' > $out/share/i18n/SUPPORTED
  '';

  zlib = mk "zlib-1.3.1" ''
    mkdir -p $out/lib
    blob 3001 90112 "libz.so.1" ZLIB_1.2.9 deflate inflate "${glibc}/lib/libc.so.6" "${glibc}/lib" > $out/lib/libz.so.1.3.1
    chmod 555 $out/lib/libz.so.1.3.1
    ln -s libz.so.1.3.1 $out/lib/libz.so.1
    ln -s libz.so.1.3.1 $out/lib/libz.so
  '';

  mkOpenssl = version: seed: mk "openssl-${version}" ''
    mkdir -p $out/lib $out/bin $out/etc/ssl
    blob ${toString seed}1 327680 libcrypto.so.3 "OpenSSL ${version}" OPENSSL_3.0.0 \
      /etc/ssl/certs SSL_CERT_FILE SSL_CERT_DIR "OPENSSLDIR: \"$out/etc/ssl\"" \
      "${glibc}/lib" "${glibc}/lib/libc.so.6" > $out/lib/libcrypto.so.3
    blob ${toString seed}2 98304 libssl.so.3 "OpenSSL ${version}" SSL_CTX_new SSL_connect \
      SSL_CTX_set_default_verify_paths /etc/ssl/certs SSL_CERT_FILE \
      "${glibc}/lib" "$out/lib" > $out/lib/libssl.so.3
    chmod 555 $out/lib/libcrypto.so.3 $out/lib/libssl.so.3
    ln -s libcrypto.so.3 $out/lib/libcrypto.so
    ln -s libssl.so.3 $out/lib/libssl.so
    blob ${toString seed}3 65536 openssl s_client "${glibc}/lib" "$out/lib" > $out/bin/openssl
    chmod 555 $out/bin/openssl
    printf '# OpenSSL ${version} default config\nopenssl_conf = openssl_init\n[openssl_init]\n' > $out/etc/ssl/openssl.cnf
  '';
  openssl = mkOpenssl "3.0.13" 40;
  openssl_3_0_14 = mkOpenssl "3.0.14" 41;

  tzdata = mk "tzdata-2024a" ''
    z=$out/share/zoneinfo
    mkdir -p $z/Europe $z/America $z/Asia $z/Etc
    n=0
    for f in UTC Etc/UTC Etc/GMT Europe/Paris Europe/Berlin Europe/London America/New_York \
             America/Los_Angeles Asia/Tokyo Asia/Kolkata; do
      n=$((n + 1))
      { printf 'TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0%s\0' "$f"; rnd 500$n $((300 + n * 37)); } > $z/$f
    done
    printf '# tzdb timezone descriptions\nFR\t+4852+00220\tEurope/Paris\nDE\t+5230+01322\tEurope/Berlin\nUS\t+404251-0740023\tAmerica/New_York\nJP\t+353916+1394441\tAsia/Tokyo\n' > $z/zone.tab
    printf '# version 2024a\n' > $z/tzdata.zi
    # The historic nixpkgs tzdata layout: a self-referential directory symlink.
    ln -s . $z/posix
  '';

  cacert = mk "nss-cacert-3.98" ''
    mkdir -p $out/etc/ssl/certs
    i=0
    while [ $i -lt 150 ]; do
      i=$((i + 1))
      printf '\n# Sample Root CA %03d\n-----BEGIN CERTIFICATE-----\n' $i
      b64 $((600000 + i)) 1280
      printf '\n-----END CERTIFICATE-----\n'
    done > $out/etc/ssl/certs/ca-bundle.crt
    ln -s ca-bundle.crt $out/etc/ssl/certs/ca-certificates.crt
  '';

  ianaEtc = mk "iana-etc-20240318" ''
    mkdir -p $out/etc
    cat > $out/etc/services <<'EOF'
    # Network services, Internet style (IANA registry 2024-03-18, excerpt)
    tcpmux          1/tcp
    echo            7/tcp
    echo            7/udp
    discard         9/tcp           sink null
    discard         9/udp           sink null
    daytime         13/tcp
    ftp-data        20/tcp
    ftp             21/tcp
    ssh             22/tcp
    telnet          23/tcp
    smtp            25/tcp          mail
    time            37/tcp          timserver
    domain          53/tcp
    domain          53/udp
    gopher          70/tcp
    finger          79/tcp
    http            80/tcp          www
    kerberos        88/tcp          kerberos5 krb5
    pop3            110/tcp         pop-3
    sunrpc          111/tcp         portmapper
    auth            113/tcp         authentication tap ident
    nntp            119/tcp         readnews untp
    ntp             123/udp
    imap            143/tcp         imap2
    snmp            161/udp
    ldap            389/tcp
    https           443/tcp
    https           443/udp
    submission      587/tcp
    ldaps           636/tcp
    imaps           993/tcp
    pop3s           995/tcp
    mysql           3306/tcp
    postgresql      5432/tcp        postgres
    http-alt        8080/tcp        webcache
    pcsync-https    8443/tcp
    EOF
    i=1024
    while [ $i -lt 1524 ]; do
      printf 'svc-%d\t\t%d/tcp\n' $i $i
      i=$((i + 1))
    done >> $out/etc/services
    cat > $out/etc/protocols <<'EOF'
    # Internet (IP) protocols (IANA registry 2024-03-18)
    ip      0       IP              # internet protocol, pseudo protocol number
    icmp    1       ICMP            # internet control message protocol
    igmp    2       IGMP            # Internet Group Management
    ggp     3       GGP             # gateway-gateway protocol
    ipencap 4       IP-ENCAP        # IP encapsulated in IP
    st      5       ST              # ST datagram mode
    tcp     6       TCP             # transmission control protocol
    egp     8       EGP             # exterior gateway protocol
    pup     12      PUP             # PARC universal packet protocol
    udp     17      UDP             # user datagram protocol
    rdp     27      RDP             # "reliable datagram" protocol
    ipv6    41      IPv6            # Internet Protocol, version 6
    gre     47      GRE             # Generic Routing Encapsulation
    esp     50      IPSEC-ESP       # Encap Security Payload
    ah      51      IPSEC-AH        # Authentication Header
    ipv6-icmp 58    IPv6-ICMP       # ICMP for IPv6
    sctp    132     SCTP            # Stream Control Transmission Protocol
    udplite 136     UDPLite         # UDP-Lite
    EOF
  '';

  bash = mk "bash-5.2-p26" ''
    mkdir -p $out/bin $out/etc $out/share/doc/bash
    blob 7001 262144 "GNU bash, version 5.2.26" /etc/profile /etc/bash.bashrc \
      "$out/etc/profile" "${glibc}/lib" "${glibc}/lib/ld-linux-x86-64.so.2" > $out/bin/bash
    chmod 555 $out/bin/bash
    ln -s bash $out/bin/sh
    printf '# /etc/profile: login shell setup\nexport PATH=/run/current-system/sw/bin\nexport TZDIR=/etc/zoneinfo\n' > $out/etc/profile
    b64 7002 16384 > $out/share/doc/bash/FAQ
  '';

  coreutils = mk "coreutils-9.4" ''
    mkdir -p $out/bin
    blob 8001 307200 "GNU coreutils 9.4" setlocale /etc/localtime "${glibc}/lib" \
      "${glibc}/lib/ld-linux-x86-64.so.2" > $out/bin/coreutils
    chmod 555 $out/bin/coreutils
    for a in cat chmod cp date echo env id install ln ls mkdir mv rm sleep sort stat tail tr uname; do
      ln -s coreutils $out/bin/$a
    done
  '';

  utilLinux = mk "util-linux-2.39" ''
    mkdir -p $out/bin $out/lib
    blob 9001 131072 libblkid.so.1 "${glibc}/lib" > $out/lib/libblkid.so.1
    blob 9002 98304 libmount.so.1 /etc/fstab /proc/self/mountinfo "${glibc}/lib" "$out/lib" > $out/lib/libmount.so.1
    blob 9003 16384 libuuid.so.1 "${glibc}/lib" > $out/lib/libuuid.so.1
    k=10
    for b in mount umount lsblk; do
      k=$((k + 1))
      blob 90$k 20480 "$b from util-linux 2.39" "${glibc}/lib" "$out/lib" > $out/bin/$b
      chmod 555 $out/bin/$b
    done
    chmod 555 $out/lib/*
  '';

  perl = mk "perl-5.38.2" ''
    mkdir -p $out/bin $out/lib/perl5/5.38.2 $out/etc/perl
    blob 10001 196608 "This is perl 5, version 38, subversion 2 (v5.38.2)" \
      "$out/lib/perl5/5.38.2" "$out/lib/perl5/site_perl" "${glibc}/lib" \
      "${glibc}/lib/ld-linux-x86-64.so.2" > $out/bin/perl
    chmod 555 $out/bin/perl
    ln -s perl $out/bin/perl5.38.2
    i=0
    for m in strict warnings Carp Exporter POSIX Socket File/Spec Getopt/Long; do
      i=$((i + 1))
      mkdir -p "$(dirname $out/lib/perl5/5.38.2/$m.pm)"
      { printf 'package %s;\nuse strict;\n# %s\n1;\n__END__\n' "$m" "$out/bin/perl"; b64 $((10100 + i)) 16384; } > $out/lib/perl5/5.38.2/$m.pm
    done
    printf '# sitecustomize\npush @INC, "%s/lib/perl5/site_perl";\n' "$out" > $out/etc/perl/sitecustomize.pl
  '';

  mkSystemd = openssl: mk "systemd-255" ''
    mkdir -p $out/bin $out/lib/systemd/system $out/example/systemd
    blob 11001 327680 "systemd 255 (255.4)" /etc/systemd/system.conf /etc/os-release \
      "${glibc}/lib" "${utilLinux}/lib/libmount.so.1" "${utilLinux}/lib/libblkid.so.1" \
      "${openssl}/lib/libcrypto.so.3" "$out/lib/systemd" > $out/lib/systemd/systemd
    blob 11002 65536 systemctl "${glibc}/lib" "$out/lib/systemd" > $out/bin/systemctl
    blob 11003 49152 journalctl "${glibc}/lib" "$out/lib/systemd" > $out/bin/journalctl
    printf '#!%s/bin/perl\n# kernel-install helper\nexec "%s/bin/bash", @ARGV;\n' "${perl}" "${bash}" > $out/bin/kernel-install
    chmod 555 $out/lib/systemd/systemd $out/bin/systemctl $out/bin/journalctl $out/bin/kernel-install
    for u in getty@ systemd-journald systemd-logind systemd-udevd systemd-timesyncd sshd nscd; do
      printf '[Unit]\nDescription=%s\n\n[Service]\nExecStart=%s/lib/systemd/%s\nExecStartPre=%s/bin/mkdir -p /run/%s\n' \
        "$u" "$out" "$u" "${coreutils}" "$u" > $out/lib/systemd/system/$u.service
    done
    printf '[Manager]\n#LogLevel=info\n#DefaultTimeoutStartSec=90s\n' > $out/example/systemd/system.conf
    printf '[Journal]\n#Storage=auto\n' > $out/example/systemd/journald.conf
  '';
  systemd = mkSystemd openssl;
  systemd_v2 = mkSystemd openssl_3_0_14;

  # Like NixOS `config.system.build.etc`: $out/etc, mostly symlinks into packages.
  mkEtc = systemd: mk "etc" ''
    e=$out/etc
    mkdir -p $e/ssl/certs $e/pki/tls/certs $e/systemd
    ln -s ${ianaEtc}/etc/services $e/services
    ln -s ${ianaEtc}/etc/protocols $e/protocols
    ln -s ${cacert}/etc/ssl/certs/ca-bundle.crt $e/ssl/certs/ca-certificates.crt
    ln -s ${cacert}/etc/ssl/certs/ca-bundle.crt $e/ssl/certs/ca-bundle.crt
    ln -s ${cacert}/etc/ssl/certs/ca-bundle.crt $e/pki/tls/certs/ca-bundle.crt
    ln -s ${systemd}/example/systemd/system.conf $e/systemd/system.conf
    ln -s ${systemd}/example/systemd/journald.conf $e/systemd/journald.conf
    ln -s ${systemd}/lib/systemd/system $e/systemd/system
    ln -s ${bash}/etc/profile $e/profile
    ln -s ${perl}/etc/perl $e/perl
    ln -s ${tzdata}/share/zoneinfo $e/zoneinfo
    ln -s /etc/zoneinfo/UTC $e/localtime
    ln -s /proc/mounts $e/mtab
    printf 'passwd:    files systemd\ngroup:     files systemd\nshadow:    files\nhosts:     files mymachines dns myhostname\nnetworks:  files\nservices:  files\nprotocols: files\n' > $e/nsswitch.conf
    printf '127.0.0.1 localhost\n::1 localhost\n' > $e/hosts
    printf 'nameserver 127.0.0.53\noptions edns0\n' > $e/resolv.conf
    printf 'LANG=en_US.UTF-8\n' > $e/locale.conf
    printf 'root:x:0:0:System administrator:/root:%s/bin/bash\nnobody:x:65534:65534:Unprivileged account:/var/empty:/run/current-system/sw/bin/nologin\n' "${bash}" > $e/passwd
    printf 'root:x:0:\nnogroup:x:65534:\n' > $e/group
    printf '%s/bin/bash\n%s/bin/sh\n/bin/sh\n' "${bash}" "${bash}" > $e/shells
    printf 'export LOCALE_ARCHIVE="%s/lib/locale/locale-archive"\nexport TZDIR="/etc/zoneinfo"\nexport PATH="%s/bin:%s/bin:%s/bin"\n' \
      "${glibcLocales}" "${coreutils}" "${utilLinux}" "${systemd}" > $e/set-environment
  '';
  etc = mkEtc systemd;
  etc_v2 = mkEtc systemd_v2;

  # Only what the app needs: services/protocols for getservbyname, TLS roots, nsswitch.
  etcMinimal = mk "etc-minimal" ''
    e=$out/etc
    mkdir -p $e
    ln -s ${ianaEtc}/etc/services $e/services
    ln -s ${ianaEtc}/etc/protocols $e/protocols
    ln -s ${cacert}/etc/ssl $e/ssl
    printf 'hosts:     files dns\nservices:  files\nprotocols: files\n' > $e/nsswitch.conf
  '';

  mkApp = version: seed: libs: mk "hello-server-${version}" ''
    mkdir -p $out/bin $out/share/doc/hello-server
    blob ${toString seed} 147456 "hello-server ${version} (GHC 9.6.4)" \
      "${glibc}/lib/ld-linux-x86-64.so.2" "${builtins.concatStringsSep ":" (map (l: "${l}/lib") libs)}" \
      /etc/services getservbyname getaddrinfo /etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE \
      SSL_CTX_new SSL_CTX_set_default_verify_paths "https://" "https://api.example.org/v1/hello" \
      "--port" > $out/bin/hello-server
    chmod 555 $out/bin/hello-server
    printf 'hello-server ${version}: says hello over HTTPS, calls https://api.example.org\n' > $out/share/doc/hello-server/README
  '';
  app = mkApp "1.0" 12001 [ glibc openssl zlib ];
  app_v2 = mkApp "1.1" 12002 [ glibc openssl_3_0_14 ];

  # The image roots: what `contents`/`copyToRoot` named (one line per store path, plus the
  # entry point), i.e. the GC root whose closure ends up under /nix/store in the image.
  mkRoot = name: app: contents: mk name ''
    mkdir -p $out/nix-support
    for p in ${builtins.concatStringsSep " " (map toString contents)}; do
      echo "$p"
    done > $out/nix-support/image-contents
    ln -s ${app}/bin/hello-server $out/entrypoint
  '';
  fullRoot = mkRoot "app-image-root-full" app [ app etc glibcLocales tzdata bash coreutils ];
  minimalRoot = mkRoot "app-image-root-minimal" app [ app etcMinimal ];
  fullRootV2 = mkRoot "app-image-root-full-v2" app_v2 [ app_v2 etc_v2 glibcLocales tzdata bash coreutils ];

  # pkgs.closureInfo's input, built for real: structured attrs + exportReferencesGraph.
  # The builder copies the structured-attrs file out; derive_shapes.py turns it into
  # `registration` / `store-paths` / `total-nar-size` with closure-info.nix's rules.
  closureAttrs = root: derivation {
    name = "closure-attrs-${root.name}";
    system = builtins.currentSystem;
    builder = "${busybox}/bin/busybox";
    __structuredAttrs = true;
    exportReferencesGraph.closure = [ root ];
    args = [ "sh" "-c" ''
      out=$(${busybox}/bin/busybox sed -n 's/.*"outputs":{"out":"\([^"]*\)".*/\1/p' .attrs.json)
      ${busybox}/bin/busybox cp .attrs.json "$out"
    '' ];
  };

  # The plain (non-structured) exportReferencesGraph file, as written by Nix itself.
  referencesGraph = root: derivation {
    name = "references-graph-${root.name}";
    system = builtins.currentSystem;
    builder = "${busybox}/bin/busybox";
    exportReferencesGraph = [ "graph" root ];
    args = [ "sh" "-c" "${busybox}/bin/busybox cp graph $out" ];
  };

  roots = {
    app-image-root-full = fullRoot;
    app-image-root-minimal = minimalRoot;
    app-image-root-full-v2 = fullRootV2;
  };
in
{
  inherit busybox roots;
  packages = {
    inherit glibc glibcLocales zlib openssl openssl_3_0_14 tzdata cacert ianaEtc bash
      coreutils utilLinux perl systemd systemd_v2 etc etc_v2 etcMinimal app app_v2;
  };
  closureAttrs = builtins.mapAttrs (_: closureAttrs) roots;
  referencesGraphs = builtins.mapAttrs (_: referencesGraph) roots;
}
