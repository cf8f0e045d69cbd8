#!/usr/bin/env python3
"""Writes the hand-made part of the fuzz seed corpus (tests/Convotron.Fuzz/corpus/): CSV, .npy and
geometry seeds and the near-valid model files. The valid model files come from ModelFile itself:
`dotnet Convotron.Fuzz.dll model --write-seeds corpus/model` (scripts/fuzz.sh never regenerates
them; the committed files are the corpus). Crashing inputs found by fuzzing are added by hand as
corpus/TARGET/regression-*.
"""
import os
import struct

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    os.makedirs(os.path.join(here, target), exist_ok=True)
    with open(os.path.join(here, target, name), "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


# CSV: header or not, quotes, CRLF, BOM, blank lines at the end, and near-valid files.
write("csv", "header.csv", "x0,x1,x2,y\n0.5,-1.25,3e-2,1\n-0.75,2,0,-0.5\n1,1,1,1\n")
write("csv", "no-header.csv", "1,2,3\n4,5,6\n-7.5,8e3,.9\n")
write("csv", "quoted.csv", '"x 0","x,1","say ""y"""\n"1.5",2,"-3"\n4,"5.25",6\n')
write("csv", "crlf-bom.csv", "\ufeffa,b\r\n1,2\r\n3,4\r\n\r\n")
write("csv", "quoted-newline.csv", '"first\nname",y\n1,2\n')
write("csv", "spaces.csv", " a , b \n 1 , 2 \n+3,-4\n")
write("csv", "trailing-blank.csv", "a,b\n1,2\n\n\n")
write("csv", "semicolon.csv", "x0;x1;y\n1,5;2;3\n")
write("csv", "decimal-comma.csv", 'x,y\n"1,5","2,25"\n')
write("csv", "ragged.csv", "a,b,c\n1,2,3\n4,5\n")
write("csv", "nan.csv", "a,b\n1,NaN\n2,Infinity\n")
write("csv", "huge.csv", "a,b\n1e308,1e200\n-1e308,5\n")
write("csv", "unclosed.csv", 'a,b\n"1,2\n')
write("csv", "duplicate-header.csv", "a,a\n1,2\n")
write("csv", "one-column.csv", "y\n1\n2\n")


# .npy: versions 1.0, 2.0 and 3.0; float64 (what is read), float32 and int64 (refused), near-valid headers.
def npy(major, descr, shape, payload, fortran="False", extra="", pad_to=64):
    dictionary = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, %s}" % (descr, fortran, shape, extra)
    prefix = 10 if major == 1 else 12
    total = prefix + len(dictionary) + 1
    header = dictionary + " " * ((pad_to - total % pad_to) % pad_to) + "\n"
    encoded = header.encode("utf-8" if major == 3 else "latin-1")
    length = struct.pack("<H", len(encoded)) if major == 1 else struct.pack("<I", len(encoded))
    return b"\x93NUMPY" + bytes([major, 0]) + length + encoded + payload


def doubles(*values):
    return struct.pack("<%dd" % len(values), *values)


six = doubles(0.5, -1.0, 2.25, 3.0, -4.5, 1e-3)
write("npy", "v1-f8.npy", npy(1, "<f8", "(3, 2)", six))
write("npy", "v2-f8.npy", npy(2, "<f8", "(2, 3)", six))
write("npy", "v3-f8.npy", npy(3, "<f8", "(1, 6)", six, extra="'note': 'é', "))
write("npy", "v1-f8-one-row.npy", npy(1, "<f8", "(1, 2)", doubles(1.0, 2.0)))
write("npy", "v1-f4.npy", npy(1, "<f4", "(2, 2)", struct.pack("<4f", 1, 2, 3, 4)))
write("npy", "v1-i8.npy", npy(1, "<i8", "(2, 2)", struct.pack("<4q", 1, 2, 3, 4)))
write("npy", "v1-i4.npy", npy(1, "<i4", "(2, 2)", struct.pack("<4i", 1, 2, 3, 4)))
write("npy", "v1-big-endian.npy", npy(1, ">f8", "(1, 2)", struct.pack(">2d", 1, 2)))
write("npy", "v1-fortran.npy", npy(1, "<f8", "(3, 2)", six, fortran="True"))
write("npy", "v1-1d-shape.npy", npy(1, "<f8", "(6,)", six))
write("npy", "v1-3d-shape.npy", npy(1, "<f8", "(1, 2, 3)", six))
write("npy", "v1-short-data.npy", npy(1, "<f8", "(3, 2)", six[:-8]))
write("npy", "v1-nan.npy", npy(1, "<f8", "(1, 2)", doubles(float("nan"), 1.0)))
write("npy", "v1-double-quotes.npy", npy(1, "<f8", "(1, 2)", doubles(1, 2)).replace(b"'", b'"'))
write("npy", "v1-unpadded.npy", npy(1, "<f8", "(1, 2)", doubles(1, 2), pad_to=1))

# Found by review while writing these seeds: a shape whose element count wraps around 2^64 to the
# file's real count (3 × 6148914691236517206 = 2^64 + 2) was read as a table of 2 values.
write("npy", "regression-shape-wraps.npy", npy(1, "<f8", "(3, 6148914691236517206)", doubles(1.0, 2.0)))

# Geometry text: 1d, 2d, channels, spaces, upper case, signs, and near-valid texts.
for i, text in enumerate([
    "1d:r=16,s=9,d=160",
    "1d:r=2,s=1,d=5,channels=3",
    "2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28",
    "2d:rh=2,rw=3,sh=1,sw=2,height=5,width=7,channels=2",
    " 1D : D=10 , S=2 , R=4 ",
    "1d:r=+3,s=1,d=3",
    "1d:r=17,s=9,d=16",
    "1d:r=0,s=1,d=4",
    "1d:r=1,s=1,d=2000000000",
    "1d:r=2,s=1,d=4,r=2",
    "1d:r=2,s=1",
    "1d:r=2,s=1,d=4,depth=3",
    "2d:rh=2,rw=2,sh=1,sw=1,height=65536,width=65536",
    "patches:d=6,k=3,r=2",
    "3d:r=1",
    "1d:r=2;s=1;d=4",
]):
    write("geometry", "%02d.txt" % i, text)

# Found by fuzzing (regression seeds): geometries within the guard's estimate that allocated 3-9x
# more than it (the patches' runs were not counted).
for name, text in [("regression-runs-1d-r1", "1d:s=1,d=444544,r=1"), ("regression-runs-1d-r2", "1d:r=2,s=1,d=444444"),
                   ("regression-runs-2d", "2d:rh=4,rw=4,sh=3,sw=3,height=28,width=25574")]:
    write("geometry", name + ".txt", text)

# Near-valid model files (the valid ones are ModelFile's own, see above).
base = """{
  "format": "convotron-model",
  "version": 1,
  "geometry": {
    %s
  },
  "alpha": %s,
  "filter": [%s],
  "outputWeights": [%s]%s
}
"""
write("model", "near-alpha-relu.json", base % ('"spec": "1d:r=2,s=1,d=3"', '"relu"', "1, 2", "3, 4", ""))
write("model", "near-alpha-out-of-range.json", base % ('"spec": "1d:r=2,s=1,d=3"', "1.5", "1, 2", "3, 4", ""))
write("model", "near-huge-weight.json", base % ('"spec": "1d:r=2,s=1,d=3"', "0", "1e308, 1e308", "1e308, -1e308", ""))
write("model", "near-short-filter.json", base % ('"spec": "1d:r=2,s=1,d=3"', "0", "1", "3, 4", ""))
write("model", "near-huge-spec.json", base % ('"spec": "1d:r=1,s=1,d=2000000000"', "0", "1", "1", ""))
write("model", "near-huge-patch-list.json", base % ('"d": 2000000000, "patches": [[0]]', "0", "1", "1", ""))
write("model", "near-patches-duplicate.json", base % ('"d": 4, "patches": [[0, 0], [1, 2]]', "0", "1, 2", "3, 4", ""))
write("model", "near-patches-ragged.json", base % ('"d": 4, "patches": [[0, 1], [2]]', "0", "1, 2", "3, 4", ""))
write("model", "near-patches-float.json", base % ('"d": 4, "patches": [[0, 1.5], [2, 3]]', "0", "1, 2", "3, 4", ""))
write("model", "near-duplicate-geometry.json",
      base % ('"spec": "1d:r=2,s=1,d=3"', "0", "1, 2", "3, 4", ',\n  "geometry": {"spec": "1d:r=1,s=1,d=3"}'))
# Found by fuzzing (regression seeds): a second "geometry" or "spec" hid a huge geometry from predict's size guard.
write("model", "regression-second-geometry-huge.json",
      base % ('"spec": "1d:r=1,s=1,d=2"', "0", "1", "1", ',\n  "geometry": {"spec": "1d:r=1,s=1,d=2000000000"}'))
write("model", "regression-second-spec-huge.json",
      base % ('"spec": "1d:r=1,s=1,d=2", "spec": "1d:r=1,s=1,d=2000000000"', "0", "1", "1", ""))
write("model", "near-label-outside.json", base % ('"spec": "1d:r=2,s=1,d=3"', "0", "1, 2", "3, 4",
                                                   ',\n  "label": {"name": "y", "column": 7, "columns": 4}'))
write("model", "near-preprocessing-zero-scale.json", base % ('"spec": "1d:r=2,s=1,d=3"', "0", "1, 2", "3, 4",
      ',\n  "preprocessing": {"inputMean": [0, 0, 0], "inputScale": 0, "labelMean": 0, "labelScale": 1}'))
write("model", "near-whitening-wrong-length.json", base % ('"spec": "1d:r=2,s=1,d=3"', "0", "1, 2", "3, 4",
      ',\n  "preprocessing": {"inputMean": [0, 0, 0], "inputScale": 1, "labelMean": 0, "labelScale": 1, "whitening": [1, 0]}'))
write("model", "near-version-2.json", base.replace('"version": 1', '"version": 2') % ('"spec": "1d:r=2,s=1,d=3"', "0", "1, 2", "3, 4", ""))
write("model", "near-trailing-comma.json", base % ('"spec": "1d:r=2,s=1,d=3",', "0", "1, 2", "3, 4", ""))
write("model", "near-array.json", "[1, 2, 3]\n")
