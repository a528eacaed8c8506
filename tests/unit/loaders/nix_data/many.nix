# N small store paths (builtins.toFile, no build) where path i references i-1, i/2, i/3 and
# i-17: a real, dense closure for checking the Nix loaders at scale against Nix itself.
{ n ? 400 }:
let
  refs = i: builtins.filter (j: j >= 0) [ (i - 1) (i / 2) (i / 3) (i - 17) ];
  mk = i: builtins.toFile "pkg${toString i}-1.${toString (i - (i / 7) * 7)}"
    (builtins.concatStringsSep "\n" ([ "package ${toString i}" ]
      ++ (if i == 0 then [ ] else map (j: "${paths.${toString j}}") (refs i))));
  paths = builtins.listToAttrs (builtins.genList (i: { name = toString i; value = mk i; }) n);
in paths.${toString (n - 1)}
