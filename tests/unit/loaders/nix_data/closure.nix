# A tiny real closure for the Nix loader tests (built by make.sh into a throw-away chroot store).
# busybox (a directory holding the static busybox) is the only builder; nothing is downloaded.
{ bbdir }:
let
  busybox = builtins.path { path = bbdir; name = "busybox-static"; };
  liba = builtins.toFile "liba-1.0" "library a";
  libb = builtins.toFile "libb-2.3" "library b, uses ${liba}";
  sh = script: [ "sh" "-c" script ];
  bb = "${busybox}/bin/busybox";
  # tool refers to itself (a self-reference Nix lists and we drop) and to liba via a symlink.
  tool = derivation {
    name = "tool-2.1";
    system = builtins.currentSystem;
    builder = bb;
    args = sh "${bb} mkdir -p $out/bin; ${bb} echo ${libb} > $out/bin/tool; ${bb} echo $out > $out/self; ${bb} ln -s ${liba} $out/lib";
  };
  app = derivation {
    name = "app-0.3-bin";
    system = builtins.currentSystem;
    builder = bb;
    args = sh "${bb} mkdir -p $out; ${bb} echo ${tool}/bin/tool > $out/run; ${bb} echo ${libb} > $out/libs";
  };
  # the plain (non-structured) exportReferencesGraph file of app, copied out as it is
  graph = derivation {
    name = "app-graph";
    system = builtins.currentSystem;
    builder = bb;
    exportReferencesGraph = [ "closure" app ];
    args = sh "${bb} cat closure > $out";
  };
in { inherit app graph; }
