#!/bin/sh
# Regenerate the small image samples with real tools (umoci, skopeo). Deterministic timestamps.
#   image-oci/            OCI layout written by umoci (5 layers: base, overwrite, whiteout,
#                         replaced directory, hardlink)
#   image.oci-archive.tar the same image, skopeo copy oci: -> oci-archive:
#   image.docker.tar      the same image, skopeo copy oci: -> docker-archive:
#   multi-oci/            a two-platform OCI layout (linux/amd64 + linux/arm64) whose
#                         index.json is written here from two real umoci layouts
# Needs: umoci, skopeo, python3. Run from anywhere; writes next to this script.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
T=2024-01-01T00:00:00Z
export SOURCE_DATE_EPOCH=1704067200

umoci init --layout oci
umoci new --image oci:img
umoci config --image oci:img --created $T --architecture amd64 --os linux \
  --config.cmd /bin/sh --config.env PATH=/bin:/usr/bin --config.workingdir / \
  --history.created $T --history.created_by "umoci config"
umoci unpack --image oci:img bundle >/dev/null
R=bundle/rootfs
step() { # step "created_by": repack the bundle as one more layer
  find "$R" -exec touch -h -d @$SOURCE_DATE_EPOCH {} +
  umoci repack --refresh-bundle --image oci:img --history.created $T \
    --history.created_by "$1" bundle
}

# layer 0: base files
mkdir -p $R/bin $R/etc $R/usr/share/doc $R/opt/app/lib $R/tmp
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > $R/etc/passwd
printf 'welcome (v1)\n' > $R/etc/motd
for a in sh ls cat; do ln -s busybox $R/bin/$a; done
python3 -c "import sys; sys.stdout.write(''.join('line %05d of the manual\n' % i for i in range(800)))" > $R/usr/share/doc/manual.txt
python3 -c "import sys; sys.stdout.write('old app library\n' * 200)" > $R/opt/app/lib/libold.so
printf 'old config\n' > $R/opt/app/app.conf
step "COPY base /"

# layer 1: overwrite a file, add a build cache
printf 'welcome (v2, rewritten in a later layer)\n' > $R/etc/motd
python3 -c "import sys; sys.stdout.write('cache block\n' * 900)" > $R/tmp/build-cache.bin
step "RUN edit motd && make cache"

# layer 2: delete the cache (a whiteout)
rm $R/tmp/build-cache.bin
step "RUN rm /tmp/build-cache.bin"

# layer 3: replace a directory wholesale
rm -rf $R/opt/app
mkdir -p $R/opt/app
printf 'new config\n' > $R/opt/app/app.conf
step "RUN rm -rf /opt/app && install new app"

# layer 4: a hardlink
mkdir -p $R/usr/bin
python3 -c "import sys; sys.stdout.write('#!/bin/sh\necho tool\n' + '#' * 3000 + '\n')" > $R/usr/bin/tool
chmod 755 $R/usr/bin/tool
ln $R/usr/bin/tool $R/usr/bin/tool-alias
step "COPY tool /usr/bin/ (+ hardlink)"

# layer 5: an opaque directory. umoci 0.4.7 never writes opaque markers (replacing opt/app
# above gave a plain whiteout of opt/app/lib), so this layer is written here with tarfile:
# usr/share/doc/.wh..wh..opq hides manual.txt, and a new README takes its place.
python3 - oci <<'PY'
import gzip, hashlib, io, json, sys, tarfile
root = sys.argv[1]
def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    open(f"{root}/blobs/sha256/{digest}", "wb").write(data)
    return "sha256:" + digest, len(data)
def load(digest):
    return json.load(open(f"{root}/blobs/sha256/{digest.split(':')[1]}"))
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
    def add(name, data=None, kind=tarfile.REGTYPE, mode=0o644):
        info = tarfile.TarInfo(name); info.type = kind; info.mode = mode; info.mtime = 1704067200
        if data is not None:
            info.size = len(data)
        tf.addfile(info, io.BytesIO(data) if data is not None else None)
    add("usr/share/doc/", kind=tarfile.DIRTYPE, mode=0o755)
    add("usr/share/doc/.wh..wh..opq", b"")
    add("usr/share/doc/README", b"the manual moved online\n")
plain = raw.getvalue()
diff_id = "sha256:" + hashlib.sha256(plain).hexdigest()
layer_digest, layer_size = blob(gzip.compress(plain, mtime=0))
index = json.load(open(f"{root}/index.json"))
mdesc = index["manifests"][0]
manifest = load(mdesc["digest"])
config = load(manifest["config"]["digest"])
config["rootfs"]["diff_ids"].append(diff_id)
config["history"].append({"created": "2024-01-01T00:00:00Z",
                          "created_by": "RUN rm -rf /usr/share/doc && mkdir ... (opaque)"})
cdigest, csize = blob(json.dumps(config, sort_keys=True).encode())
manifest["config"].update(digest=cdigest, size=csize)
manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                           "digest": layer_digest, "size": layer_size})
mdigest, msize = blob(json.dumps(manifest, sort_keys=True).encode())
mdesc.update(digest=mdigest, size=msize)
json.dump(index, open(f"{root}/index.json", "w"), sort_keys=True)
PY

umoci gc --layout oci
rm -rf "$here/image-oci" "$here/image.oci-archive.tar" "$here/image.docker.tar" "$here/multi-oci"
cp -r oci "$here/image-oci"
skopeo copy -q oci:oci:img oci-archive:"$here/image.oci-archive.tar":img
skopeo copy -q oci:oci:img docker-archive:"$here/image.docker.tar":closurescope-sample:latest

# multi-platform: two one-layer images, one per architecture, in one layout
umoci init --layout multi
for arch in amd64 arm64; do
  umoci new --image multi:$arch
  umoci config --image multi:$arch --created $T --architecture $arch --os linux \
    --history.created $T --history.created_by "umoci config"
  rm -rf b && umoci unpack --image multi:$arch b >/dev/null
  printf 'built for %s\n' $arch > b/rootfs/ARCH
  find b/rootfs -exec touch -h -d @$SOURCE_DATE_EPOCH {} +
  umoci repack --image multi:$arch --history.created $T --history.created_by "COPY ARCH /" b
done
umoci gc --layout multi
python3 - multi <<'PY'
import json, sys
root = sys.argv[1]
index = json.load(open(f"{root}/index.json"))
manifests = []
for desc in index["manifests"]:
    arch = desc["annotations"]["org.opencontainers.image.ref.name"]
    desc = dict(desc, platform={"os": "linux", "architecture": arch})
    desc.pop("annotations")
    manifests.append(desc)
manifests.sort(key=lambda d: d["platform"]["architecture"])
inner = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
         "manifests": manifests}
json.dump(inner, open(f"{root}/index.json", "w"), indent=2, sort_keys=True)
PY
cp -r multi "$here/multi-oci"
echo "written to $here"
